import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import type { StreamError } from '../../../engine/source/ffmpeg-failure.js';
import { FfmpegSource, type SourceEnd } from '../../../engine/source/ffmpeg-source.js';
import { sharedPath } from '../../helpers/paths.js';

const CLIP = sharedPath('audio', 'toy', 'toy_01_alarm.wav');
let dir = '';
let server: Server;
let base = '';

/** HLS of a short clip, served over HTTP by this process, plus playlists that point elsewhere. */
before(async () => {
	dir = mkdtempSync(join(tmpdir(), 'hls-'));
	await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', CLIP, '-c:a', 'aac', '-f', 'hls', '-hls_time', '1', '-hls_list_size', '0', join(dir, 'index.m3u8')]);
	const playlist = (segment: string) => `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:1.0,\n${segment}\n#EXT-X-ENDLIST\n`;
	writeFileSync(join(dir, 'local-file.m3u8'), playlist(`file://${CLIP}`));
	server = createServer((request, response) => {
		try {
			response.end(readFileSync(join(dir, basename(new URL(request.url ?? '/', 'http://x').pathname))));
		} catch {
			response.statusCode = 404;
			response.end();
		}
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

after(async () => {
	await new Promise((resolve) => server.close(resolve));
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
	const { stdout } = await execa('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', CLIP]);
	const result = await run(`${base}/index.m3u8`);
	assert.equal(result.error, undefined, result.error?.describe());
	assert.ok(Math.abs(result.samples / 16000 - Number(stdout)) < 0.1, `${result.samples / 16000} s of ${stdout} s`);
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
