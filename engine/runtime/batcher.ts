/**
 * Segments worth recognizing in one run with this many onnxruntime threads: batching pays at two
 * threads or more; at one thread nothing is left to parallelise, and any padding makes it slower
 * (measured: docs/measurements.md).
 */
export function recognitionBatchSize(threads: number): number {
	return threads > 1 ? 8 : 1;
}

/** Segments of one stream worth having in recognition at once: a batch for each of its recognizers. */
export function recognitionsInFlight(models: { threads?: number; recognizers?: number }): number {
	return (models.recognizers ?? 1) * recognitionBatchSize(models.threads ?? 1);
}

interface Pending<I, O> {
	input: I;
	size: number;
	resolve: (output: O) => void;
	reject: (error: unknown) => void;
}

/**
 * Runs one batch at a time; what arrives while a batch runs is batched together into the next run:
 * the oldest input first (none waits forever), with the others closest to it in size, as long as
 * zero-padding to the longest wastes little (padded cost ≤ `maxPadding` × real cost): batching
 * gains little and padding costs its share in full (measured: docs/measurements.md).
 */
export class Batcher<I, O> {
	private readonly pending: Pending<I, O>[] = [];
	private running = false;

	constructor(
		private readonly runBatch: (inputs: I[]) => Promise<O[]>,
		private readonly sizeOf: (input: I) => number,
		private readonly maxBatch = 8,
		private readonly maxPadding = 1.1,
	) {}

	/** Nothing running, nothing waiting. */
	get idle(): boolean {
		return !this.running && this.pending.length === 0;
	}

	run(input: I): Promise<O> {
		return new Promise<O>((resolve, reject) => {
			this.pending.push({ input, size: Math.max(1, this.sizeOf(input)), resolve, reject });
			if (!this.running) void this.drain();
		});
	}

	private async drain(): Promise<void> {
		this.running = true;
		while (this.pending.length > 0) {
			// onnxruntime-node runs synchronously on this thread: yield between batches so the requests
			// that arrived during the last run (other streams' segments) join the next batch.
			await new Promise<void>((resolve) => setImmediate(resolve));
			const batch = this.takeBatch();
			try {
				const outputs = await this.runBatch(batch.map((item) => item.input));
				batch.forEach((item, i) => item.resolve(outputs[i] as O));
			} catch (error) {
				for (const item of batch) item.reject(error);
			}
		}
		this.running = false;
	}

	/** The oldest input, and the waiting inputs closest to it in size that pad within `maxPadding`. */
	private takeBatch(): Pending<I, O>[] {
		const oldest = this.pending.shift() as Pending<I, O>;
		const batch = [oldest];
		let longest = oldest.size;
		let total = oldest.size;
		const bySimilarSize = [...this.pending].sort(
			(a, b) => Math.abs(a.size - oldest.size) - Math.abs(b.size - oldest.size),
		);
		for (const next of bySimilarSize) {
			if (batch.length === this.maxBatch) break;
			const newLongest = Math.max(longest, next.size);
			if (newLongest * (batch.length + 1) > this.maxPadding * (total + next.size)) continue;
			batch.push(next);
			this.pending.splice(this.pending.indexOf(next), 1);
			longest = newLongest;
			total += next.size;
		}
		return batch;
	}
}
