import { NO_ROWS } from './feature-matrix.js';

/**
 * Low frame rate stacking, streaming: row i concatenates frames i·n − L .. i·n − L + m − 1, where
 * L = (m − 1)/2 copies of frame 0 pad the start and copies of the last frame pad the end, so a
 * signal of T frames gives ceil(T / n) rows. Rows are emitted as soon as their frames exist; only
 * the frames later rows still need are kept.
 */
export class OnlineLfr {
	readonly inputDim: number;
	readonly dim: number;
	private readonly m: number;
	private readonly n: number;
	private readonly leftPadding: number;
	/** Frames from index `firstKept` on, row-major. */
	private kept: Float32Array;
	private firstKept = 0;
	private received = 0;
	private emitted = 0;

	constructor(inputDim: number, m: number, n: number) {
		this.inputDim = inputDim;
		this.dim = inputDim * m;
		this.m = m;
		this.n = n;
		this.leftPadding = (m - 1) >> 1;
		this.kept = new Float32Array(inputDim * (m + n) * 2);
	}

	/** Takes frames [k, inputDim], returns the rows [r, dim] they complete. */
	accept(frames: Float32Array): Float32Array {
		this.append(frames);
		const lastNeededOffset = this.m - 1 - this.leftPadding;
		const ready =
			this.received - lastNeededOffset <= 0
				? 0
				: Math.ceil((this.received - lastNeededOffset) / this.n);
		return this.emitUntil(ready);
	}

	/** The remaining rows, end-padded with the last frame; then ready for a new stream. */
	finish(): Float32Array {
		const rows = this.emitUntil(Math.ceil(this.received / this.n));
		this.reset();
		return rows;
	}

	reset(): void {
		this.firstKept = 0;
		this.received = 0;
		this.emitted = 0;
	}

	private append(frames: Float32Array): void {
		const count = frames.length / this.inputDim;
		if (count === 0) return;
		const keptLength = (this.received - this.firstKept) * this.inputDim;
		const needed = keptLength + frames.length;
		if (needed > this.kept.length) {
			let capacity = this.kept.length;
			while (capacity < needed) capacity *= 2;
			const grown = new Float32Array(capacity);
			grown.set(this.kept.subarray(0, keptLength));
			this.kept = grown;
		}
		this.kept.set(frames, keptLength);
		this.received += count;
	}

	private emitUntil(rowEnd: number): Float32Array {
		const count = rowEnd - this.emitted;
		if (count <= 0) return NO_ROWS;
		const { inputDim, m, n, leftPadding } = this;
		const rows = new Float32Array(count * this.dim);
		const last = this.received - 1;
		for (let r = 0; r < count; r++) {
			const first = (this.emitted + r) * n - leftPadding;
			for (let j = 0; j < m; j++) {
				const source = Math.min(Math.max(first + j, 0), last) - this.firstKept;
				rows.set(
					this.kept.subarray(source * inputDim, (source + 1) * inputDim),
					(r * m + j) * inputDim,
				);
			}
		}
		this.emitted = rowEnd;
		this.dropFramesBefore(Math.max(0, Math.min(rowEnd * n - leftPadding, this.received)));
		return rows;
	}

	private dropFramesBefore(index: number): void {
		const drop = index - this.firstKept;
		if (drop <= 0) return;
		this.kept.copyWithin(0, drop * this.inputDim, (this.received - this.firstKept) * this.inputDim);
		this.firstKept = index;
	}
}
