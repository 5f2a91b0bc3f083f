import assert from 'node:assert/strict';
import { test } from 'node:test';
import { E2eVad } from '../../../engine/vad/e2e-vad.js';
import { DEFAULT_VAD_OPTIONS, type VadOptions } from '../../../engine/vad/vad-options.js';
import { WindowDetector } from '../../../engine/vad/window-detector.js';

const SPEECH = 0.05;
const SILENCE = 0.95;

/** Silence posteriors from runs of [frames, isSpeech]. */
function posteriors(...runs: [number, boolean][]): number[] {
	return runs.flatMap(([frames, speech]) => Array<number>(frames).fill(speech ? SPEECH : SILENCE));
}

function segmentsOf(
	probabilities: number[],
	options: Partial<VadOptions> = {},
	closeAtEnd = true,
): [number, number][] {
	const vad = new E2eVad({ ...DEFAULT_VAD_OPTIONS, ...options });
	probabilities.forEach((p, i) => vad.acceptFrame(p, closeAtEnd && i === probabilities.length - 1));
	vad.finish();
	return vad.takeSegments().map((s) => [s.startMs, s.endMs]);
}

test('window detector: speech at >= 15 of 20 frames, silence at <= 15, so exactly 15 flips it every frame', () => {
	const window = new WindowDetector(20, 15, 15);
	const changes = [];
	for (let i = 0; i < 15; i++) changes.push(window.detect(true));
	assert.equal(changes.at(-1), 'silence-to-speech');
	assert.ok(changes.slice(0, 14).every((change) => change === 'silence-to-silence'));
	assert.deepEqual(
		[window.detect(false), window.detect(false), window.detect(false)],
		['speech-to-silence', 'silence-to-speech', 'speech-to-silence'],
	);
	window.reset();
	assert.equal(window.detect(true), 'silence-to-silence');
});

test('a frame is speech when 1 - P(sil) >= P(sil) + 0.6, i.e. P(sil) <= 0.2', () => {
	const vad = new E2eVad({ ...DEFAULT_VAD_OPTIONS });
	assert.equal(vad.isSpeechFrame(0.2), true);
	assert.equal(vad.isSpeechFrame(0.2001), false);
	assert.equal(vad.isSpeechFrame(0), true);
	assert.equal(vad.isSpeechFrame(1), false);
});

test('start = detecting frame - 20 (window) - 20 (lookback); end = 800 ms of silence less the part beyond 100 ms lookahead', () => {
	// Speech frames 100..399. The window reaches 15 speech frames at frame 114: start 114 - 40 = 74.
	// It falls to 15 at frame 404; silence then counts from 405 and reaches 65 frames (800 - 150 ms)
	// at 469, which ends the segment 54 frames earlier, at 415: end (415 + 1) * 10 ms.
	assert.deepEqual(segmentsOf(posteriors([100, false], [300, true], [200, false])), [[740, 4160]]);
});

test('a start never reaches back into the previous segment, and detection restarts with an empty window', () => {
	const segments = segmentsOf(
		posteriors([100, false], [300, true], [70, false], [100, true], [200, false]),
	);
	assert.equal(segments.length, 2);
	assert.deepEqual(segments[0], [740, 4160]);
	// Second speech starts at frame 470: end frame 415 made 416 the first free frame, 484 - 40 = 444.
	assert.deepEqual(segments[1], [4440, 5860]);
});

test('the last frame closes a segment in progress at the end of the input', () => {
	assert.deepEqual(segmentsOf(posteriors([50, false], [200, true])), [[240, 2500]]);
	assert.deepEqual(segmentsOf(posteriors([50, false], [200, true], [30, false])), [[240, 2800]]);
	assert.deepEqual(
		segmentsOf(posteriors([50, false], [200, true]), {}, false),
		[[240, 2500]],
		'finish() without a marked last frame',
	);
	assert.deepEqual(segmentsOf(posteriors([300, false])), []);
});

test('max segment length cuts a long segment; the next one continues right after it', () => {
	const segments = segmentsOf(posteriors([10, true], [1000, true]), { maxSegmentMs: 3000 });
	assert.equal(segments.length, 4);
	assert.deepEqual(segments[0], [0, 3010]);
	for (const [start, end] of segments) assert.ok(end - start <= 3010, `${start}..${end}`);
	for (let i = 1; i < segments.length; i++) assert.ok(segments[i][0] >= segments[i - 1][1]);
	assert.equal(segments.at(-1)?.[1], 10100);
});

test('a shorter max end silence ends segments sooner and splits at shorter pauses', () => {
	const frames = posteriors([50, false], [200, true], [40, false], [200, true], [200, false]);
	assert.equal(segmentsOf(frames).length, 1);
	const short = segmentsOf(frames, { maxEndSilenceMs: 300 });
	assert.equal(short.length, 2);
	// Speech 50..249: start 64 - 40 = 24. The window turns at 254; 300 - 150 = 150 ms of counted
	// silence is reached at 269, and the end lies 15 - 10 - 1 = 4 frames before it, at 265.
	assert.deepEqual(short[0], [240, 2660]);
});

test('during the trailing silence, provisionalEnd names the segment that silence will close, with the end it will get', () => {
	const vad = new E2eVad({ ...DEFAULT_VAD_OPTIONS });
	const frames = posteriors([100, false], [300, true], [200, false]);
	const ends: (ReturnType<E2eVad['provisionalEnd']> & object)[] = [];
	let closedAt = -1;
	frames.forEach((p, t) => {
		vad.acceptFrame(p);
		const now = vad.provisionalEnd();
		if (now) ends.push(now);
		if (closedAt < 0 && vad.takeSegments().length > 0) closedAt = t;
		if (t < 405 || (closedAt >= 0 && t >= closedAt))
			assert.equal(now, null, `frame ${t}: no silence under way in a segment`);
	});
	// Silence counts from frame 405 (see above) and closes the segment at 469, as [740, 4160].
	assert.equal(closedAt, 469);
	assert.equal(ends.length, 469 - 405);
	ends.forEach((entry, i) =>
		assert.deepEqual(entry, { startMs: 740, endMs: 4160, silenceMs: (i + 1) * 10 }),
	);
});

test('a pause shorter than the end silence changes the provisional end; a segment that would reach max segment first has none', () => {
	const vad = new E2eVad({ ...DEFAULT_VAD_OPTIONS });
	const frames = posteriors([50, false], [200, true], [40, false], [200, true], [200, false]);
	frames.slice(0, 286).forEach((p) => vad.acceptFrame(p));
	const inPause = vad.provisionalEnd();
	frames.slice(286).forEach((p) => vad.acceptFrame(p));
	const [segment] = vad.takeSegments();
	assert.ok(inPause && segment, 'a provisional end in the pause, then one segment');
	assert.equal(inPause.startMs, segment.startMs);
	assert.ok(
		inPause.endMs < segment.endMs,
		`the pause's provisional end ${inPause.endMs} is not the segment's end ${segment.endMs}`,
	);

	// Speech 10..259 starts at frame 0; its silence (from 265) would close it at 329, past the forced cut at 300.
	const long = new E2eVad({ ...DEFAULT_VAD_OPTIONS, maxSegmentMs: 3000 });
	const seen: ReturnType<E2eVad['provisionalEnd']>[] = [];
	posteriors([10, false], [250, true], [100, false]).forEach((p) => {
		long.acceptFrame(p);
		seen.push(long.provisionalEnd());
	});
	assert.deepEqual(long.takeSegments(), [{ startMs: 0, endMs: 3010 }]);
	assert.deepEqual(
		seen.filter((entry) => entry !== null),
		[],
		'no provisional end: max segment cuts it first',
	);
});
