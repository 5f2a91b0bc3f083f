import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LiveTrial } from '../../../bench/contenders/live.js';
import { nextStreamCount, sustainedStreams } from '../../../bench/live-search.js';

function trial(streams: number, keptUp: boolean): LiveTrial {
	return {
		streams,
		seconds: 20,
		samples: [{ latencyMs: keptUp ? 300 : 5000 }, { latencyMs: keptUp ? 400 : 6000 }],
		unfinished: 0,
		audioLagMs: { p95: 100, max: 120 },
		busyCores: { machine: 1, process: 1 },
		path: 'rtmp',
		earlyRecognition: true,
		early: { started: 0, used: 0 },
	} as unknown as LiveTrial;
}

/** Runs the search against outcomes given per count, one per attempt; returns the counts tried. */
function search(outcomes: Record<number, boolean[]>, estimate: number, steps: number) {
	const trials: LiveTrial[] = [];
	let streams: number | null = 1;
	while (streams !== null) {
		const attempt = trials.filter((done) => done.streams === streams).length;
		const keptUp = outcomes[streams]?.[attempt];
		assert.notEqual(keptUp, undefined, `no outcome for attempt ${attempt + 1} at ${streams}`);
		trials.push(trial(streams, keptUp!));
		streams = nextStreamCount(trials, estimate, steps);
	}
	return { tried: trials.map((done) => done.streams), sustained: sustainedStreams(trials) };
}

test('the search tries its best count again before taking it', () => {
	const { tried, sustained } = search(
		{ 1: [true], 76: [false], 45: [true], 60: [false], 52: [false], 48: [true, true] },
		76,
		3,
	);
	assert.deepEqual(tried, [1, 76, 45, 60, 52, 48, 48]);
	assert.equal(sustained, 48);
});

test('a best count that fails its repeat gives way to the next one down, repeated too', () => {
	const { tried, sustained } = search(
		{
			1: [true],
			77: [false],
			46: [true, true],
			61: [true, false],
			69: [false],
			65: [false],
			53: [false],
		},
		77,
		3,
	);
	assert.deepEqual(tried, [1, 77, 46, 61, 69, 65, 61, 53, 46]);
	assert.equal(sustained, 46);
});

test('the search halves the gap past its steps until it is within a tenth of the best count', () => {
	const { tried, sustained } = search(
		{ 1: [true], 69: [false], 41: [true], 55: [false], 48: [true], 51: [true, true] },
		69,
		3,
	);
	assert.deepEqual(tried, [1, 69, 41, 55, 48, 51, 51]);
	assert.equal(sustained, 51);
});

test('the search stops halving after two steps past its own, however wide the gap', () => {
	const { tried } = search(
		{ 1: [true], 200: [false], 120: [true, true], 160: [false], 140: [false] },
		200,
		1,
	);
	assert.deepEqual(tried, [1, 200, 120, 160, 140, 120]);
});

test('a failed repeat with nothing kept below it searches on a tenth below it', () => {
	const { tried, sustained } = search(
		{
			1: [true],
			30: [true, false],
			40: [false],
			35: [false],
			32: [false],
			27: [true, true],
		},
		30,
		3,
	);
	assert.deepEqual(tried, [1, 30, 40, 35, 32, 30, 27, 27]);
	assert.equal(sustained, 27);
});

test('below a failed repeat the search goes down 40 % once the tenth below fails too', () => {
	const { tried, sustained } = search(
		{
			1: [true],
			49: [true, false],
			66: [false],
			57: [false],
			53: [false],
			44: [false],
			26: [true, true],
		},
		49,
		3,
	);
	assert.deepEqual(tried, [1, 49, 66, 57, 53, 49, 44, 26, 26]);
	assert.equal(sustained, 26);
});

test('a quick search neither bisects nor repeats', () => {
	const { tried, sustained } = search({ 1: [true], 30: [true] }, 30, 0);
	assert.deepEqual(tried, [1, 30]);
	assert.equal(sustained, 30);
});

test('a count is sustained only when every trial at it kept up', () => {
	assert.equal(sustainedStreams([trial(1, true), trial(40, true), trial(40, false)]), 1);
	assert.equal(sustainedStreams([trial(40, false)]), 0);
});
