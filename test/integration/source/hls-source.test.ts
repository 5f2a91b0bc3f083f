import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import type { StreamError } from '../../../engine/source/ffmpeg-failure.js';
import { FfmpegSource, type SourceEnd } from '../../../engine/source/ffmpeg-source.js';
import { serveFiles, type FileServer } from '../../helpers/file-server.js';
import { sharedPath } from '../../helpers/paths.js';

const CLIP = sharedPath('audio', 'toy', 'toy_01_alarm.wav');
let dir = '';
let server: FileServer;
let base = '';

/** HLS of a short clip, served over HTTP by this process, plus playlists that point elsewhere. */
before(async () => {
	dir = mkdtempSync(join(tmpdir(), 'hls-'));
	await execa('ffmpeg', [
		'-hide_banner',
		'-loglevel',
		'error',
		'-i',
		CLIP,
		'-c:a',
		'aac',
		'-f',
		'hls',
		'-hls_time',
		'1',
		'-hls_list_size',
		'0',
		join(dir, 'index.m3u8'),
	]);
	const playlist = (segment: string) =>
		`#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:1.0,\n${segment}\n#EXT-X-ENDLIST\n`;
	writeFileSync(join(dir, 'local-file.m3u8'), playlist(`file://${CLIP}`));
	writeFileSync(join(dir, 'concat-segment.m3u8'), playlist('concat:index0.ts|index1.ts'));
	writeFileSync(
		join(dir, 'data-segment.m3u8'),
		playlist('data:application/octet-stream;base64,AAAA'),
	);
	writeFileSync(
		join(dir, 'concat-variant.m3u8'),
		'#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nconcat:index.m3u8|index.m3u8\n',
	);
	server = await serveFiles(dir, (request, response) => {
		if (!request.url?.startsWith('/redirect/')) return false;
		// Port 1: the whitelist must refuse https before any connection is tried.
		response.writeHead(302, { location: 'https://127.0.0.1:1/index.m3u8' }).end();
		return true;
	});
	base = server.base;
});

after(async () => {
	await server.close();
	rmSync(dir, { recursive: true, force: true });
});

function run(url: string): Promise<{ end?: SourceEnd; error?: StreamError; samples: number }> {
	const source = new FfmpegSource({ url, readTimeoutMs: 3000 });
	let samples = 0;
	source.on('audio', (chunk) => (samples += chunk.length));
	return new Promise((resolve) => {
		source.once('end', (end) => resolve({ end, samples }));
		source.once('error', (error) => resolve({ error, samples }));
		source.start();
	});
}

test('an HLS playlist over HTTP plays to its end with the http whitelist', async () => {
	const { stdout } = await execa('ffprobe', [
		'-v',
		'error',
		'-show_entries',
		'format=duration',
		'-of',
		'csv=p=0',
		CLIP,
	]);
	const result = await run(`${base}/index.m3u8`);
	assert.equal(result.error, undefined, result.error?.describe());
	assert.ok(
		Math.abs(result.samples / 16000 - Number(stdout)) < 0.1,
		`${result.samples / 16000} s of ${stdout} s`,
	);
});

test('an HLS playlist that points at a local file is refused by the whitelist, fatally', async () => {
	const { error } = await run(`${base}/local-file.m3u8`);
	assert.equal(error?.reason, 'protocol-blocked');
	assert.equal(error?.code, 'BAD_OPTION');
	assert.equal(error?.fatal, true);
	assert.match(error?.stderr.join('\n') ?? '', /Protocol 'file' not on whitelist/);
});

test('HTTP 404 is a missing stream', async () => {
	const { error } = await run(`${base}/nothing-here.m3u8`);
	assert.equal(error?.reason, 'not-found');
	assert.equal(error?.fatal, false);
});

test('an upper-case HTTP:// scheme plays: ffmpeg gets it in lower case', async () => {
	const result = await run(`${base.replace(/^http:/, 'HTTP:')}/index.m3u8`);
	assert.equal(result.error, undefined, result.error?.describe());
	assert.ok(result.samples > 16000);
});

test('concat: and data: playlist entries are refused fatally, naming the protocol', async () => {
	for (const [playlist, protocol] of [
		['concat-segment', 'concat'],
		['data-segment', 'data'],
		['concat-variant', 'concat'],
	]) {
		const { error } = await run(`${base}/${playlist}.m3u8`);
		assert.deepEqual(
			[error?.reason, error?.code, error?.fatal],
			['protocol-blocked', 'BAD_OPTION', true],
			`${playlist}: ${error?.describe()}`,
		);
		assert.match(error?.message ?? '', new RegExp(`protocol not allowed: ${protocol}\\)`));
	}
});

test('an http URL redirected to https fails fatally, saying so and naming the https URL as the fix', async () => {
	const { error } = await run(`${base}/redirect/index.m3u8`);
	assert.deepEqual([error?.reason, error?.fatal], ['protocol-blocked', true], error?.describe());
	assert.match(error?.message ?? '', /redirected .* to https/);
	assert.match(error?.fix ?? '', /https:\/\/ URL/);
});
