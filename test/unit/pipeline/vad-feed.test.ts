import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BEAT_MS, MIN_SEND_SAMPLES, VadFeed } from '../../../engine/pipeline/vad-feed.js';
import type { InferenceClient } from '../../../engine/runtime/inference-client.js';
import type { VadOutput } from '../../../engine/runtime/inference-protocol.js';

/** A VAD worker that answers each call when told to, recording what it received. */
function slowVad() {
	const calls: Float32Array[] = [];
	const answers: (() => void)[] = [];
	const client = {
		audio: (_streamId: string, samples: Float32Array) => {
			calls.push(samples);
			return new Promise<VadOutput>((resolve) =>
				answers.push(() => resolve({ closed: [], provisional: null })),
			);
		},
	} as unknown as InferenceClient;
	const tick = () => new Promise((resolve) => setImmediate(resolve));
	/** Answers every call, including those the answers lead to. */
	const answerAll = async () => {
		await tick();
		while (answers.length > 0) {
			answers.shift()!();
			await tick();
		}
	};
	return { client, calls, answers, answerAll };
}

function ramp(from: number, length: number): Float32Array {
	return Float32Array.from({ length }, (_, i) => from + i);
}

test('audio goes to the VAD at least 100 ms per call, in order; what waits while it is busy goes in one call', async () => {
	const vad = slowVad();
	const caughtUp: boolean[] = [];
	const feed = new VadFeed(vad.client, 's', {
		segmented: (_, up) => caughtUp.push(up),
		failed: assert.fail,
		pressure: () => undefined,
	});
	let next = 0;
	const packet = (length: number) => {
		feed.push(ramp(next, length));
		next += length;
	};
	for (let i = 0; i < 4; i++) packet(320);
	await new Promise((resolve) => setImmediate(resolve));
	assert.equal(vad.calls.length, 0, 'under 100 ms waits');
	packet(320);
	await new Promise((resolve) => setImmediate(resolve));
	assert.deepEqual(
		vad.calls.map((call) => call.length),
		[MIN_SEND_SAMPLES],
	);
	// The VAD is busy: 40 more packets (800 ms) wait, then go together.
	for (let i = 0; i < 40; i++) packet(320);
	await vad.answerAll();
	assert.deepEqual(
		vad.calls.map((call) => call.length),
		[MIN_SEND_SAMPLES, 40 * 320],
	);
	assert.deepEqual(caughtUp, [false, true], 'behind while audio waited, caught up after');
	packet(100);
	const drained = feed.drain();
	await vad.answerAll();
	await drained;
	const sent = Float32Array.from(vad.calls.flatMap((call) => [...call]));
	assert.deepEqual(sent, ramp(0, next), 'every sample, once, in order');
});

test('a reader far ahead of the VAD is paused, calls are capped, and drain sends the short rest', async () => {
	const vad = slowVad();
	const pressure: boolean[] = [];
	const feed = new VadFeed(vad.client, 's', {
		segmented: () => undefined,
		failed: assert.fail,
		pressure: (full) => pressure.push(full),
	});
	let next = 0;
	while (pressure.length === 0) {
		feed.push(ramp(next, 1600));
		next += 1600;
	}
	assert.deepEqual(pressure, [true]);
	assert.equal(next, 64_000, 'paused at 4 s waiting');
	feed.push(ramp(next, 700));
	next += 700;
	const drained = feed.drain();
	await vad.answerAll();
	await drained;
	assert.deepEqual(pressure, [true, false]);
	assert.ok(
		vad.calls.every((call) => call.length <= 32_000),
		`calls of ${vad.calls.map((call) => call.length).join(', ')}`,
	);
	assert.deepEqual(Float32Array.from(vad.calls.flatMap((call) => [...call])), ramp(0, next));
});

test('a failed call is reported and the audio after it still goes', async () => {
	const calls: number[] = [];
	const client = {
		audio: async (_streamId: string, samples: Float32Array) => {
			calls.push(samples.length);
			if (calls.length === 1) throw new Error('worker restarted');
			return { closed: [], provisional: null };
		},
	} as unknown as InferenceClient;
	const failures: unknown[] = [];
	const feed = new VadFeed(client, 's', {
		segmented: () => undefined,
		failed: (error) => failures.push(error),
		pressure: () => undefined,
	});
	feed.push(new Float32Array(1600));
	await new Promise((resolve) => setImmediate(resolve));
	feed.push(new Float32Array(1600));
	await feed.drain();
	assert.deepEqual(calls, [1600, 1600]);
	assert.equal(failures.length, 1);
});

test('live feeds send on one beat, so that their chunks reach the VAD together; a 2 s backlog goes at once; no timer is left', async () => {
	const timersBefore = activeTimeouts();
	// The calls each turn of the event loop made, in order.
	const turns: string[][] = [];
	let turn: string[] | null = null;
	const client = {
		audio: async (streamId: string, samples: Float32Array) => {
			if (!turn) {
				turn = [];
				turns.push(turn);
				setImmediate(() => (turn = null));
			}
			turn.push(`${streamId} ${samples.length}`);
			return { closed: [], provisional: null };
		},
	} as unknown as InferenceClient;
	const hooks = { segmented: () => undefined, failed: assert.fail, pressure: () => undefined };
	const a = new VadFeed(client, 'a', hooks, { onBeat: true });
	const b = new VadFeed(client, 'b', hooks, { onBeat: true });
	// Just after a beat, so that both pushes fall before the next.
	while (performance.now() % BEAT_MS > 20 || performance.now() % BEAT_MS < 5) await sleep(1);
	a.push(new Float32Array(MIN_SEND_SAMPLES));
	await sleep(10);
	b.push(new Float32Array(320));
	assert.deepEqual(turns, [], 'nothing goes before the beat, 100 ms of audio or not');
	await sleep(2 * BEAT_MS);
	assert.deepEqual(turns, [[`a ${MIN_SEND_SAMPLES}`, 'b 320']]);
	a.push(new Float32Array(32_000));
	await sleep(1);
	assert.deepEqual(turns.at(-1), ['a 32000'], 'a backlog of 2 s does not wait for the beat');
	b.push(new Float32Array(100));
	await Promise.all([a.drain(), b.drain()]);
	assert.deepEqual(turns.at(-1), ['b 100'], 'drain sends the rest without waiting');
	assert.equal(activeTimeouts(), timersBefore);
});

const activeTimeouts = () =>
	process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
