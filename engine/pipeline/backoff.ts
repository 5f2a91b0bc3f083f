import type { ReconnectSettings } from '../config.js';

export const DEFAULT_RECONNECT: Required<ReconnectSettings> = {
	initialDelayMs: 1000,
	maxDelayMs: 30_000,
	resetAfterMs: 60_000,
};

/**
 * Exponential backoff with equal jitter: the ceiling doubles from `initialDelayMs` to `maxDelayMs`
 * and each delay is drawn uniformly from its upper half, so it never drops below half the ceiling;
 * jitter keeps many pipelines from reconnecting to one server in lockstep.
 */
export class Backoff {
	private attempt = 0;
	private readonly settings: Required<ReconnectSettings>;
	private readonly random: () => number;

	constructor(settings: ReconnectSettings = {}, random: () => number = Math.random) {
		this.settings = { ...DEFAULT_RECONNECT, ...settings };
		this.random = random;
	}

	get attempts(): number {
		return this.attempt;
	}

	/** The next delay, in ms; counts an attempt. */
	next(): number {
		const ceiling = Math.min(
			this.settings.maxDelayMs,
			this.settings.initialDelayMs * 2 ** this.attempt,
		);
		this.attempt++;
		return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
	}

	/** After `resetAfterMs` of healthy audio the next failure starts again from the initial delay. */
	healthyFor(ms: number): void {
		if (ms >= this.settings.resetAfterMs) this.attempt = 0;
	}
}
