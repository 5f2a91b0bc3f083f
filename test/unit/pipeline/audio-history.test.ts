import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AudioHistory } from '../../../engine/pipeline/audio-history.js';

const ramp = (from: number, count: number): Float32Array => Float32Array.from({ length: count }, (_, i) => from + i);

test('slices audio by milliseconds across appends of any size', () => {
	const history = new AudioHistory(10_000);
	let next = 0;
	for (const size of [1, 37, 1600, 5, 16000, 333]) {
		history.append(ramp(next, size));
		next += size;
	}
	const slice = history.slice(100, 200);
	assert.equal(slice.length, 1600);
	assert.equal(slice[0], 1600);
	assert.equal(slice[1599], 3199);
	assert.equal(history.totalSamples, next);
});

test('forgets audio beyond its bound and before a closed segment', () => {
	const history = new AudioHistory(1000);
	history.append(ramp(0, 48000));
	assert.equal(history.slice(0, 2000).length, 0, 'older than the bound');
	const kept = history.slice(2000, 3000);
	assert.equal(kept.length, 16000);
	assert.equal(kept[0], 32000);
	history.forgetBefore(2500);
	assert.equal(history.slice(2000, 3000)[0], 40000);
	history.append(ramp(48000, 10));
	assert.equal(history.slice(3000, 3001)[0], 48000);
});
