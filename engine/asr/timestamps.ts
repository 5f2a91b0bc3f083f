/**
 * Per-token times from FunASR's timestamp export (BiCif Paraformer: the extra outputs `us_alphas`
 * and `us_cif_peak`), by the rules of FunASR's runtimes: `time_stamp_lfr6_onnx` in
 * funasr_onnx/utils/timestamp_utils.py and `TimestampOnnx` in runtime/onnxruntime/src/util.cpp.
 */

/** The extra outputs of a timestamp export, after `logits` and `token_num`. */
export const TIMESTAMP_OUTPUTS = ['us_alphas', 'us_cif_peak'] as const;
/** The predictor up-samples each LFR frame (60 ms) into 3 frames of 20 ms (`upsample_times: 3`). */
export const UPSAMPLE_TIMES = 3;
export const FRAME_MS = 20;
/** The CIF threshold, less the 1e-4 both the export and the runtimes leave for rounding. */
const FIRE_THRESHOLD = 1 - 1e-4;
/** cif2 fires a little after a character starts: every peak is moved 1.5 frames earlier. */
const PEAK_OFFSET_FRAMES = -1.5;
/** Silence before the first or after the last peak shorter than this (frames) is not silence. */
const START_END_THRESHOLD = 5;
/** A token lasts at most this long (frames); the rest of the gap to the next peak is silence. */
const MAX_TOKEN_DURATION = 30;

/** A token's time in ms from the start of its segment (multiples of 5 ms; the first may start before 0). */
export interface TokenSpan {
	startMs: number;
	endMs: number;
}

/** One item's up-sampled frames of `us_alphas` and `us_cif_peak` (same length). */
export interface UpsampledFrames {
	alphas: ArrayLike<number>;
	peaks: ArrayLike<number>;
}

/**
 * The time of each of `tokenCount` tokens: the decoded rows, `token_num - predictor_bias`, as the
 * Python runtime passes them (the C++ one decodes `token_num` rows and drops a final `</s>`: the
 * same rows whenever the last one is `</s>`, as a trained model's is).
 * There should be one peak per token plus the end-of-sentence peak; when there are not, the peaks
 * are rebuilt from the alphas as FunASR's C++ runtime does. Null when no time can be given:
 * no tokens, all-zero alphas, or peaks that still do not match after the rebuild.
 */
export function tokenSpans(frames: UpsampledFrames, tokenCount: number): TokenSpan[] | null {
	if (tokenCount <= 0) return null;
	let fires = firePlaces(frames.peaks);
	if (fires.length !== tokenCount + 1) {
		const rebuilt = peaksFromAlphas(frames.alphas, tokenCount + 1);
		if (!rebuilt) return null;
		fires = firePlaces(rebuilt);
		if (fires.length !== tokenCount + 1) return null;
	}
	return spansFromFires(fires, frames.peaks.length);
}

/** Frames whose running integral reached the threshold, moved by the peak offset. */
export function firePlaces(peaks: ArrayLike<number>): number[] {
	const fires: number[] = [];
	for (let i = 0; i < peaks.length; i++)
		if (peaks[i] > FIRE_THRESHOLD) fires.push(i + PEAK_OFFSET_FRAMES);
	return fires;
}

/**
 * The C++ runtime's repair when the peaks do not number tokens + 1: the alphas are rescaled to sum
 * to `peakCount`, integrated again (threshold 1 - 1e-4), and a remainder of a whole peak or more
 * left at the end is placed, from the last frame backwards, on frames that did not fire. In float32,
 * as the C++ computes it. Null when the alphas sum to zero.
 */
export function peaksFromAlphas(alphas: ArrayLike<number>, peakCount: number): Float32Array | null {
	const f = Math.fround;
	let total = 0;
	for (let i = 0; i < alphas.length; i++) total = f(total + alphas[i]);
	const scale = f(total / peakCount);
	if (scale === 0) return null;
	const peaks = new Float32Array(alphas.length);
	let sum = 0;
	for (let i = 0; i < alphas.length; i++) {
		sum = f(sum + f(alphas[i] / scale));
		peaks[i] = sum;
		if (sum >= FIRE_THRESHOLD) sum = f(sum - FIRE_THRESHOLD);
	}
	for (let i = peaks.length - 1; sum >= FIRE_THRESHOLD && i >= 0; i--) {
		if (peaks[i] < FIRE_THRESHOLD) {
			peaks[i] = sum;
			sum = f(sum - FIRE_THRESHOLD);
		}
	}
	return peaks;
}

/**
 * Token i lasts from its peak to the next one (the frames between two peaks belong to the earlier
 * token), at most MAX_TOKEN_DURATION frames; the last token ends halfway between the last peak and
 * the end when more than START_END_THRESHOLD frames follow that peak, else at the end.
 */
function spansFromFires(fires: readonly number[], frameCount: number): TokenSpan[] {
	const spans: Array<[number, number]> = [];
	for (let i = 0; i < fires.length - 1; i++) {
		const start = fires[i];
		const next = fires[i + 1];
		const isLast = i === fires.length - 2;
		spans.push([
			start,
			isLast || next - start < MAX_TOKEN_DURATION ? next : start + MAX_TOKEN_DURATION,
		]);
	}
	const lastFire = fires[fires.length - 1];
	spans[spans.length - 1][1] =
		frameCount - lastFire > START_END_THRESHOLD ? (frameCount + lastFire) / 2 : frameCount;
	// Frame times are multiples of a quarter frame: exact in ms, where the runtimes' float
	// seconds truncated to ms sometimes come out 1 ms lower.
	return spans.map(([start, end]) => ({ startMs: start * FRAME_MS, endMs: end * FRAME_MS }));
}
