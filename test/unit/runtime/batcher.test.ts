import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Batcher, recognitionBatchSize } from '../../../engine/runtime/batcher.js';

/** Inputs are their own sizes; a run answers each with `size:batch` and records the batch. */
function recordingBatcher(maxBatch: number, fail?: (batch: number[]) => boolean) {
	const batches: number[][] = [];
	let release: () => void = () => undefined;
	const firstRunHeld = new Promise<void>((resolve) => (release = resolve));
	const batcher = new Batcher<number, string>(
		async (inputs) => {
			if (batches.length === 0) await firstRunHeld;
			batches.push(inputs);
			if (fail?.(inputs)) throw new Error(`batch ${inputs.join(',')} failed`);
			return inputs.map((size) => `${size}:${inputs.join(',')}`);
		},
		(size) => size,
		maxBatch,
	);
	return { batcher, batches, release };
}

test('what arrives during a run is batched: the oldest first, with the waiting inputs closest to it in size', async () => {
	const { batcher, batches, release } = recordingBatcher(3);
	const outputs = [500, 100, 520, 105, 120, 98].map((size) => batcher.run(size));
	release();
	assert.deepEqual(await Promise.all(outputs), [
		'500:500,520',
		'100:100,98,105',
		'520:500,520',
		'105:100,98,105',
		'120:120',
		'98:100,98,105',
	]);
	// 500 pads too much beside 120, 105, 100 or 98, not beside 520 (4 %); 120 beside 100 would pad
	// 20 % (the limit is 10 %), and is left out of the batch of 3 anyway.
	assert.deepEqual(batches, [[500, 520], [100, 98, 105], [120]]);
});

test('one at a time when the batch size is 1; a failed run fails only its own inputs', async () => {
	const { batcher, batches, release } = recordingBatcher(1, (batch) => batch.includes(2));
	const outputs = [1, 2, 3].map((size) => batcher.run(size));
	release();
	const settled = await Promise.allSettled(outputs);
	assert.deepEqual(
		settled.map((result) => result.status),
		['fulfilled', 'rejected', 'fulfilled'],
	);
	assert.deepEqual(batches, [[1], [2], [3]]);
});

test('batches only when a run has more than one thread to spread over', () => {
	assert.equal(recognitionBatchSize(1), 1);
	assert.ok(recognitionBatchSize(2) > 1);
});
