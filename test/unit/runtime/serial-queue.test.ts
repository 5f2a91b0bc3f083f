import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SerialQueue } from '../../../engine/serial-queue.js';

test('work runs one after another in the order given, whatever each takes', async () => {
	const queue = new SerialQueue();
	const events: string[] = [];
	const task = (name: string, ms: number) =>
		queue.run(async () => {
			events.push(`start ${name}`);
			await sleep(ms);
			events.push(`end ${name}`);
			return name;
		});
	assert.deepEqual(await Promise.all([task('a', 30), task('b', 0), task('c', 10)]), [
		'a',
		'b',
		'c',
	]);
	assert.deepEqual(events, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
});

test('a failure fails its own turn only; settled waits for everything given so far and never rejects', async () => {
	const queue = new SerialQueue();
	let ran = false;
	const failing = queue.run(() => Promise.reject(new Error('boom')));
	const next = queue.run(async () => {
		await sleep(10);
		ran = true;
		return 'next';
	});
	await queue.settled();
	assert.equal(ran, true);
	await assert.rejects(failing, /boom/);
	assert.equal(await next, 'next');
});
