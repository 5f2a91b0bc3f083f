import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firePlaces, peaksFromAlphas, tokenSpans } from '../../../engine/asr/timestamps.js';
import { inSession, timedWords } from '../../../engine/asr/timed-words.js';

/** Up-sampled frames whose peaks fire exactly at `fireFrames` (running integral 1.0 there, 0.5 elsewhere). */
function framesFiringAt(
	frameCount: number,
	fireFrames: number[],
	alphas: number[] = new Array<number>(frameCount).fill(0),
) {
	const peaks = new Float32Array(frameCount).fill(0.5);
	for (const frame of fireFrames) peaks[frame] = 1;
	return { alphas: Float32Array.from(alphas), peaks };
}

const spans = (result: ReturnType<typeof tokenSpans>) =>
	result?.map((span) => [span.startMs, span.endMs]);

describe('tokenSpans (FunASR time_stamp_lfr6_onnx / TimestampOnnx)', () => {
	it('runs each token from its peak - 1.5 frames to the next, 20 ms per frame, the last to halfway through a long tail', () => {
		// Fires 6.5, 12.5, 18.5 and the end-of-sentence peak 28.5; 40 - 28.5 = 11.5 > 5 frames of tail.
		assert.deepEqual(spans(tokenSpans(framesFiringAt(40, [8, 14, 20, 30]), 3)), [
			[130, 250],
			[250, 370],
			[370, ((40 + 28.5) / 2) * 20],
		]);
	});

	it('lets a short tail (5 frames or less) belong to the last token; leading silence changes no token', () => {
		// Fires 0.5, 8.5, 28.5 of 32 frames: 3.5 frames of tail.
		assert.deepEqual(spans(tokenSpans(framesFiringAt(32, [2, 10, 30]), 2)), [
			[10, 170],
			[170, 640],
		]);
		// The first peak at 20 - 1.5 frames: 370 ms of leading silence, not part of the token.
		assert.deepEqual(spans(tokenSpans(framesFiringAt(32, [20, 30]), 1)), [[370, 640]]);
	});

	it('cuts a token at 30 frames (600 ms) when the next peak is further; the last token is never cut', () => {
		// Fires 0.5, 38.5, 43.5 of 50 frames.
		assert.deepEqual(spans(tokenSpans(framesFiringAt(50, [2, 40, 45]), 2)), [
			[10, 610],
			[770, 935],
		]);
		// Fires 0.5 and 48.5 of 52: the only (so last) token runs past 30 frames, to the end (a 3.5-frame tail).
		assert.deepEqual(spans(tokenSpans(framesFiringAt(52, [2, 50]), 1)), [[10, 1040]]);
	});

	it('a peak counts only above 1 - 1e-4', () => {
		assert.deepEqual(firePlaces([0.5, 0.9999, 0.99991, 1.2]), [0.5, 1.5]);
	});

	it('rebuilds the peaks from us_alphas when they do not number tokens + 1 (the C++ fallback)', () => {
		// No peak fires at all; the alphas (sum 1.5) are rescaled to sum to 3 peaks: fires at 3, 9, 15 → 1.5, 7.5, 13.5.
		const alphas = new Array<number>(20).fill(0);
		alphas[3] = alphas[9] = alphas[15] = 0.5;
		assert.deepEqual(spans(tokenSpans(framesFiringAt(20, [], alphas), 2)), [
			[30, 150],
			[150, ((20 + 13.5) / 2) * 20],
		]);
		// Peaks that are there but one too many are rebuilt just the same.
		assert.deepEqual(spans(tokenSpans(framesFiringAt(20, [1, 2, 3, 4], alphas), 2)), [
			[30, 150],
			[150, 335],
		]);
	});

	it('places a remainder of whole peaks left after the last frame backwards on frames that did not fire', () => {
		// The last frame holds two peaks' weight: it fires once and 1.0002 is left, given to frame 10.
		const alphas = new Array<number>(12).fill(0);
		alphas[2] = 1;
		alphas[11] = 2;
		const rebuilt = peaksFromAlphas(alphas, 3)!;
		assert.deepEqual(firePlaces(rebuilt), [0.5, 8.5, 9.5]);
		assert.ok(Math.abs(rebuilt[11] - 2.0001) < 1e-6 && Math.abs(rebuilt[10] - 1.0002) < 1e-6);
		assert.deepEqual(spans(tokenSpans(framesFiringAt(12, [], alphas), 2)), [
			[10, 170],
			[170, 240],
		]);
	});

	it('gives no times without tokens, or when the alphas are all zero and the peaks wrong', () => {
		assert.equal(tokenSpans(framesFiringAt(20, [3, 9]), 0), null);
		assert.equal(tokenSpans(framesFiringAt(20, [3]), 2), null);
		assert.equal(peaksFromAlphas([0, 0, 0], 2), null);
	});
});

describe('timedWords', () => {
	const at = (n: number) => ({ startMs: n * 100, endMs: n * 100 + 100 });

	it('times a word of @@ pieces from its first piece to its last, each CJK character alone', () => {
		assert.deepEqual(
			timedWords(['你', 'he@@', 'll@@', 'o', '好', 'wor@@'], [0, 1, 2, 3, 4, 5].map(at)),
			[
				{ text: '你', startMs: 0, endMs: 100 },
				{ text: 'hello', startMs: 100, endMs: 400 },
				{ text: '好', startMs: 400, endMs: 500 },
				{ text: 'wor', startMs: 500, endMs: 600 },
			],
		);
	});

	it('makes one upper-case word of a run of single letters, as the text writes it', () => {
		assert.deepEqual(
			timedWords(['a', 'b', 'c', '的', 'x'], [0, 1, 2, 3, 4].map(at)).map((w) => [
				w.text,
				w.startMs,
				w.endMs,
			]),
			[
				['ABC', 0, 300],
				['的', 300, 400],
				['x', 400, 500],
			],
		);
	});

	it('offsets times into the session, a lead-in before its start cut at 0', () => {
		assert.deepEqual(inSession([{ text: '好', startMs: -30, endMs: 150 }], 0), [
			{ text: '好', startMs: 0, endMs: 150 },
		]);
		assert.deepEqual(inSession([{ text: '好', startMs: -30, endMs: 150 }], 1000), [
			{ text: '好', startMs: 970, endMs: 1150 },
		]);
	});
});
