const SAMPLES_PER_MS = 16;

/**
 * The recent audio of one stream, so that a segment the VAD closes can be cut out by its times.
 * Bounded: audio older than `keepMs` before the newest sample is forgotten, whatever the VAD does.
 */
export class AudioHistory {
	private buffer: Float32Array;
	/** Absolute index (since the session start) of buffer[0]. */
	private firstSample = 0;
	private length = 0;
	private readonly capacity: number;

	constructor(keepMs: number) {
		this.capacity = Math.ceil(keepMs * SAMPLES_PER_MS);
		this.buffer = new Float32Array(Math.min(this.capacity, 16000 * 4));
	}

	/** Samples received since the session start. */
	get totalSamples(): number {
		return this.firstSample + this.length;
	}

	append(samples: Float32Array): void {
		if (samples.length >= this.capacity) {
			this.firstSample += this.length + samples.length - this.capacity;
			this.buffer = Float32Array.from(samples.subarray(samples.length - this.capacity));
			this.length = this.capacity;
			return;
		}
		const overflow = this.length + samples.length - this.capacity;
		if (overflow > 0) this.dropFront(overflow);
		if (this.length + samples.length > this.buffer.length) {
			const grown = new Float32Array(Math.min(this.capacity, Math.max(this.buffer.length * 2, this.length + samples.length)));
			grown.set(this.buffer.subarray(0, this.length));
			this.buffer = grown;
		}
		this.buffer.set(samples, this.length);
		this.length += samples.length;
	}

	/** A copy of the audio between two times (ms since the session start), clipped to what is kept. */
	slice(startMs: number, endMs: number): Float32Array {
		const from = Math.max(Math.round(startMs * SAMPLES_PER_MS) - this.firstSample, 0);
		const to = Math.min(Math.round(endMs * SAMPLES_PER_MS) - this.firstSample, this.length);
		return to > from ? this.buffer.slice(from, to) : new Float32Array(0);
	}

	/** Forgets audio before `ms`: it can no longer belong to a segment. */
	forgetBefore(ms: number): void {
		const drop = Math.min(Math.round(ms * SAMPLES_PER_MS) - this.firstSample, this.length);
		if (drop > 0) this.dropFront(drop);
	}

	private dropFront(count: number): void {
		this.buffer.copyWithin(0, count, this.length);
		this.length -= count;
		this.firstSample += count;
	}
}
