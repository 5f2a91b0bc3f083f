import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { MessageBatch } from '../../../engine/runtime/message-batch.js';

function recorder(): {
	batch: MessageBatch<string>;
	posted: { messages: string[]; transfer: ArrayBuffer[] }[];
} {
	const posted: { messages: string[]; transfer: ArrayBuffer[] }[] = [];
	return {
		batch: new MessageBatch((messages, transfer) => posted.push({ messages, transfer })),
		posted,
	};
}

test('messages added in one turn of the event loop are posted once, in order, with every buffer they move', async () => {
	const { batch, posted } = recorder();
	const buffers = [new ArrayBuffer(8), new ArrayBuffer(4)];
	batch.add('a', [buffers[0]]);
	batch.add('b');
	batch.add('c', [buffers[1]]);
	assert.equal(posted.length, 0, 'nothing is posted before the turn ends');
	await nextTurn();
	assert.deepEqual(posted, [{ messages: ['a', 'b', 'c'], transfer: buffers }]);
	batch.add('d');
	await nextTurn();
	assert.deepEqual(
		posted.map(({ messages }) => messages),
		[['a', 'b', 'c'], ['d']],
		'the next turn posts a message of its own',
	);
});

test('flush posts at once and nothing twice; discard drops what was not posted', async () => {
	const { batch, posted } = recorder();
	batch.add('a');
	batch.flush();
	assert.deepEqual(posted, [{ messages: ['a'], transfer: [] }]);
	batch.add('lost');
	batch.discard();
	batch.flush();
	await nextTurn();
	assert.equal(posted.length, 1, 'neither the flushed nor the discarded message is posted again');
});
