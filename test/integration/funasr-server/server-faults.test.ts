import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, describe, test } from 'node:test';
import type { ServerPipelineOptions } from '../../../engine/config.js';
import type { PipelineStatus } from '../../../engine/pipeline/events.js';
import { ServerPipeline } from '../../../engine/pipeline/server-pipeline.js';
import { connectWebSocket } from '../../../engine/funasr-server/websocket.js';
import { freePort } from '../../helpers/free-port.js';
import {
	FunasrTestServer,
	releaseTestServerModels,
	type FunasrTestServerOptions,
} from '../../helpers/funasr-test-server.js';
import { record, waitFor, type Recorded } from '../../helpers/pipeline-recorder.js';
import { startPublisher } from '../../helpers/publisher.js';
import { startRtmpServer, type RtmpServer } from '../../helpers/rtmp-server.js';
import { characterErrorRate } from '../../helpers/text.js';
import { cutToyClip, TOY_CLIP_SENTENCES } from '../../helpers/toy-clip.js';

const work = mkdtempSync(join(tmpdir(), 'server-faults-'));
const CLIP = cutToyClip(work);
const CERT = join(work, 'server.crt');
const KEY = join(work, 'server.key');

let rtmp: RtmpServer;
const cleanups: (() => Promise<unknown>)[] = [];
let current: (() => Promise<unknown>)[] = [];

before(async () => {
	execFileSync(
		'openssl',
		[
			'req',
			'-x509',
			'-newkey',
			'rsa:2048',
			'-nodes',
			'-days',
			'1',
			'-subj',
			'/CN=127.0.0.1',
			'-addext',
			'subjectAltName=IP:127.0.0.1',
			'-keyout',
			KEY,
			'-out',
			CERT,
		],
		{ stdio: 'ignore' },
	);
	rtmp = await startRtmpServer();
});

after(async () => {
	for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
	await rtmp?.stop();
	await releaseTestServerModels();
	rmSync(work, { recursive: true, force: true });
});

async function server(options: FunasrTestServerOptions = {}): Promise<FunasrTestServer> {
	const started = await FunasrTestServer.start(options);
	cleanups.push(() => started.close());
	return started;
}

function pipelineFor(
	url: string,
	overrides: Partial<ServerPipelineOptions> & { urls?: string[] },
): { pipeline: ServerPipeline; recorded: Recorded } {
	const { urls = [], ...rest } = overrides;
	const pipeline = new ServerPipeline({
		url,
		// Short enough for a test, long enough for a loaded 2-core machine.
		server: { urls, watchdogMs: 3000 },
		reconnect: { initialDelayMs: 200, maxDelayMs: 500 },
		stallTimeoutMs: 3000,
		...rest,
	});
	cleanups.push(() => pipeline.close());
	return { pipeline, recorded: record(pipeline) };
}

/** Publishes the clip live and waits until it has played and its sentences were recognized. */
async function playLive(
	key: string,
	urls: string[],
	overrides: Partial<ServerPipelineOptions> = {},
) {
	const url = rtmp.url('live', key);
	const run = pipelineFor(url, { urls, ...overrides });
	await run.pipeline.start();
	const publisher = startPublisher({ url, file: CLIP });
	cleanups.push(() => publisher.stop());
	// Each test ends its own run, so that the next one has the machine to itself.
	current.push(
		() => run.pipeline.close(),
		() => publisher.stop(),
	);
	return { ...run, publisher };
}

const lost = (recorded: Recorded) =>
	recorded.statuses.filter(
		(status): status is Extract<PipelineStatus, { type: 'server-lost' }> & { receivedAt: number } =>
			status.type === 'server-lost',
	);
const texts = (recorded: Recorded) => recorded.sentences.map((sentence) => sentence.textRaw);

describe('the test server follows websocket-server-2pass.cpp', () => {
	/** The server's answers to a first message and the clip: until the final one, or for 1.5 s when none comes. */
	async function answers(first: object, pcm: boolean, finalExpected = true): Promise<string[]> {
		const asr = await server();
		const socket = await connectWebSocket(new URL(asr.url), {
			protocol: 'binary',
			timeoutMs: 5000,
		});
		const received: string[] = [];
		socket.on('text', (text) => received.push(text));
		socket.sendText(JSON.stringify(first));
		if (pcm) socket.sendBinary(readFileSync(CLIP).subarray(44));
		socket.sendText(JSON.stringify({ is_speaking: false }));
		if (finalExpected)
			await waitFor(
				() =>
					received.some((text) => (JSON.parse(text) as { is_final?: boolean }).is_final === true),
				30_000,
				'the final answer',
			);
		else await sleep(1500);
		socket.close();
		return received;
	}

	test('without chunk_size nothing is decoded', async () => {
		assert.deepEqual(
			await answers({ mode: '2pass', wav_format: 'pcm', is_speaking: true }, true, false),
			[],
		);
		assert.deepEqual(
			await answers({ mode: '2pass', chunk_size: [5, 0, 5], is_speaking: true }, true, false),
			[],
		);
	});

	test('hotwords that are not a string drop the connection; the client always sends a string', async () => {
		const asr = await server();
		const socket = await connectWebSocket(new URL(asr.url), {
			protocol: 'binary',
			timeoutMs: 5000,
		});
		const closed = new Promise((resolve) => socket.once('closed', resolve));
		socket.sendText(
			JSON.stringify({
				mode: '2pass',
				chunk_size: [5, 10, 5],
				hotwords: { 会议: 20 },
				is_speaking: true,
			}),
		);
		await closed;
		assert.equal(asr.firstMessages[0].parsed!.hotwords instanceof Object, true);
	});

	test('PCM only, with its exact error text', async () => {
		const [answer] = await answers(
			{
				mode: '2pass',
				chunk_size: [5, 10, 5],
				wav_format: 'mp3',
				wav_name: 'x',
				is_speaking: true,
			},
			true,
		);
		assert.deepEqual(JSON.parse(answer), {
			text: 'ERROR. Real-time transcription service ONLY SUPPORT PCM stream.',
			wav_name: 'x',
			is_final: true,
		});
	});

	test('a valid first message gets online deltas, offline sentences and the final answer', async () => {
		const results = (
			await answers(
				{
					mode: '2pass',
					chunk_size: [5, 10, 5],
					wav_format: 'pcm',
					is_speaking: true,
					hotwords: '',
					itn: true,
				},
				true,
			)
		).map((text) => JSON.parse(text) as Record<string, unknown>);
		assert.ok(results.some((result) => result.mode === '2pass-online'));
		assert.equal(results.filter((result) => result.mode === '2pass-offline').length, 3);
		assert.equal(results.at(-1)!.is_final, true);
	});
});

describe('FunASR server faults', { concurrency: false }, () => {
	afterEach(async () => {
		for (const stop of current) await stop().catch(() => undefined);
		current = [];
	});

	test('TLS: a self-signed certificate is refused by default, accepted with its CA or when allowed', async () => {
		const tls = await server({
			tls: { cert: readFileSync(CERT, 'utf8'), key: readFileSync(KEY, 'utf8') },
		});
		const refused = pipelineFor(CLIP, { urls: [tls.url] });
		await refused.pipeline.start();
		await waitFor(() => refused.recorded.warnings.length > 0, 10_000, 'a TLS warning');
		assert.match(
			refused.recorded.warnings[0].message,
			/TLS certificate was refused \(DEPTH_ZERO_SELF_SIGNED_CERT\)/,
		);
		assert.equal(tls.connections, 0);
		await refused.pipeline.close();
		for (const settings of [{ ca: readFileSync(CERT, 'utf8') }, { allowSelfSigned: true }]) {
			const trusted = pipelineFor(CLIP, { server: { urls: [tls.url], ...settings } });
			const ended = new Promise((resolve) => trusted.pipeline.once('end', () => resolve(true)));
			await trusted.pipeline.start();
			await ended;
			assert.equal(trusted.recorded.sentences.length, 3, JSON.stringify(settings).slice(0, 20));
		}
	});

	test('a server that closes mid-sentence: the loss is a status, the stream goes to the next server', async () => {
		const bad = await server({ misbehave: 'close-mid-sentence' });
		const good = await server();
		const { recorded } = await playLive('close', [bad.url, good.url]);
		// The first sentence's start went to the server that closed; its rest and the others to the next.
		await waitFor(
			() => recorded.sentences.length >= 3,
			30_000,
			`three sentences (${JSON.stringify(texts(recorded))})`,
		);
		const [loss] = lost(recorded);
		assert.ok(loss, 'a server-lost status');
		assert.equal(loss.server, bad.url);
		assert.match(loss.reason, /closed the connection|connection failed/);
		assert.ok(loss.droppedSeconds > 0, `lost ${loss.droppedSeconds} s`);
		assert.ok(
			recorded.statuses.some(
				(status) => status.type === 'server-connected' && status.server.includes(String(good.port)),
			),
		);
		assert.equal(recorded.warnings[0].code, 'SERVER_FAILED');
		assert.ok(
			characterErrorRate(TOY_CLIP_SENTENCES.slice(-2), texts(recorded).slice(-2)) < 0.15,
			JSON.stringify(texts(recorded)),
		);
	});

	test('a server that stops answering is given up by the watchdog', async () => {
		const bad = await server({ misbehave: 'silent' });
		const good = await server();
		const { recorded } = await playLive('silent', [bad.url, good.url]);
		await waitFor(() => lost(recorded).length > 0, 10_000, 'the watchdog');
		assert.match(lost(recorded)[0].reason, /stopped answering \(nothing for 3 s\)/);
		await waitFor(
			() => recorded.sentences.length >= 2,
			30_000,
			`two sentences (${JSON.stringify(texts(recorded))})`,
		);
	});

	test('a server that answers garbage is dropped', async () => {
		const bad = await server({ misbehave: 'garbage' });
		const good = await server();
		const { recorded } = await playLive('garbage', [bad.url, good.url]);
		await waitFor(() => lost(recorded).length > 0, 15_000, 'the garbage detected');
		assert.match(lost(recorded)[0].reason, /sent text that is not JSON, not a FunASR result/);
		await waitFor(
			() => recorded.sentences.length >= 2,
			30_000,
			`two sentences (${JSON.stringify(texts(recorded))})`,
		);
		assert.doesNotMatch(JSON.stringify(recorded), /Bad Gateway|not":"a result/);
	});

	test('a server that reads no audio is given up once more than the queue bound waits unread', async () => {
		const long = join(work, 'silence.wav');
		execFileSync('ffmpeg', [
			'-loglevel',
			'error',
			'-f',
			'lavfi',
			'-i',
			'anullsrc=r=16000:cl=mono',
			'-t',
			'900',
			long,
		]);
		const stuck = await server({ misbehave: 'silent' });
		const run = pipelineFor(long, {
			server: { urls: [stuck.url], watchdogMs: 120_000 },
			queue: { maxSeconds: 5 },
		});
		current.push(() => run.pipeline.close());
		await run.pipeline.start();
		await waitFor(() => lost(run.recorded).length > 0, 60_000, 'the server given up');
		assert.match(lost(run.recorded)[0].reason, /does not keep up \(\d+ s of audio unread\)/);
		rmSync(long);
	});

	test('a consumer that falls behind holds the audio in the backlog, then gets every sentence', async () => {
		const asr = await server();
		let open = true;
		let release: () => void = () => undefined;
		const { recorded, publisher } = await playLive('held', [asr.url], {
			ready: () => (open ? Promise.resolve() : new Promise<void>((resolve) => (release = resolve))),
		});
		await waitFor(() => recorded.sentences.length >= 1, 30_000, 'the first sentence');
		open = false;
		await waitFor(() => recorded.sentences.length >= 2, 30_000, 'the second sentence');
		await sleep(300);
		const sentAt = asr.audioBytes;
		await sleep(2000);
		assert.equal(asr.audioBytes, sentAt, 'no audio sent while the consumer is behind');
		assert.equal(recorded.sentences.length, 2);
		open = true;
		release();
		await publisher.exited;
		await waitFor(
			() => recorded.sentences.length >= 3,
			30_000,
			`three sentences (${JSON.stringify(texts(recorded))})`,
		);
		assert.ok(
			characterErrorRate(TOY_CLIP_SENTENCES, texts(recorded)) < 0.1,
			JSON.stringify(texts(recorded)),
		);
		assert.ok(!recorded.statuses.some((status) => status.type === 'overflow'));
	});

	test('audio that arrived while no server was up is sent when one is: nothing lost', async () => {
		const port = await freePort();
		const { recorded, publisher } = await playLive('late', [`ws://127.0.0.1:${port}`]);
		await sleep(2500);
		assert.equal(recorded.sentences.length, 0);
		const asr = await server({ port });
		await publisher.exited;
		await waitFor(
			() => recorded.sentences.length >= 3,
			30_000,
			`three sentences (${JSON.stringify(texts(recorded))})`,
		);
		assert.ok(
			characterErrorRate(TOY_CLIP_SENTENCES, texts(recorded)) < 0.1,
			JSON.stringify(texts(recorded)),
		);
		assert.deepEqual(lost(recorded), []);
		assert.ok(!recorded.statuses.some((status) => status.type === 'overflow'));
		assert.equal(asr.endsOfAudio, 0, 'a live stream never ends the audio');
		assert.ok(
			recorded.warnings.some((warning) =>
				/could not be reached \(ECONNREFUSED\)/.test(warning.message),
			),
		);
	});

	test('beyond the queue bound, the overflow policy drops and says how many seconds', async () => {
		const port = await freePort();
		const { recorded } = await playLive('overflow', [`ws://127.0.0.1:${port}`], {
			queue: { maxSeconds: 1, overflow: 'drop-oldest' },
		});
		await waitFor(
			() => recorded.statuses.some((status) => status.type === 'connected'),
			10_000,
			'the stream',
		);
		await sleep(4000);
		await server({ port });
		await waitFor(
			() => recorded.statuses.some((status) => status.type === 'server-connected'),
			10_000,
			'the server',
		);
		const overflow = recorded.statuses.filter((status) => status.type === 'overflow');
		const dropped = overflow.reduce(
			(sum, status) => sum + (status.type === 'overflow' ? status.droppedSeconds : 0),
			0,
		);
		assert.ok(dropped >= 2 && dropped <= 5, `dropped ${dropped} s`);
	});
});
