import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScratchFloats } from '../../../engine/onnx/scratch-floats.js';

test('a released set of scratch arrays is reused by the next run, growing where it needs more', () => {
	const scratch = new ScratchFloats();
	const first = scratch.acquire([100, 50]);
	assert.deepEqual(
		first.map((array) => array.length),
		[100, 50],
	);
	scratch.release(first);
	const second = scratch.acquire([80, 60]);
	assert.deepEqual(
		second.map((array) => array.length),
		[80, 60],
	);
	assert.equal(second[0].buffer, first[0].buffer, 'a buffer large enough is reused');
	assert.notEqual(second[1].buffer, first[1].buffer, 'a buffer too small is replaced');
});

test('runs in flight at once never share a scratch array', () => {
	const scratch = new ScratchFloats();
	const running = scratch.acquire([10]);
	const alsoRunning = scratch.acquire([10]);
	assert.notEqual(alsoRunning[0].buffer, running[0].buffer);
	scratch.release(running);
	scratch.release(alsoRunning);
	const buffers = [scratch.acquire([10])[0].buffer, scratch.acquire([10])[0].buffer];
	assert.deepEqual(
		new Set(buffers),
		new Set([running[0].buffer, alsoRunning[0].buffer]),
		'both sets are kept',
	);
});

test('a very large scratch array is not kept after its run', () => {
	const scratch = new ScratchFloats();
	const huge = scratch.acquire([5 * 1024 * 1024]);
	scratch.release(huge);
	assert.notEqual(scratch.acquire([10])[0].buffer, huge[0].buffer);
});
