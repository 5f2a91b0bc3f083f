import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecognitionQueue } from '../../../engine/pipeline/recognition-queue.js';
import type { OverflowPolicy } from '../../../engine/config.js';

interface Item {
	id: number;
	durationSeconds: number;
}

function harness(policy: OverflowPolicy, maxSeconds: number) {
	const recognized: number[] = [];
	const dropped: { ids: number[]; reason: string }[] = [];
	const pressure: boolean[] = [];
	let release: () => void = () => undefined;
	let gate = new Promise<void>((resolve) => (release = resolve));
	const queue = new RecognitionQueue<Item>(
		{ maxSeconds, overflow: policy },
		{
			recognize: async () => {
				await gate;
			},
			deliver: (item) => recognized.push(item.id),
			dropped: (items, reason) => dropped.push({ ids: items.map((i) => i.id), reason }),
			pressure: (full) => pressure.push(full),
		},
	);
	const open = () => {
		release();
		gate = Promise.resolve();
	};
	return { queue, recognized, dropped, pressure, open };
}

const items = (...durations: number[]): Item[] =>
	durations.map((durationSeconds, id) => ({ id, durationSeconds }));

test('drop-oldest keeps the newest speech within the bound and reports what it dropped', async () => {
	const h = harness('drop-oldest', 10);
	// item 0 starts at once (being recognized, not waiting); 1..4 wait.
	for (const item of items(5, 4, 4, 4, 4)) h.queue.push(item);
	h.open();
	await h.queue.drain();
	assert.deepEqual(h.dropped, [
		{ ids: [1], reason: 'overflow' },
		{ ids: [2], reason: 'overflow' },
	]);
	assert.deepEqual(h.recognized, [0, 3, 4]);
});

test('drop-newest keeps what waits and reports the newcomer', async () => {
	const h = harness('drop-newest', 10);
	for (const item of items(5, 4, 4, 4, 4)) h.queue.push(item);
	h.open();
	await h.queue.drain();
	assert.deepEqual(h.dropped, [
		{ ids: [3], reason: 'overflow' },
		{ ids: [4], reason: 'overflow' },
	]);
	assert.deepEqual(h.recognized, [0, 1, 2]);
});

test('backpressure drops nothing and signals full then drained', async () => {
	const h = harness('backpressure', 6);
	for (const item of items(5, 4, 4, 4)) h.queue.push(item);
	assert.deepEqual(h.pressure, [true]);
	h.open();
	await h.queue.drain();
	assert.deepEqual(h.dropped, []);
	assert.deepEqual(h.recognized, [0, 1, 2, 3]);
	assert.deepEqual(h.pressure, [true, false]);
});

test('a long segment is admitted into an empty queue', async () => {
	const h = harness('drop-newest', 10);
	h.open();
	h.queue.push({ id: 7, durationSeconds: 60 });
	await h.queue.drain();
	assert.deepEqual(h.recognized, [7]);
});

test('close reports waiting segments as closed and finishes the running one', async () => {
	const h = harness('drop-oldest', 100);
	for (const item of items(1, 2, 3)) h.queue.push(item);
	const closed = h.queue.close();
	h.open();
	await closed;
	assert.deepEqual(h.recognized, [0]);
	assert.deepEqual(h.dropped, [{ ids: [1, 2], reason: 'closed' }]);
});

test('several recognitions at once still deliver in push order', async () => {
	const running: number[] = [];
	let most = 0;
	const delivered: number[] = [];
	const queue = new RecognitionQueue<Item, string>(
		{ maxSeconds: 100 },
		{
			recognize: async (item) => {
				running.push(item.id);
				most = Math.max(most, running.length);
				// Later items finish first.
				await new Promise((resolve) => setTimeout(resolve, 40 - item.id * 10));
				running.splice(running.indexOf(item.id), 1);
				return `text ${item.id}`;
			},
			deliver: (item, text) => {
				assert.equal(text, `text ${item.id}`);
				delivered.push(item.id);
			},
			dropped: () => assert.fail('nothing is dropped'),
		},
		3,
	);
	for (const item of items(1, 1, 1, 1)) queue.push(item);
	await queue.drain();
	assert.equal(most, 3, 'three at once');
	assert.deepEqual(delivered, [0, 1, 2, 3]);
});

test('a long recognition does not hold the slots of those after it; their texts wait to be delivered in order', async () => {
	let finishFirst: () => void = () => undefined;
	const firstDone = new Promise<void>((resolve) => (finishFirst = resolve));
	const started: number[] = [];
	const delivered: number[] = [];
	const queue = new RecognitionQueue<Item, number>(
		{ maxSeconds: 100 },
		{
			recognize: async (item) => {
				started.push(item.id);
				if (item.id === 0) await firstDone;
				return item.id;
			},
			deliver: (item) => delivered.push(item.id),
			dropped: () => assert.fail('nothing is dropped'),
		},
		2,
	);
	for (const item of items(10, 1, 1, 1, 1)) queue.push(item);
	const drained = queue.drain();
	await new Promise((resolve) => setImmediate(resolve));
	assert.deepEqual(
		started,
		[0, 1, 2, 3, 4],
		'the second slot went on while the first recognition ran',
	);
	assert.deepEqual(delivered, [], 'nothing overtakes the first');
	finishFirst();
	await drained;
	assert.deepEqual(delivered, [0, 1, 2, 3, 4]);
});
