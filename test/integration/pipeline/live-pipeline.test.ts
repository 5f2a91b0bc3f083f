import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { LivePipeline } from '../../../engine/pipeline/live-pipeline.js';
import type { LivePipelineOptions } from '../../../engine/config.js';
import { freePort } from '../../helpers/free-port.js';
import { sharedPath } from '../../helpers/paths.js';
import {
	activeTimers,
	ffmpegReadersOf,
	record,
	waitFor,
	type Recorded,
} from '../../helpers/pipeline-recorder.js';
import { startPublisher, type Publisher } from '../../helpers/publisher.js';
import { startRtmpServer, type RtmpServer } from '../../helpers/rtmp-server.js';
import { characterErrorRate } from '../../helpers/text.js';
import { cutToyClip, TOY_CLIP_SENTENCES, TOY_STREAM_SENTENCES } from '../../helpers/toy-clip.js';

const models = {
	asrDir: sharedPath('models', 'toy-paraformer-zh'),
	vadDir: sharedPath('models', 'fsmn-vad'),
};
const work = mkdtempSync(join(tmpdir(), 'live-pipeline-'));
const CLIP = cutToyClip(work);

let server: RtmpServer;
const cleanups: (() => Promise<unknown>)[] = [];

before(async () => {
	server = await startRtmpServer();
});

after(async () => {
	for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
	await server?.stop();
	rmSync(work, { recursive: true, force: true });
});

function pipelineFor(
	url: string,
	overrides: Partial<LivePipelineOptions> = {},
): { pipeline: LivePipeline; recorded: Recorded } {
	const pipeline = new LivePipeline({
		url,
		models,
		stallTimeoutMs: 3000,
		reconnect: { initialDelayMs: 300, maxDelayMs: 3000 },
		...overrides,
	});
	cleanups.push(() => pipeline.close());
	return { pipeline, recorded: record(pipeline) };
}

function publish(
	url: string,
	options: Partial<Parameters<typeof startPublisher>[0]> = {},
): Publisher {
	const publisher = startPublisher({ url, file: CLIP, ...options });
	cleanups.push(() => publisher.stop());
	return publisher;
}

const texts = (recorded: Recorded) => recorded.sentences.map((sentence) => sentence.text);
const connections = (recorded: Recorded) =>
	recorded.statuses.filter((status) => status.type === 'connected');

async function assertNoReaderLeft(url: string): Promise<void> {
	await waitFor(() => ffmpegReadersOf(url).length === 0, 3000, `no ffmpeg reading ${url}`);
}

describe('live pipeline against a real RTMP server', { concurrency: false }, () => {
	test('1. sentences arrive while the stream plays, in order, with the right text (stereo 44.1 kHz AAC resampled)', async () => {
		const url = server.url('live', 'whole');
		const { pipeline, recorded } = pipelineFor(url);
		await pipeline.start();
		const publisher = publish(url, {
			file: sharedPath('audio', 'toy', 'toy_stream.wav'),
			channels: 2,
			sampleRate: 44100,
		});
		let playing = true;
		void publisher.exited.then(() => (playing = false));
		await waitFor(() => recorded.sentences.length >= 1, 20_000, 'the first sentence');
		const firstWhilePlaying = playing;
		await publisher.exited;
		const endedAt = recorded.statuses.length;
		await waitFor(
			() => recorded.sentences.length >= TOY_STREAM_SENTENCES.length,
			15_000,
			`${TOY_STREAM_SENTENCES.length} sentences (have ${JSON.stringify(texts(recorded))})`,
		);
		assert.ok(endedAt > 0);
		assert.ok(firstWhilePlaying, 'the first sentence came while the 44 s stream was still playing');
		assert.equal(
			recorded.sentences.length,
			TOY_STREAM_SENTENCES.length,
			JSON.stringify(texts(recorded)),
		);
		const cer = characterErrorRate(TOY_STREAM_SENTENCES, texts(recorded));
		assert.ok(cer <= 0.05, `CER ${cer}: ${JSON.stringify(texts(recorded))}`);
		recorded.sentences.forEach((sentence, i) => {
			assert.equal(sentence.index, i);
			if (i > 0) {
				assert.ok(sentence.startMs >= recorded.sentences[i - 1].endMs, 'times increase');
				assert.ok(
					Date.parse(sentence.startedAt) >= Date.parse(recorded.sentences[i - 1].endedAt) - 1,
				);
			}
			// Under a second unloaded; the bound only says no sentence waits for the 44 s stream to end, with room for a loaded 2-core machine.
			assert.ok(sentence.latencyMs < 15_000, `latency ${sentence.latencyMs}`);
			assert.equal(sentence.durationMs, sentence.endMs - sentence.startMs);
		});
		assert.equal(new Set(recorded.sentences.map((sentence) => sentence.sessionId)).size, 1);
		// Every sentence ends in a pause longer than the end silence: each was recognized in it, before the VAD closed it.
		const { started, used } = pipeline.earlyRecognitions;
		assert.ok(
			used >= TOY_STREAM_SENTENCES.length - 1 && started >= used,
			`${used} of ${recorded.sentences.length} sentences recognized early (${started} started)`,
		);
		assert.doesNotMatch(JSON.stringify(recorded), /whole/, 'the stream key never shows');
		await pipeline.close();
		await assertNoReaderLeft(url);
	});

	test('2. publisher killed mid-sentence and restarted: the sentence in progress is kept, then it carries on', async () => {
		const url = server.url('live', 'killed');
		const { pipeline, recorded } = pipelineFor(url);
		await pipeline.start();
		const first = publish(url);
		await waitFor(() => connections(recorded).length === 1, 10_000, 'connected');
		// The third sentence (今天我们去山里) is spoken from 7.0 to 9.6 s.
		await waitFor(() => recorded.sentences.length >= 2, 15_000, 'two sentences');
		await sleep(
			Math.max(0, 8300 - (recorded.sentences[1].receivedAt - recorded.statuses[0].receivedAt)) -
				1000,
		);
		first.kill('SIGKILL');
		await waitFor(
			() => recorded.statuses.some((status) => status.type === 'disconnected'),
			20_000,
			'the disconnect',
		);
		await waitFor(() => recorded.sentences.length >= 3, 5000, 'the flushed sentence');
		const flushed = recorded.sentences[2];
		assert.ok(
			flushed.text.length > 0 &&
				[...flushed.text].every((char) => TOY_CLIP_SENTENCES[2].includes(char)),
			`flushed: ${flushed.text}`,
		);
		assert.ok(recorded.statuses.some((status) => status.type === 'reconnecting'));
		publish(url);
		await waitFor(
			() => recorded.sentences.length >= 6,
			25_000,
			`sentences after the restart (have ${JSON.stringify(texts(recorded))})`,
		);
		const sessions = connections(recorded);
		assert.equal(sessions.length, 2);
		assert.notEqual(
			sessions[0].type === 'connected' && sessions[0].sessionId,
			sessions[1].type === 'connected' && sessions[1].sessionId,
		);
		assert.deepEqual(
			recorded.sentences.map((sentence) => sentence.index),
			[0, 1, 2, 3, 4, 5],
			'the index continues across reconnects',
		);
		assert.ok(
			characterErrorRate(TOY_CLIP_SENTENCES, texts(recorded).slice(3, 6)) <= 0.05,
			JSON.stringify(texts(recorded)),
		);
		assert.deepEqual(recorded.errors, []);
	});

	test('3. server killed and restarted: reconnects with backoff and carries on', async () => {
		const url = server.url('live', 'server');
		const { pipeline, recorded } = pipelineFor(url);
		await pipeline.start();
		publish(url, { loops: -1 });
		await waitFor(() => recorded.sentences.length >= 1, 20_000, 'a sentence');
		server.kill('SIGKILL');
		await waitFor(
			() => recorded.statuses.filter((status) => status.type === 'reconnecting').length >= 2,
			20_000,
			'two reconnect attempts',
		);
		await server.restart();
		const before = recorded.sentences.length;
		publish(url);
		await waitFor(
			() => recorded.sentences.length >= before + 2,
			30_000,
			'sentences after the restart',
		);
		assert.equal(connections(recorded).length >= 2, true);
		assert.ok(
			recorded.warnings.some((warning) => /refused|ended|No audio|No data/.test(warning.message)),
			recorded.warnings.map((w) => w.message).join('\n'),
		);
		assert.deepEqual(recorded.errors, []);
	});

	test('4. started before anyone publishes: it waits, retries, then works', async () => {
		const url = server.url('live', 'early');
		const { pipeline, recorded } = pipelineFor(url);
		await pipeline.start();
		await sleep(4000);
		assert.equal(recorded.sentences.length, 0);
		publish(url);
		await waitFor(
			() => recorded.sentences.length >= 3,
			25_000,
			`the clip's sentences (have ${JSON.stringify(texts(recorded))})`,
		);
		assert.ok(
			characterErrorRate(TOY_CLIP_SENTENCES, texts(recorded).slice(0, 3)) <= 0.05,
			JSON.stringify(texts(recorded)),
		);
	});

	test('5. wrong port, host, application or key: a clear error naming it, retried with growing delays', async () => {
		const keyed = await startRtmpServer({ streamKey: 'right-key' });
		cleanups.push(() => keyed.stop());
		const closedPort = await freePort();
		const cases: { url: string; message: RegExp }[] = [
			{
				url: `rtmp://127.0.0.1:${closedPort}/live/stream`,
				message: new RegExp(`refused.*|127\\.0\\.0\\.1:${closedPort}`),
			},
			{
				url: `rtmp://no-such-host.invalid:${server.port}/live/stream`,
				message: /host.*not found/i,
			},
			{ url: server.url('nosuchapp', 'stream'), message: /closed the connection|application/i },
			{ url: keyed.url('live', 'wrong-key'), message: /closed the connection|key/i },
		];
		for (const { url, message } of cases) {
			const { pipeline, recorded } = pipelineFor(url, {
				reconnect: { initialDelayMs: 200, maxDelayMs: 2000 },
			});
			await pipeline.start();
			await waitFor(
				() => recorded.statuses.filter((status) => status.type === 'reconnecting').length >= 3,
				30_000,
				`three retries of ${url}`,
			);
			await pipeline.close();
			assert.ok(recorded.warnings.length >= 1);
			assert.match(recorded.warnings[0].message, message, url);
			assert.ok(recorded.warnings[0].fix.length > 0);
			const delays = recorded.statuses.flatMap((status) =>
				status.type === 'reconnecting' ? [status.delayMs] : [],
			);
			for (let i = 1; i < delays.length; i++)
				assert.ok(delays[i] >= delays[i - 1], `delays grow: ${delays}`);
			assert.ok(delays.at(-1)! > delays[0], `delays grow: ${delays}`);
			assert.doesNotMatch(
				JSON.stringify({
					warnings: recorded.warnings.map((w) => w.message),
					statuses: recorded.statuses,
				}),
				/wrong-key/,
				'the key is redacted',
			);
			assert.deepEqual(recorded.errors, [], 'network failures are retried, not fatal');
			await assertNoReaderLeft(url);
		}
	});

	test('6. a stalled publisher (SIGSTOP) is detected within the stall time and recovered on SIGCONT', async () => {
		const url = server.url('live', 'stalled');
		const { pipeline, recorded } = pipelineFor(url, { stallTimeoutMs: 2000 });
		await pipeline.start();
		const publisher = publish(url, { loops: -1 });
		await waitFor(() => recorded.sentences.length >= 1, 20_000, 'a sentence');
		publisher.pause();
		const stalledAt = performance.now();
		await waitFor(
			() => recorded.statuses.some((status) => status.type === 'disconnected'),
			10_000,
			'the stall',
		);
		const detectedAfter = performance.now() - stalledAt;
		// The stall time (2 s) plus generous room for a loaded machine: a missed stall would never be detected.
		assert.ok(detectedAfter < 2000 + 5000, `stall detected after ${Math.round(detectedAfter)} ms`);
		assert.ok(recorded.warnings.some((warning) => /No audio/.test(warning.message)));
		publisher.resume();
		const before = recorded.sentences.length;
		await waitFor(() => recorded.sentences.length >= before + 2, 30_000, 'sentences after SIGCONT');
		assert.ok(connections(recorded).length >= 2);
	});

	test('7. a stream without audio gets a clear error and is retried', async () => {
		const url = server.url('live', 'video');
		const { pipeline, recorded } = pipelineFor(url, {
			reconnect: { initialDelayMs: 200, maxDelayMs: 1000 },
		});
		publish(url, { content: 'video-only', loops: -1 });
		await sleep(1000);
		await pipeline.start();
		await waitFor(
			() => recorded.warnings.some((warning) => /no audio track/.test(warning.message)),
			20_000,
			`the no-audio error (have ${recorded.warnings.map((w) => w.message).join('; ')})`,
		);
		assert.equal(recorded.sentences.length, 0);
	});

	test('8. close in every state leaves no ffmpeg and no timer', async () => {
		const timersBefore = activeTimers();
		// connecting: nobody publishes
		const idleUrl = server.url('live', 'close-connecting');
		const connecting = pipelineFor(idleUrl);
		await connecting.pipeline.start();
		await waitFor(() => ffmpegReadersOf(idleUrl).length === 1, 5000, 'ffmpeg connecting');
		await connecting.pipeline.close();
		assert.deepEqual(ffmpegReadersOf(idleUrl), []);

		// streaming
		const liveUrl = server.url('live', 'close-streaming');
		const streaming = pipelineFor(liveUrl);
		await streaming.pipeline.start();
		const publisher = publish(liveUrl, { loops: -1 });
		await waitFor(() => streaming.recorded.sentences.length >= 1, 20_000, 'a sentence');
		const [pid] = ffmpegReadersOf(liveUrl);
		assert.ok(pid);
		await streaming.pipeline.close();
		assert.deepEqual(ffmpegReadersOf(liveUrl), []);
		await publisher.stop();

		// backing off, with a long delay: close must not wait for it
		const deadUrl = `rtmp://127.0.0.1:${await freePort()}/live/close-backoff`;
		const backingOff = pipelineFor(deadUrl, {
			reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
		});
		await backingOff.pipeline.start();
		await waitFor(
			() => backingOff.recorded.statuses.some((status) => status.type === 'reconnecting'),
			10_000,
			'backing off',
		);
		const closing = performance.now();
		await backingOff.pipeline.close();
		// Far below the 60 s reconnect delay it must not wait for, with room for a loaded machine.
		assert.ok(performance.now() - closing < 10_000);
		assert.deepEqual(ffmpegReadersOf(deadUrl), []);
		// A killed publisher's SIGKILL grace timer (2 s) may still run; a pipeline's reconnect timer
		// (30–60 s here) or stall watchdog would outlive this wait.
		await waitFor(
			() => activeTimers() <= timersBefore,
			5000,
			`no timer left behind (${activeTimers()} now, ${timersBefore} before)`,
		);
	});

	test('9. early recognition off: every sentence is recognized after its VAD end, to the same text', async () => {
		const url = server.url('live', 'late');
		const { pipeline, recorded } = pipelineFor(url, { earlyRecognition: false });
		await pipeline.start();
		publish(url);
		await waitFor(
			() => recorded.sentences.length >= 3,
			25_000,
			`the clip's sentences (have ${JSON.stringify(texts(recorded))})`,
		);
		assert.ok(
			characterErrorRate(TOY_CLIP_SENTENCES, texts(recorded).slice(0, 3)) <= 0.05,
			JSON.stringify(texts(recorded)),
		);
		assert.deepEqual(pipeline.earlyRecognitions, { started: 0, used: 0 });
	});
});
