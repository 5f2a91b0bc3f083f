import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import type { StreamError } from '../../../engine/source/ffmpeg-failure.js';
import {
	FfmpegSource,
	type FfmpegSourceOptions,
	type SourceEnd,
} from '../../../engine/source/ffmpeg-source.js';
import { freePort } from '../../helpers/free-port.js';
import { isAlive } from '../../helpers/processes.js';
import { startPublisher, type Publisher, type PublisherOptions } from '../../helpers/publisher.js';
import {
	startRtmpServer,
	type RtmpServer,
	type RtmpServerOptions,
} from '../../helpers/rtmp-server.js';

const READ_TIMEOUT_MS = 1000;
/**
 * Room in upper time bounds for a loaded machine (ffmpeg, nginx and the tests share 2 cores with
 * other work): what a test tells apart is in the failure's reason or far beyond this, so the bound
 * only catches a hang, never a slow scheduler.
 */
const LOADED_MACHINE_MS = 4000;

type Outcome =
	| { kind: 'end'; end: SourceEnd; atMs: number }
	| { kind: 'error'; error: StreamError; atMs: number };

/** A started source that records its audio and how it ended, with times from start(). */
class Reader {
	readonly source: FfmpegSource;
	readonly startedAt = performance.now();
	readonly outcome: Promise<Outcome>;
	firstAudioMs: number | undefined;
	lastAudioMs = 0;
	samples = 0;
	sumOfSquares = 0;

	constructor(url: string, options: Partial<FfmpegSourceOptions> = {}) {
		this.source = new FfmpegSource({ url, readTimeoutMs: READ_TIMEOUT_MS, ...options });
		this.source.on('audio', (chunk) => {
			const now = this.elapsedMs();
			this.firstAudioMs ??= now;
			this.lastAudioMs = now;
			this.samples += chunk.length;
			for (const sample of chunk) this.sumOfSquares += sample * sample;
		});
		this.outcome = new Promise((resolve) => {
			this.source.once('end', (end) => resolve({ kind: 'end', end, atMs: this.elapsedMs() }));
			this.source.once('error', (error) =>
				resolve({ kind: 'error', error, atMs: this.elapsedMs() }),
			);
		});
		this.source.start();
	}

	elapsedMs(): number {
		return Math.round(performance.now() - this.startedAt);
	}

	rms(): number {
		return this.samples === 0 ? 0 : Math.sqrt(this.sumOfSquares / this.samples);
	}

	async waitForSeconds(seconds: number, timeoutMs: number): Promise<void> {
		const deadline = performance.now() + timeoutMs;
		while (this.samples < seconds * 16000) {
			if (performance.now() > deadline)
				throw new Error(
					`Only ${this.samples / 16000} s of audio after ${timeoutMs} ms; stderr: ${this.source.stderr.join(' | ')}`,
				);
			await sleep(10);
		}
	}

	async failure(): Promise<StreamError & { atMs: number }> {
		const outcome = await this.outcome;
		assert.equal(
			outcome.kind,
			'error',
			`expected a failure, got a clean end; stderr: ${this.source.stderr.join(' | ')}`,
		);
		return Object.assign((outcome as { error: StreamError }).error, { atMs: outcome.atMs });
	}
}

/** A server, publishers and readers that are all gone after the test, whatever happened. */
async function setUp(t: TestContext, options: RtmpServerOptions = {}) {
	const server = await startRtmpServer(options);
	const publishers: Publisher[] = [];
	const readers: Reader[] = [];
	t.after(async () => {
		await Promise.all(readers.map((reader) => reader.source.stop()));
		await Promise.all(publishers.map((publisher) => publisher.stop()));
		await server.stop();
	});
	return {
		server,
		publish(publisherOptions: Partial<PublisherOptions> & { key?: string } = {}): Publisher {
			const publisher = startPublisher({
				url: server.url('live', publisherOptions.key ?? 'stream'),
				...publisherOptions,
			});
			publishers.push(publisher);
			return publisher;
		},
		read(url: string, readerOptions: Partial<FfmpegSourceOptions> = {}): Reader {
			const reader = new Reader(url, readerOptions);
			readers.push(reader);
			return reader;
		},
	};
}

/** The server knows the stream once the publisher's handshake is through (nginx logs the publish). */
async function waitForPublish(server: RtmpServer, name = 'stream'): Promise<void> {
	const deadline = performance.now() + 5000;
	while (!server.log().includes(`publish: name='${name}'`)) {
		if (performance.now() > deadline)
			throw new Error(`No publish of ${name} in nginx's log:\n${server.log()}`);
		await sleep(20);
	}
	// The publisher's first packets reach nginx right after its publish command.
	await sleep(200);
}

test('harness: a published file reads back at real-time rate, not silent; start-up measured', async (t) => {
	const { server, publish, read } = await setUp(t);
	publish();
	await waitForPublish(server);
	const reader = read(server.url());
	await reader.waitForSeconds(0.5, 5000);
	const startupMs = reader.firstAudioMs!;
	await sleep(3000);
	const seconds = reader.samples / 16000;
	const wallSeconds = (reader.lastAudioMs - startupMs) / 1000;
	t.diagnostic(
		`start-up to first PCM: ${startupMs} ms; ${seconds.toFixed(2)} s of audio in ${wallSeconds.toFixed(2)} s after it; RMS ${reader.rms().toFixed(0)}`,
	);
	// Start-up is a figure (above), not a verdict: waitForSeconds fails if no audio comes within 5 s.
	// The probed half second arrives in a burst at start-up, then one second per second.
	assert.ok(
		seconds > wallSeconds - 0.2 && seconds < wallSeconds + 1.2,
		`${seconds.toFixed(2)} s of audio in ${wallSeconds.toFixed(2)} s`,
	);
	assert.ok(reader.rms() > 300, `speech, not silence: RMS ${reader.rms()}`);
	assert.equal(isAlive(reader.source.pid!), true);
});

test('harness: stop() leaves no nginx and frees the port', async (t) => {
	const server = await startRtmpServer();
	t.after(() => server.stop());
	const pid = server.pid!;
	assert.ok(isAlive(pid));
	await server.stop();
	assert.equal(isAlive(pid), false);
	const failure = await new Reader(server.url()).failure();
	assert.equal(failure.reason, 'connection-refused');
});

test('harness: a silent publisher gives digital silence, at real-time rate', async (t) => {
	const { server, publish, read } = await setUp(t);
	publish({ content: 'silence' });
	await waitForPublish(server);
	const reader = read(server.url());
	await reader.waitForSeconds(1, 5000);
	assert.ok(reader.rms() < 1, `RMS ${reader.rms()}`);
});

test('server stopped while audio flows: the source ends at once as connection-lost', async (t) => {
	const { server, publish, read } = await setUp(t);
	publish({ loops: -1 });
	await waitForPublish(server);
	const reader = read(server.url());
	await reader.waitForSeconds(0.5, 5000);
	const stoppedAt = reader.elapsedMs();
	server.kill('SIGKILL');
	const failure = await reader.failure();
	const detectionMs = failure.atMs - stoppedAt;
	t.diagnostic(
		`server killed → source error after ${detectionMs} ms: ${failure.reason}; stderr: ${failure.stderr.join(' | ')}`,
	);
	assert.equal(failure.reason, 'connection-lost');
	assert.equal(failure.fatal, false);
	assert.ok(detectionMs < 2 * READ_TIMEOUT_MS + LOADED_MACHINE_MS, `${detectionMs} ms`);
	await server.restart();
	const again = read(server.url('live', 'again'));
	publish({ key: 'again' });
	await again.waitForSeconds(0.5, 8000);
});

test('publisher stalled (SIGSTOP) on a default server: the read timeout ends the source, not before its value', async (t) => {
	const { server, publish, read } = await setUp(t);
	const publisher = publish({ loops: -1 });
	await waitForPublish(server);
	const reader = read(server.url());
	await reader.waitForSeconds(0.5, 5000);
	publisher.pause();
	const stalledAt = reader.elapsedMs();
	const failure = await reader.failure();
	const detectionMs = failure.atMs - stalledAt;
	t.diagnostic(
		`publisher stalled → source error after ${detectionMs} ms (read timeout ${READ_TIMEOUT_MS} ms): ${failure.reason}, ${failure.code}; stderr: ${failure.stderr.join(' | ')}`,
	);
	assert.equal(failure.reason, 'timeout');
	assert.equal(failure.code, 'STREAM_STALLED');
	assert.ok(
		detectionMs >= READ_TIMEOUT_MS && detectionMs < 2 * READ_TIMEOUT_MS + LOADED_MACHINE_MS,
		`${detectionMs} ms`,
	);
});

test('publisher killed on a default server: the read timeout ends the source', async (t) => {
	const { server, publish, read } = await setUp(t);
	const publisher = publish({ loops: -1 });
	await waitForPublish(server);
	const reader = read(server.url());
	await reader.waitForSeconds(0.5, 5000);
	publisher.kill('SIGKILL');
	const killedAt = reader.elapsedMs();
	const failure = await reader.failure();
	t.diagnostic(
		`publisher killed → source error after ${failure.atMs - killedAt} ms: ${failure.reason}`,
	);
	assert.equal(failure.reason, 'timeout');
});

test('stop() while ffmpeg is blocked in a read (stalled publisher) still ends it within the kill grace', async (t) => {
	const { server, publish, read } = await setUp(t);
	const publisher = publish({ loops: -1 });
	await waitForPublish(server);
	const reader = read(server.url(), { readTimeoutMs: 60_000, killGraceMs: 500 });
	await reader.waitForSeconds(0.5, 5000);
	publisher.pause();
	await sleep(500);
	const pid = reader.source.pid!;
	const stopAt = performance.now();
	await reader.source.stop();
	const stopMs = Math.round(performance.now() - stopAt);
	t.diagnostic(`stop() of a blocked ffmpeg resolved after ${stopMs} ms`);
	assert.equal(isAlive(pid), false);
	// The kill grace (0.5 s), far below the 60 s read timeout that would otherwise end the read.
	assert.ok(stopMs < 500 + LOADED_MACHINE_MS, `${stopMs} ms`);
	const outcome = await reader.outcome;
	assert.equal(outcome.kind, 'end');
	assert.equal(outcome.kind === 'end' && outcome.end.stopped, true);
});

test('a server that notifies players (publish_notify, play_restart): publisher done → clean end', async (t) => {
	const { server, publish, read } = await setUp(t, { notifyPlayers: true });
	const publisher = publish({ content: 'silence' });
	await waitForPublish(server);
	const reader = read(server.url());
	await reader.waitForSeconds(0.5, 5000);
	const stoppedAt = reader.elapsedMs();
	await publisher.stop();
	const outcome = await reader.outcome;
	t.diagnostic(`publisher stopped → ${outcome.kind} after ${outcome.atMs - stoppedAt} ms`);
	assert.equal(outcome.kind, 'end', outcome.kind === 'error' ? outcome.error.describe() : '');
});

test('start-up failures are classified at once, not by the read timeout: refused port, wrong application', async (t) => {
	const { server, read } = await setUp(t);
	const refused = read(`rtmp://127.0.0.1:${await freePort()}/live/stream`).failure();
	const wrongApp = read(server.url('nope', 'stream')).failure();
	for (const [name, failure, reason] of [
		['refused', await refused, 'connection-refused'],
		['wrong app', await wrongApp, 'rejected'],
	] as const) {
		t.diagnostic(
			`${name}: ${failure.reason} after ${failure.atMs} ms; stderr: ${failure.stderr.join(' | ')}`,
		);
		assert.equal(failure.reason, reason);
		assert.ok(failure.atMs < LOADED_MACHINE_MS, `${failure.atMs} ms`);
	}
});

test('a rejected stream key is classified as rejected; the right key plays', async (t) => {
	const { server, publish, read } = await setUp(t, { streamKey: 'good-key' });
	publish({ key: 'good-key' });
	await waitForPublish(server, 'good-key');
	// A read timeout well above the server's refusal: on a loaded machine nginx's on_play answer
	// took 1.9 s once, and the read gave up first (timeout, not rejected).
	const failure = await read(server.url('live', 'wrong-key'), {
		readTimeoutMs: LOADED_MACHINE_MS,
	}).failure();
	t.diagnostic(
		`wrong key: ${failure.reason} after ${failure.atMs} ms; stderr: ${failure.stderr.join(' | ')}`,
	);
	assert.equal(failure.reason, 'rejected');
	assert.ok(failure.atMs < LOADED_MACHINE_MS, `${failure.atMs} ms`);
	assert.ok(
		!failure.message.includes('wrong-key') && !failure.stderr.join('\n').includes('wrong-key'),
		'the key is redacted',
	);
	const good = read(server.url('live', 'good-key'));
	await good.waitForSeconds(0.5, 5000);
});

test('nobody publishing: the source fails as a timeout after about the read timeout', async (t) => {
	const { server, read } = await setUp(t);
	const failure = await read(server.url('live', 'nobody')).failure();
	t.diagnostic(
		`nobody publishing: ${failure.reason} after ${failure.atMs} ms; stderr: ${failure.stderr.join(' | ')}`,
	);
	assert.equal(failure.reason, 'timeout');
	assert.ok(
		failure.atMs >= READ_TIMEOUT_MS && failure.atMs < 2 * READ_TIMEOUT_MS + LOADED_MACHINE_MS,
		`${failure.atMs} ms`,
	);
});

test('a video-only publisher fails clearly with no-audio', async (t) => {
	const { server, publish, read } = await setUp(t);
	publish({ content: 'video-only' });
	await waitForPublish(server);
	const failure = await read(server.url(), { readTimeoutMs: 5000 }).failure();
	t.diagnostic(
		`video only: ${failure.reason} after ${failure.atMs} ms; stderr: ${failure.stderr.join(' | ')}`,
	);
	assert.equal(failure.reason, 'no-audio');
	assert.equal(failure.code, 'INPUT_NOT_AUDIO');
	assert.equal(failure.fatal, false);
});

test('video and audio from a server that holds audio until a key frame (wait_video): the audio track is found', async (t) => {
	const { server, publish, read } = await setUp(t, { waitVideo: true });
	publish({ content: 'video-and-audio', loops: -1 });
	await waitForPublish(server);
	await sleep(1300);
	const reader = read(server.url());
	await reader.waitForSeconds(1, 6000);
	t.diagnostic(`wait_video server, A/V stream: first PCM after ${reader.firstAudioMs} ms`);
	assert.ok(reader.rms() > 300);
});

test('an upper-case RTMP:// scheme plays: ffmpeg gets it in lower case', async (t) => {
	const { server, publish, read } = await setUp(t);
	publish();
	await waitForPublish(server);
	const upper = read(server.url('live', 'stream').replace(/^rtmp:/, 'RTMP:'));
	await upper.waitForSeconds(0.5, 5000);
});
