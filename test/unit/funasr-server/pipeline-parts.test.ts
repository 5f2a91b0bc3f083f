import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AudioBacklog } from '../../../engine/pipeline/audio-backlog.js';
import { ServerClock } from '../../../engine/pipeline/server-clock.js';

const second = (session: string, sessionMs: number) => ({
	session,
	sessionMs,
	pcm: Buffer.alloc(32_000),
});

describe('AudioBacklog', () => {
	test('drop-oldest keeps the newest seconds and says how much it dropped', () => {
		const backlog = new AudioBacklog<string>({ maxSeconds: 2, overflow: 'drop-oldest' });
		assert.equal(backlog.push(second('a', 0)), 0);
		assert.equal(backlog.push(second('a', 1000)), 0);
		assert.equal(backlog.push(second('a', 2000)), 1);
		assert.deepEqual(
			backlog.take().map((chunk) => chunk.sessionMs),
			[1000, 2000],
		);
		assert.equal(backlog.length, 0);
	});

	test('drop-newest refuses what exceeds; backpressure keeps it and reports full', () => {
		const newest = new AudioBacklog<string>({ maxSeconds: 1, overflow: 'drop-newest' });
		newest.push(second('a', 0));
		assert.equal(newest.push(second('a', 1000)), 1);
		assert.deepEqual(
			newest.take().map((chunk) => chunk.sessionMs),
			[0],
		);
		const held = new AudioBacklog<string>({ maxSeconds: 1, overflow: 'backpressure' });
		held.push(second('a', 0));
		assert.equal(held.full, true);
		assert.equal(held.push(second('a', 1000)), 0);
	});
});

describe('ServerClock', () => {
	test('server times fall in the session and at the offset they were sent from', () => {
		const clock = new ServerClock<string>();
		assert.equal(clock.locate(0), null);
		clock.audio('s1', 0, 1000);
		clock.audio('s1', 1000, 1000);
		clock.padding(1500);
		clock.audio('s2', 0, 1000);
		clock.audio('s2', 3000, 1000); // a gap the backlog dropped
		assert.deepEqual(clock.locate(1500), { session: 's1', sessionMs: 1500 });
		assert.deepEqual(clock.locate(3600), { session: 's2', sessionMs: 100 });
		assert.deepEqual(clock.locate(4700), { session: 's2', sessionMs: 3200 });
		assert.equal(clock.sentMs, 5500);
	});
});
