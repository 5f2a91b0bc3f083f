import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RowHistory } from '../../../engine/vad/row-history.js';

/** Rows of two values each: row r holds [r, -r]. */
const rows = (from: number, count: number): Float32Array =>
	Float32Array.from({ length: count * 2 }, (_, i) => (i % 2 === 0 ? 1 : -1) * (from + (i >> 1)));

test('slices rows by index across appends of any size', () => {
	const history = new RowHistory(2, 10_000);
	let next = 0;
	for (const count of [1, 37, 160, 5, 1600, 33]) {
		history.append(rows(next, count));
		next += count;
	}
	assert.deepEqual(history.slice(100, 103), rows(100, 3));
	assert.equal(history.totalRows, next);
	assert.equal(history.slice(next - 1, next + 5).length, 2, 'clipped at the newest row');
});

test('forgets rows beyond its bound and before a closed segment; clear starts a new session', () => {
	const history = new RowHistory(2, 100);
	history.append(rows(0, 300));
	assert.equal(history.slice(0, 200).length, 0, 'older than the bound');
	assert.deepEqual(history.slice(200, 210), rows(200, 10));
	history.forgetBefore(250);
	assert.deepEqual(history.slice(200, 255), rows(250, 5));
	history.append(rows(300, 1));
	assert.deepEqual(history.slice(300, 301), rows(300, 1));
	history.clear();
	history.append(rows(7, 2));
	assert.deepEqual(history.slice(0, 2), rows(7, 2));
});
