/** Scratch arrays larger than this many floats (16 MB) are not kept between runs. */
const MAX_KEPT_FLOATS = 4 * 1024 * 1024;

/**
 * Float arrays an onnxruntime run's inputs are stacked into, kept from one run to the next: live
 * streams' batched runs ten times a second otherwise allocate, zero, page in and collect megabytes
 * every second (measured: docs/measurements.md). One set per run in flight; contents are whatever
 * the last run left, so every float must be written.
 */
export class ScratchFloats {
	private readonly free: Float32Array[][] = [];

	/** Arrays of the given lengths, for one run; give them back with `release` once it is over. */
	acquire(lengths: readonly number[]): Float32Array[] {
		const set = this.free.pop() ?? [];
		return lengths.map((length, slot) => {
			if ((set[slot]?.length ?? -1) < length) set[slot] = new Float32Array(length);
			return set[slot].subarray(0, length);
		});
	}

	release(arrays: readonly Float32Array[]): void {
		const set = arrays.map((array) => new Float32Array(array.buffer));
		if (set.every((array) => array.length <= MAX_KEPT_FLOATS)) this.free.push(set);
	}
}
