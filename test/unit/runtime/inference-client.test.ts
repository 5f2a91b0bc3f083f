import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { Worker } from 'node:worker_threads';
import { computeFbank } from '../../../engine/frontend/fbank.js';
import { loadFrontendOptions } from '../../../engine/frontend/frontend-options.js';
import {
	acquireInferenceClient,
	InferenceClient,
	type WorkerCrash,
} from '../../../engine/runtime/inference-client.js';
import { readWav } from '../../../engine/source/wav.js';
import { fixturePath, sharedPath } from '../../helpers/paths.js';

const models = {
	asrDir: sharedPath('models', 'toy-paraformer-zh'),
	vadDir: sharedPath('models', 'fsmn-vad'),
};
const alarm = () => readWav(sharedPath('audio', 'toy', 'toy_01_alarm.wav')).samples;
const alarmFbank = () => computeFbank(alarm(), loadFrontendOptions(models.asrDir)).data;
const ALARM_TEXT = '报警火灾请注意';

interface Internals {
	vad: { worker: Worker };
	recognizers: { worker: Worker; callsInFlight: number }[];
}

function workerOf(client: InferenceClient, role: 'vad' | 'recognizer', index = 0): Worker {
	const internals = client as unknown as Internals;
	return role === 'vad' ? internals.vad.worker : internals.recognizers[index].worker;
}

test('the VAD worker cuts segments with their fbank rows; the recognizer worker gives the spoken text', async () => {
	const { client, release } = acquireInferenceClient();
	try {
		await client.open('s', { models });
		const segments = [...(await client.audio('s', alarm())).closed, ...(await client.flush('s'))];
		assert.equal(segments.length, 1);
		assert.ok(segments[0].fbank.length > 80 * 100, 'the segment comes back with its fbank rows');
		assert.equal((await client.recognize('s', segments[0].fbank)).textRaw, ALARM_TEXT);
		assert.equal((await client.recognize('s', alarmFbank())).textRaw, ALARM_TEXT);
		assert.equal(
			await client.punctuate('s', ALARM_TEXT),
			ALARM_TEXT,
			'no punctuation model: unchanged',
		);
		await client.close('s');
	} finally {
		await release();
	}
});

test('pipelines share the two workers; the last release ends both', async () => {
	const first = acquireInferenceClient();
	const second = acquireInferenceClient();
	assert.equal(first.client, second.client);
	const workers = [workerOf(first.client, 'vad'), workerOf(first.client, 'recognizer')];
	assert.notEqual(workers[0].threadId, workers[1].threadId, 'two threads');
	const exited = Promise.all(
		workers.map((worker) => new Promise<number>((resolve) => worker.once('exit', resolve))),
	);
	await first.release();
	await first.release();
	await second.release();
	await exited;
	const third = acquireInferenceClient();
	assert.notEqual(third.client, first.client, 'new workers after the last release');
	await third.release();
});

test('kept warm, the released workers serve the next pipeline without reloading, and end on time', async () => {
	const keepWarmMs = 1500;
	const first = acquireInferenceClient(keepWarmMs);
	const config = { models, keepWarmMs };
	assert.deepEqual((await first.client.open('a', config)).loaded.sort(), ['recognizer', 'vad']);
	await first.client.close('a');
	const workers = [workerOf(first.client, 'vad'), workerOf(first.client, 'recognizer')];
	await first.release();

	const second = acquireInferenceClient(keepWarmMs);
	assert.equal(second.client, first.client, 'the same workers');
	assert.deepEqual((await second.client.open('b', config)).loaded, [], 'nothing reloaded');
	assert.equal((await second.client.recognize('b', alarmFbank())).textRaw, ALARM_TEXT);
	await second.client.close('b');
	const exited = Promise.all(
		workers.map((worker) => new Promise<number>((resolve) => worker.once('exit', resolve))),
	);
	const releasedAt = performance.now();
	await second.release();
	await exited;
	const waitedMs = performance.now() - releasedAt;
	assert.ok(waitedMs >= keepWarmMs - 50, `the threads ended after ${waitedMs} ms, not before`);
	assert.ok(waitedMs < keepWarmMs + 5000, `the threads ended after ${waitedMs} ms`);
	const third = acquireInferenceClient();
	assert.notEqual(third.client, first.client, 'new workers once the kept ones ended');
	await third.release();
});

test('workers kept warm do not keep the process alive: it exits when its work is done', async () => {
	const script = `
		const { acquireInferenceClient } = require(${JSON.stringify(require.resolve('../../../engine/runtime/inference-client.js'))});
		const config = { models: ${JSON.stringify(models)}, keepWarmMs: 600000 };
		const { client, release } = acquireInferenceClient(600000);
		client.open('s', config).then(() => client.close('s')).then(release).then(() => console.log('released'));
	`;
	const startedAt = performance.now();
	const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
		timeout: 20_000,
	});
	assert.equal(stdout.trim(), 'released');
	assert.ok(performance.now() - startedAt < 20_000, 'exited long before the keep-warm time');
});

test('a stream closed while it opens is not left open: the workers release its models and the client forgets it', async () => {
	const { client, release } = acquireInferenceClient();
	try {
		const opened = client.open('s', { models });
		await client.close('s');
		await opened;
		assert.throws(() => client.recognize('s', alarmFbank()), /Stream s is not open/);
		assert.deepEqual((await client.open('t', { models })).loaded.sort(), ['recognizer', 'vad']);
		await client.close('t');
	} finally {
		await release();
	}
});

// Worker.terminate() stands in for a crash between runs: terminated inside an onnxruntime run, a
// thread aborts the process (see WorkerChannel.terminate). Retries in flight: worker-channel.test.
for (const role of ['vad', 'recognizer'] as const) {
	test(`a crashed ${role} worker is restarted, reports its streams, and they keep working`, async () => {
		const client = new InferenceClient();
		const crashes: WorkerCrash[] = [];
		client.onCrash((crash) => crashes.push(crash));
		try {
			await client.open('s', { models });
			await workerOf(client, role).terminate();
			assert.deepEqual(crashes, [{ role, streams: ['s'], error: 'exit code 1' }]);
			const segments = [...(await client.audio('s', alarm())).closed, ...(await client.flush('s'))];
			assert.equal(segments.length, 1, 'the reopened stream cuts segments');
			assert.equal((await client.recognize('s', segments[0].fbank)).textRaw, ALARM_TEXT);
		} finally {
			await client.terminate();
		}
	});
}

test("with two recognizers, a stream's backlog is recognized on both at once; the VAD worker punctuates in call order", async () => {
	const puncDir = fixturePath('models', 'tiny-punc-realtime');
	const frontend = loadFrontendOptions(models.asrDir);
	const fbanks = [
		'toy_01_alarm.wav',
		'toy_02_meeting.wav',
		'toy_03_digits.wav',
		'toy_04_open.wav',
		'toy_05_close.wav',
		'toy_01_alarm.wav',
	].map((file) => computeFbank(readWav(sharedPath('audio', 'toy', file)).samples, frontend).data);
	const one = new InferenceClient();
	const two = new InferenceClient();
	try {
		await one.open('s', { models: { ...models, puncDir } });
		await two.open('s', { models: { ...models, puncDir, recognizers: 2 } });
		const raw: string[] = [];
		const expected: string[] = [];
		for (const fbank of fbanks) raw.push((await one.recognize('s', fbank)).textRaw);
		for (const textRaw of raw) expected.push(await one.punctuate('s', textRaw));
		const results = fbanks.map((fbank) => two.recognize('s', fbank));
		assert.deepEqual(
			(two as unknown as Internals).recognizers.map((channel) => channel.callsInFlight),
			[3, 3],
			'split between the two workers',
		);
		assert.deepEqual(
			(await Promise.all(results)).map((result) => result.textRaw),
			raw,
		);
		// vad_realtime punctuation carries context: out of order, the texts would differ.
		assert.deepEqual(
			await Promise.all(raw.map((textRaw) => two.punctuate('s', textRaw))),
			expected,
		);
		assert.notEqual(
			workerOf(two, 'recognizer', 0).threadId,
			workerOf(two, 'recognizer', 1).threadId,
		);
	} finally {
		await one.terminate();
		await two.terminate();
	}
});

test('a stream that cannot open in one worker is closed in the other', async () => {
	const client = new InferenceClient();
	try {
		await assert.rejects(
			client.open('x', {
				models: { ...models, asrDir: sharedPath('models', 'paraformer-large-zh-vocab8404') },
			}),
			/model\.onnx/,
		);
		await assert.rejects(client.audio('x', alarm()), /not open/);
		for (const recognizers of [0, 1.5, 17])
			await assert.rejects(
				client.open('y', { models: { ...models, recognizers } }),
				/parallel recognitions make no sense/,
			);
	} finally {
		await client.terminate();
	}
});

test('a provisional segment runs on an idle recognizer, but not on one that was busy for the last seconds', async () => {
	const client = new InferenceClient();
	try {
		await client.open('s', { models });
		const segment = { id: 1, startMs: 0, endMs: 3000, fbank: alarmFbank() };
		assert.equal(await client.recognizeProvisional('s', segment), true, 'idle: it runs');
		const fbank = alarmFbank();
		const busyUntil = performance.now() + 4000;
		while (performance.now() < busyUntil) await client.recognize('s', fbank);
		assert.equal((client as unknown as Internals).recognizers[0].callsInFlight, 0, 'idle now');
		assert.equal(
			await client.recognizeProvisional('s', { ...segment, id: 2, fbank: alarmFbank() }),
			false,
			'but busy most of the last seconds: declined',
		);
		assert.equal(
			(await client.recognize('s', alarmFbank(), 2)).early,
			false,
			'the closed segment is recognized then',
		);
	} finally {
		await client.terminate();
	}
});
