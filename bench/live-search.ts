import type { LiveTrial } from './contenders/live.js';
import { quantile } from './stats.js';

/** A stream is served live while its text comes within this long of the end of speech... */
export const LATENCY_LIMIT_MS = 2000;
/** ...and its audio reaches the VAD no later than this after it arrives (95th percentile)... */
export const AUDIO_LAG_LIMIT_MS = 1000;
/**
 * ...and at most this share of the segments closed during the trial has no sentence by its end: a
 * segment whose text is empty (the random-weight stand-in fires no token on some short ones) emits
 * none, which looks the same from outside.
 */
export const UNFINISHED_LIMIT = 0.02;

export interface LiveVerdict {
	sustained: boolean;
	p50: number;
	p95: number;
	summary: string;
}

export function judgeLive(trial: LiveTrial): LiveVerdict {
	const latencies = trial.samples.map((sample) => sample.latencyMs);
	const p50 = quantile(latencies, 0.5);
	const p95 = quantile(latencies, 0.95);
	const unfinishedShare = trial.unfinished / Math.max(1, trial.samples.length + trial.unfinished);
	const sustained =
		trial.samples.length > 0 &&
		unfinishedShare <= UNFINISHED_LIMIT &&
		p95 <= LATENCY_LIMIT_MS &&
		trial.audioLagMs.p95 <= AUDIO_LAG_LIMIT_MS;
	const summary = `${trial.samples.length} sentences, latency p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms, ${trial.unfinished} unfinished, audio lag p95 ${trial.audioLagMs.p95.toFixed(0)} ms, max ${trial.audioLagMs.max.toFixed(0)} ms`;
	return { sustained, p50, p95, summary };
}

/** Trials beyond the search's steps that repeat the best count: one lucky 20 s trial at the edge does not make a capacity. */
export const CONFIRMATIONS = 2;

/** Counts tried, split by whether every trial at the count kept up. */
function countsByOutcome(trials: readonly LiveTrial[]): { kept: number[]; failed: number[] } {
	const failed = new Set(
		trials.filter((trial) => !judgeLive(trial).sustained).map((trial) => trial.streams),
	);
	const kept = new Set(
		trials.map((trial) => trial.streams).filter((streams) => !failed.has(streams)),
	);
	return { kept: [...kept], failed: [...failed] };
}

/** Whether some trial at this count kept up (though another at it failed). */
function keptOnce(trials: readonly LiveTrial[], streams: number): boolean {
	return trials.some((trial) => trial.streams === streams && judgeLive(trial).sustained);
}

/** The most streams every trial at that count kept up with; 0 when none. */
export function sustainedStreams(trials: readonly LiveTrial[]): number {
	return Math.max(0, ...countsByOutcome(trials).kept);
}

/**
 * How close the search brings the best count kept and the least count failed before it stops
 * halving: within a tenth of the best, so that its fraction of the throughput bound is known to
 * a tenth (three steps from an estimate a third off leave a gap of about 15 %).
 */
const RESOLUTION = 0.1;

/** RESOLUTION of a stream count, in whole streams (at least one). */
function resolutionAt(streams: number): number {
	return Math.max(1, Math.ceil(streams * RESOLUTION));
}

/** Halvings beyond the search's steps while the gap is wider than the resolution. */
const EXTRA_STEPS = 2;

/**
 * The stream count to try next: after one stream, the estimate from the pipeline's real-time factor;
 * then up by a third while it keeps up, down by 40 % while it does not, halving the gap once
 * both sides are known (`steps` counts after the estimate, up to EXTRA_STEPS more while the gap is
 * wider than RESOLUTION); the best count again while it has held only once (at most CONFIRMATIONS
 * repeats). A count that kept up once and failed its repeat is the edge: the search goes on a
 * tenth below it, not 40 % down. Null when done.
 */
export function nextStreamCount(
	trials: readonly LiveTrial[],
	estimate: number,
	steps: number,
): number | null {
	if (trials.length === 1) return estimate > 1 ? estimate : null;
	const { kept, failed } = countsByOutcome(trials);
	const best = Math.max(0, ...kept);
	const worst = Math.min(Number.POSITIVE_INFINITY, ...failed);
	const counts = new Set(trials.map((trial) => trial.streams)).size;
	const repeats = trials.length - counts;
	// Counts tried after one stream and the estimate; a failed repeat can reopen a wide gap below.
	const searched = counts - 2;
	const gapWide = worst - best > resolutionAt(best);
	if (searched < steps || (steps > 0 && gapWide && searched < steps + EXTRA_STEPS)) {
		let next: number;
		if (worst === Number.POSITIVE_INFINITY) next = Math.ceil(best * 1.33);
		else if (best <= 1)
			next = keptOnce(trials, worst)
				? worst - resolutionAt(worst)
				: Math.max(2, Math.floor(worst * 0.6));
		else next = Math.floor((best + worst) / 2);
		if (next > best && next < worst && !trials.some((trial) => trial.streams === next)) return next;
	}
	const triedAtBest = trials.filter((trial) => trial.streams === best).length;
	return steps > 0 && best > 1 && triedAtBest === 1 && repeats < CONFIRMATIONS ? best : null;
}
