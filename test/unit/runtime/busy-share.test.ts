import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BusyShare } from '../../../engine/runtime/busy-share.js';

test('the busy share rises while busy and decays while idle, weighting the last time constant most', () => {
	let now = 0;
	const share = new BusyShare(1000, () => now);
	assert.equal(share.current(), 0);
	share.set(true);
	now = 1000;
	assert.ok(Math.abs(share.current() - (1 - Math.exp(-1))) < 1e-9, 'one time constant busy: 63 %');
	share.set(false);
	now = 2000;
	assert.ok(
		Math.abs(share.current() - (1 - Math.exp(-1)) * Math.exp(-1)) < 1e-9,
		'then one idle: 23 %',
	);
	share.set(false);
	assert.ok(
		Math.abs(share.current() - (1 - Math.exp(-1)) * Math.exp(-1)) < 1e-9,
		'setting the same state changes nothing',
	);
	now = 60_000;
	assert.ok(share.current() < 1e-6, 'long idle: nothing');
});

test('a steady duty cycle settles at its share of the time', () => {
	let now = 0;
	const share = new BusyShare(5000, () => now);
	for (let cycle = 0; cycle < 200; cycle++) {
		share.set(true);
		now += 100;
		share.set(false);
		now += 300;
	}
	const value = share.current();
	assert.ok(value > 0.2 && value < 0.3, `busy a quarter of the time: ${value}`);
});
