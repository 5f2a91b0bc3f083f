import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from '../../../engine/pipeline/backoff.js';

test('backoff doubles from the initial delay to the cap, with jitter in the upper half', () => {
	const lowest = new Backoff({ initialDelayMs: 1000, maxDelayMs: 30_000 }, () => 0);
	assert.deepEqual(
		Array.from({ length: 7 }, () => lowest.next()),
		[500, 1000, 2000, 4000, 8000, 15_000, 15_000],
	);
	const highest = new Backoff({ initialDelayMs: 1000, maxDelayMs: 30_000 }, () => 1);
	assert.deepEqual(
		Array.from({ length: 7 }, () => highest.next()),
		[1000, 2000, 4000, 8000, 16_000, 30_000, 30_000],
	);
});

test('backoff starts again after a healthy minute, not after a short one', () => {
	const backoff = new Backoff({ initialDelayMs: 1000, resetAfterMs: 60_000 }, () => 1);
	backoff.next();
	backoff.next();
	backoff.healthyFor(59_000);
	assert.equal(backoff.next(), 4000);
	backoff.healthyFor(60_000);
	assert.equal(backoff.attempts, 0);
	assert.equal(backoff.next(), 1000);
});
