import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { WorkerRole } from '../../../engine/runtime/inference-protocol.js';
import { WorkerChannel } from '../../../engine/runtime/worker-channel.js';

const fakeWorker = join(__dirname, '..', '..', 'helpers', 'fake-inference-worker.js');

function channel(
	crashing: 'first worker' | 'every worker',
	role: WorkerRole = 'recognizer',
): { channel: WorkerChannel; restarts: string[] } {
	const restarts: string[] = [];
	process.env.FAKE_WORKER_CRASH = '1';
	const created = new WorkerChannel(
		role,
		async (reason) => {
			restarts.push(reason);
		},
		fakeWorker,
	);
	if (crashing === 'first worker') delete process.env.FAKE_WORKER_CRASH;
	return { channel: created, restarts };
}

test('a recognition in flight when its worker dies is sent again, once, to the new worker', async () => {
	const { channel: recognizer, restarts } = channel('first worker');
	try {
		const result = await recognizer.call({
			type: 'recognize',
			streamId: 's',
			fbank: new Float32Array(160),
		});
		assert.equal(result.textRaw, 'rows 160');
		assert.deepEqual(restarts, ['exit code 1']);
	} finally {
		await recognizer.terminate();
	}
});

test('a recognition that kills the new worker too fails with the crash, and the channel keeps going', async () => {
	const { channel: recognizer, restarts } = channel('every worker');
	try {
		await assert.rejects(
			recognizer.call({ type: 'recognize', streamId: 's', fbank: new Float32Array(80) }),
			/recognizer worker crashed \(exit code 1\)/,
		);
		assert.equal(restarts.length, 2);
		assert.equal(
			await recognizer.call({ type: 'close', streamId: 's' }),
			null,
			'other requests still work',
		);
	} finally {
		delete process.env.FAKE_WORKER_CRASH;
		await recognizer.terminate();
	}
});

test('terminate lets the worker answer what is in flight, then ends it', async () => {
	const { channel: vad } = channel('first worker');
	const inFlight = vad.call({ type: 'flush', streamId: 's' });
	await vad.terminate();
	assert.deepEqual(await inFlight, null);
});

test("what a request moves to the worker comes from its role's table: audio samples are transferred, not copied", async () => {
	const { channel: vad } = channel('first worker', 'vad');
	const samples = new Float32Array(1600);
	try {
		assert.deepEqual(await vad.call({ type: 'audio', streamId: 's', samples }), {
			requestsInMessage: 1,
		});
		assert.equal(samples.length, 0, 'the samples were moved to the worker');
	} finally {
		await vad.terminate();
	}
});

test("the streams' audio sent on one tick reaches the worker in one message, and each call gets its own answer", async () => {
	const { channel: vad } = channel('first worker', 'vad');
	const chunks = [new Float32Array(1600), new Float32Array(800), new Float32Array(3200)];
	try {
		const answers = await Promise.all(
			chunks.map((samples, i) => vad.call({ type: 'audio', streamId: `s${i}`, samples })),
		);
		assert.deepEqual(answers, [
			{ requestsInMessage: 3 },
			{ requestsInMessage: 3 },
			{ requestsInMessage: 3 },
		]);
		assert.deepEqual(
			chunks.map((samples) => samples.length),
			[0, 0, 0],
			'every chunk was moved',
		);
		const later = await vad.call({ type: 'audio', streamId: 's0', samples: new Float32Array(1) });
		assert.deepEqual(later, { requestsInMessage: 1 }, 'a later tick goes in a message of its own');
	} finally {
		await vad.terminate();
	}
});

test('a message the worker cannot be sent fails its calls with a clear error, and the channel keeps going', async () => {
	const { channel: vad } = channel('first worker', 'vad');
	const samples = new Float32Array(1600);
	try {
		// The same buffer moved twice in one message: postMessage refuses the whole message.
		const sameBufferTwice = [
			vad.call({ type: 'audio', streamId: 's', samples }),
			vad.call({ type: 'audio', streamId: 's', samples }),
		];
		for (const call of sameBufferTwice)
			await assert.rejects(call, (error: Error) => {
				assert.match(error.message, /^Inference failed: /);
				return true;
			});
		assert.deepEqual(
			await vad.call({ type: 'audio', streamId: 's', samples: new Float32Array(1) }),
			{ requestsInMessage: 1 },
		);
	} finally {
		await vad.terminate();
	}
});
