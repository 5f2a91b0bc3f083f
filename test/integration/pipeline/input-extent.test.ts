import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { LivePipeline } from '../../../engine/pipeline/live-pipeline.js';
import type { LivePipelineOptions } from '../../../engine/config.js';
import { serveFiles, type FileServer } from '../../helpers/file-server.js';
import { sharedPath } from '../../helpers/paths.js';
import { record, waitFor, type Recorded } from '../../helpers/pipeline-recorder.js';
import { characterErrorRate } from '../../helpers/text.js';
import { cutToyClip, TOY_CLIP_SENTENCES } from '../../helpers/toy-clip.js';

const models = {
	asrDir: sharedPath('models', 'toy-paraformer-zh'),
	vadDir: sharedPath('models', 'fsmn-vad'),
};
const work = mkdtempSync(join(tmpdir(), 'input-extent-'));
const CLIP = cutToyClip(work);

let http: FileServer;
let base = '';
let trickle: TcpServer;
const trickling = new Set<Socket>();
let trickleUrl = '';

before(async () => {
	execFileSync('ffmpeg', [
		'-loglevel',
		'error',
		'-i',
		CLIP,
		'-c:a',
		'aac',
		'-f',
		'hls',
		'-hls_time',
		'2',
		'-hls_list_size',
		'0',
		join(work, 'index.m3u8'),
	]);
	http = await serveFiles(work);
	base = http.base;
	// Accepts, answers 200, then sends one byte every 300 ms: ffmpeg's read timeout never fires.
	trickle = createTcpServer((socket) => {
		trickling.add(socket);
		socket.on('error', () => undefined);
		socket.on('close', () => trickling.delete(socket));
		socket.write('HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\n\r\n');
		const timer = setInterval(() => socket.write('R'), 300);
		socket.on('close', () => clearInterval(timer));
	});
	await new Promise<void>((resolve) => trickle.listen(0, '127.0.0.1', resolve));
	trickleUrl = `http://127.0.0.1:${portOf(trickle)}/audio.wav?token=trickle-secret-token`;
});

after(async () => {
	for (const socket of trickling) socket.destroy();
	await new Promise((resolve) => trickle.close(resolve));
	await http.close();
	rmSync(work, { recursive: true, force: true });
});

function portOf(server: TcpServer): number {
	const address = server.address();
	return typeof address === 'object' && address ? address.port : 0;
}

/** Runs to 'end'; a reconnect, the bug of a finite input taken for a dropped stream, fails at once. */
async function runOnce(url: string, options: Partial<LivePipelineOptions> = {}): Promise<Recorded> {
	const pipeline = new LivePipeline({
		url,
		models,
		reconnect: { initialDelayMs: 200, maxDelayMs: 500 },
		...options,
	});
	const recorded = record(pipeline);
	const ended = new Promise<void>((resolve, reject) => {
		pipeline.once('end', resolve);
		pipeline.once('error', reject);
		pipeline.on(
			'status',
			(status) =>
				status.type === 'reconnecting' &&
				reject(
					new Error(`reconnected to a finite input after ${recorded.sentences.length} sentences`),
				),
		);
	});
	try {
		await pipeline.start();
		await ended;
		assert.equal(pipeline.running, false);
	} finally {
		await pipeline.close();
	}
	return recorded;
}

function assertSentencesOnce(recorded: Recorded): void {
	const texts = recorded.sentences.map((sentence) => sentence.text);
	assert.equal(texts.length, TOY_CLIP_SENTENCES.length, JSON.stringify(texts));
	assert.ok(characterErrorRate(TOY_CLIP_SENTENCES, texts) <= 0.05, JSON.stringify(texts));
	assert.deepEqual(
		recorded.sentences.map((sentence) => sentence.index),
		[0, 1, 2],
	);
	assert.deepEqual(
		recorded.statuses.map((status) => status.type),
		['connected', 'disconnected'],
	);
	assert.deepEqual(recorded.warnings, []);
}

test('a file:// URL is read once, its sentences emitted once, then the pipeline ends', async () => {
	assertSentencesOnce(await runOnce(pathToFileURL(CLIP).href));
});

test('an http media file (ffmpeg reports its duration) is read once, then the pipeline ends', async () => {
	assertSentencesOnce(await runOnce(`${base}/clip.wav`));
});

test('a finished HLS playlist (#EXT-X-ENDLIST) is played once, then the pipeline ends', async () => {
	assert.match(readFileSync(join(work, 'index.m3u8'), 'utf8'), /#EXT-X-ENDLIST/);
	assertSentencesOnce(await runOnce(`${base}/index.m3u8`));
});

test('a server that accepts and trickles bytes misses the start deadline: reported with the stream masked, retried with backoff', async () => {
	const pipeline = new LivePipeline({
		url: trickleUrl,
		models,
		startTimeoutMs: 1500,
		reconnect: { initialDelayMs: 200, maxDelayMs: 400 },
	});
	const recorded = record(pipeline);
	try {
		await pipeline.start();
		await waitFor(
			() => recorded.statuses.filter((status) => status.type === 'reconnecting').length >= 2,
			15_000,
			`two reconnects (warnings: ${recorded.warnings.map((w) => w.message).join('; ')})`,
		);
	} finally {
		await pipeline.close();
	}
	const stalled = recorded.warnings.filter((warning) => warning.code === 'STREAM_STALLED');
	assert.ok(stalled.length >= 2, recorded.warnings.map((w) => w.message).join('; '));
	assert.match(
		stalled[0].message,
		/No audio from http:\/\/127\.0\.0\.1:\d+\/audio\.wav.* within 1\.5 s of connecting/,
	);
	const everything = JSON.stringify([
		recorded.statuses,
		recorded.warnings.map((w) => [w.message, w.fix]),
	]);
	assert.doesNotMatch(everything, /trickle-secret-token/);
	assert.deepEqual(
		recorded.statuses
			.filter((status) => status.type === 'reconnecting')
			.map((status) => status.type === 'reconnecting' && status.attempt)
			.slice(0, 2),
		[1, 2],
	);
	assert.deepEqual(recorded.sentences, []);
});
