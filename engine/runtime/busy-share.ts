/**
 * The share of the recent past something was busy, weighting the last `timeConstantMs` most (an
 * exponential moving average of busy = 1, idle = 0 over time).
 */
export class BusyShare {
	private share = 0;
	private busy = false;
	private since: number;

	constructor(
		private readonly timeConstantMs: number,
		private readonly now: () => number = () => performance.now(),
	) {
		this.since = now();
	}

	/** Busy from now on (true) or idle (false). */
	set(busy: boolean): void {
		if (busy === this.busy) return;
		this.share = this.current();
		this.since = this.now();
		this.busy = busy;
	}

	current(): number {
		const decay = Math.exp(-(this.now() - this.since) / this.timeConstantMs);
		return this.share * decay + (this.busy ? 1 - decay : 0);
	}
}
