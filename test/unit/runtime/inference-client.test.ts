import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { acquireInferenceClient, InferenceClient, type WorkerCrash } from '../../../engine/runtime/inference-client.js';
import { readWav } from '../../../engine/source/wav.js';
import { sharedPath } from '../../helpers/paths.js';

const models = { asrDir: sharedPath('models', 'toy-paraformer-zh'), vadDir: sharedPath('models', 'fsmn-vad') };
const alarm = () => readWav(sharedPath('audio', 'toy', 'toy_01_alarm.wav')).samples;

test('recognition runs in a worker thread and gives the spoken text', async () => {
	const { client, release } = acquireInferenceClient();
	try {
		await client.open('s', { models });
		const result = await client.recognize('s', alarm());
		assert.equal(result.text, '报警火灾请注意');
		const segments = [...(await client.audio('s', alarm())), ...(await client.flush('s'))];
		assert.equal(segments.length, 1);
		assert.ok(segments[0]!.samples.length > 16000, 'segment audio comes back with the segment');
		await client.close('s');
	} finally {
		await release();
	}
});

test('pipelines share one worker; the last release ends it', async () => {
	const first = acquireInferenceClient();
	const second = acquireInferenceClient();
	assert.equal(first.client, second.client);
	const worker = (first.client as unknown as { worker: Worker }).worker;
	const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
	await first.release();
	await first.release();
	assert.equal(worker.threadId > 0, true, 'still running after one of two releases');
	await second.release();
	await exited;
	const third = acquireInferenceClient();
	assert.notEqual(third.client, first.client, 'a new worker after the last release');
	await third.release();
});

test('a crashed worker is restarted, its streams reopened and recognition in flight retried', async () => {
	const client = new InferenceClient();
	const crashes: WorkerCrash[] = [];
	client.onCrash((crash) => crashes.push(crash));
	try {
		await client.open('s', { models });
		const inFlight = client.recognize('s', alarm());
		await (client as unknown as { worker: Worker }).worker.terminate();
		assert.equal((await inFlight).text, '报警火灾请注意');
		assert.equal(crashes.length, 1);
		assert.deepEqual(crashes[0]!.streams, ['s']);
		assert.equal((await client.recognize('s', alarm())).text, '报警火灾请注意', 'the stream works after the restart');
	} finally {
		await client.terminate();
	}
});
