/**
 * The newest rows of a stream (fbank frames, `dim` values each), addressed by their index since the
 * session start, so the rows of a segment the VAD closes can be cut out. Bounded: rows more than
 * `capacity` behind the newest are forgotten, whatever the VAD does.
 */
export class RowHistory {
	private buffer: Float32Array;
	/** Absolute index of the row at buffer[0]. */
	private firstRow = 0;
	private rows = 0;

	constructor(
		readonly dim: number,
		private readonly capacity: number,
	) {
		this.buffer = new Float32Array(Math.min(capacity, 512) * dim);
	}

	/** Rows received since the session start. */
	get totalRows(): number {
		return this.firstRow + this.rows;
	}

	append(data: Float32Array): void {
		const count = data.length / this.dim;
		if (count >= this.capacity) {
			this.firstRow += this.rows + count - this.capacity;
			this.buffer = data.slice(data.length - this.capacity * this.dim);
			this.rows = this.capacity;
			return;
		}
		const overflow = this.rows + count - this.capacity;
		if (overflow > 0) this.dropFront(overflow);
		const needed = (this.rows + count) * this.dim;
		if (needed > this.buffer.length) {
			const grown = new Float32Array(
				Math.min(this.capacity * this.dim, Math.max(this.buffer.length * 2, needed)),
			);
			grown.set(this.buffer.subarray(0, this.rows * this.dim));
			this.buffer = grown;
		}
		this.buffer.set(data, this.rows * this.dim);
		this.rows += count;
	}

	/** A copy of rows [from, to), clipped to what is kept. */
	slice(from: number, to: number): Float32Array {
		const start = Math.max(from - this.firstRow, 0);
		const end = Math.min(to - this.firstRow, this.rows);
		return end > start ? this.buffer.slice(start * this.dim, end * this.dim) : new Float32Array(0);
	}

	/** Forgets the rows before `row`: they can no longer belong to a segment. */
	forgetBefore(row: number): void {
		const drop = Math.min(row - this.firstRow, this.rows);
		if (drop > 0) this.dropFront(drop);
	}

	/** Forgets everything; the next row appended is row 0 of a new session. */
	clear(): void {
		this.firstRow = 0;
		this.rows = 0;
	}

	private dropFront(count: number): void {
		this.buffer.copyWithin(0, count * this.dim, this.rows * this.dim);
		this.rows -= count;
		this.firstRow += count;
	}
}
