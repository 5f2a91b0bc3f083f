/**
 * Power spectrum of a real signal whose length is a power of two, through one complex FFT of half
 * the length (even samples as real part, odd as imaginary) and a split step. All tables and work
 * arrays are allocated once.
 */
export class RealFft {
	readonly size: number;
	private readonly half: number;
	private readonly bitReversed: Uint32Array;
	/** Per butterfly stage from span 8 up: the twiddles' cos and −sin, contiguous (read in order). */
	private readonly stageTwiddles: { cos: Float64Array; minusSin: Float64Array }[] = [];
	private readonly cosFull: Float64Array;
	private readonly sinFull: Float64Array;
	private readonly re: Float64Array;
	private readonly im: Float64Array;

	constructor(size: number) {
		if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) {
			throw new RangeError(`RealFft size must be a power of two >= 4, got ${size}`);
		}
		this.size = size;
		const half = size >> 1;
		this.half = half;
		this.re = new Float64Array(half);
		this.im = new Float64Array(half);
		this.bitReversed = new Uint32Array(half);
		const bits = Math.log2(half);
		for (let i = 0; i < half; i++) {
			let reversed = 0;
			for (let bit = 0; bit < bits; bit++) reversed |= ((i >> bit) & 1) << (bits - 1 - bit);
			this.bitReversed[i] = reversed;
		}
		for (let span = 8; span <= half; span <<= 1) {
			const middle = span >> 1;
			const cos = new Float64Array(middle);
			const minusSin = new Float64Array(middle);
			for (let j = 0; j < middle; j++) {
				// The same angle as (j · half/span) / half, so the tables hold the values the FFT always used.
				const angle = (2 * Math.PI * (j * (half / span))) / half;
				cos[j] = Math.cos(angle);
				minusSin[j] = -Math.sin(angle);
			}
			this.stageTwiddles.push({ cos, minusSin });
		}
		this.cosFull = new Float64Array(half + 1);
		this.sinFull = new Float64Array(half + 1);
		for (let k = 0; k <= half; k++) {
			this.cosFull[k] = Math.cos((2 * Math.PI * k) / size);
			this.sinFull[k] = Math.sin((2 * Math.PI * k) / size);
		}
	}

	/** |X[k]|² for k = 0 .. size/2 (Nyquist included) into `power`, which needs size/2 + 1 entries. */
	powerSpectrum(signal: Float64Array, power: Float64Array): void {
		const { half, re, im, bitReversed } = this;
		for (let i = 0; i < half; i++) {
			const target = bitReversed[i];
			re[target] = signal[2 * i];
			im[target] = signal[2 * i + 1];
		}
		this.transformInPlace();
		for (let k = 0; k <= half; k++) {
			const a = k === half ? 0 : k;
			const b = k === 0 ? 0 : half - k;
			const evenRe = 0.5 * (re[a] + re[b]);
			const evenIm = 0.5 * (im[a] - im[b]);
			const oddRe = 0.5 * (im[a] + im[b]);
			const oddIm = -0.5 * (re[a] - re[b]);
			const wRe = this.cosFull[k];
			const wIm = -this.sinFull[k];
			const xRe = evenRe + wRe * oddRe - wIm * oddIm;
			const xIm = evenIm + wRe * oddIm + wIm * oddRe;
			power[k] = xRe * xRe + xIm * xIm;
		}
	}

	/** Iterative radix-2 decimation-in-time on bit-reversed input; the first two stages need no twiddles, the others run two at a time. */
	private transformInPlace(): void {
		const { half, re, im, stageTwiddles } = this;
		for (let a = 0; a < half; a += 4) {
			const r0 = re[a] + re[a + 1];
			const i0 = im[a] + im[a + 1];
			const r1 = re[a] - re[a + 1];
			const i1 = im[a] - im[a + 1];
			const r2 = re[a + 2] + re[a + 3];
			const i2 = im[a + 2] + im[a + 3];
			const r3 = re[a + 2] - re[a + 3];
			const i3 = im[a + 2] - im[a + 3];
			re[a] = r0 + r2;
			im[a] = i0 + i2;
			re[a + 2] = r0 - r2;
			im[a + 2] = i0 - i2;
			// Twiddle -i for the odd output.
			re[a + 1] = r1 + i3;
			im[a + 1] = i1 - r3;
			re[a + 3] = r1 - i3;
			im[a + 3] = i1 + r3;
		}
		// Two radix-2 stages per pass over the arrays (the same arithmetic, half the loads and stores).
		let span = 8;
		let stage = 0;
		for (; 2 * span <= half; span <<= 2, stage += 2) {
			const quarter = span >> 1;
			const first = stageTwiddles[stage];
			const second = stageTwiddles[stage + 1];
			for (let start = 0; start < half; start += 2 * span) {
				for (let j = 0; j < quarter; j++) {
					const p0 = start + j;
					const p1 = p0 + quarter;
					const p2 = p0 + span;
					const p3 = p2 + quarter;
					let wRe = first.cos[j];
					let wIm = first.minusSin[j];
					let tRe = wRe * re[p1] - wIm * im[p1];
					let tIm = wRe * im[p1] + wIm * re[p1];
					const a1Re = re[p0] - tRe;
					const a1Im = im[p0] - tIm;
					const a0Re = re[p0] + tRe;
					const a0Im = im[p0] + tIm;
					tRe = wRe * re[p3] - wIm * im[p3];
					tIm = wRe * im[p3] + wIm * re[p3];
					const a3Re = re[p2] - tRe;
					const a3Im = im[p2] - tIm;
					const a2Re = re[p2] + tRe;
					const a2Im = im[p2] + tIm;
					wRe = second.cos[j];
					wIm = second.minusSin[j];
					tRe = wRe * a2Re - wIm * a2Im;
					tIm = wRe * a2Im + wIm * a2Re;
					re[p2] = a0Re - tRe;
					im[p2] = a0Im - tIm;
					re[p0] = a0Re + tRe;
					im[p0] = a0Im + tIm;
					wRe = second.cos[j + quarter];
					wIm = second.minusSin[j + quarter];
					tRe = wRe * a3Re - wIm * a3Im;
					tIm = wRe * a3Im + wIm * a3Re;
					re[p3] = a1Re - tRe;
					im[p3] = a1Im - tIm;
					re[p1] = a1Re + tRe;
					im[p1] = a1Im + tIm;
				}
			}
		}
		if (span > half) return;
		const middle = span >> 1;
		const { cos, minusSin } = stageTwiddles[stage];
		for (let start = 0; start < half; start += span) {
			for (let j = 0; j < middle; j++) {
				const wRe = cos[j];
				const wIm = minusSin[j];
				const a = start + j;
				const b = a + middle;
				const bRe = re[b];
				const bIm = im[b];
				const tRe = wRe * bRe - wIm * bIm;
				const tIm = wRe * bIm + wIm * bRe;
				const aRe = re[a];
				const aIm = im[a];
				re[b] = aRe - tRe;
				im[b] = aIm - tIm;
				re[a] = aRe + tRe;
				im[a] = aIm + tIm;
			}
		}
	}
}
