/** Kaldi's mel scale. */
export function melScale(frequency: number): number {
	return 1127 * Math.log(1 + frequency / 700);
}

/**
 * Triangular filters equally spaced on the mel scale between `lowFrequency` and `highFrequency`,
 * over FFT bins 0 .. fftSize/2 - 1 (Kaldi leaves the Nyquist bin out). Each filter keeps only its
 * non-zero span.
 */
export class MelBanks {
	readonly numBins: number;
	private readonly firstBin: Int32Array;
	private readonly weights: Float64Array[];

	constructor(
		numBins: number,
		fftSize: number,
		sampleRate: number,
		lowFrequency = 20,
		highFrequency = sampleRate / 2,
	) {
		this.numBins = numBins;
		this.firstBin = new Int32Array(numBins);
		this.weights = [];
		const numFftBins = fftSize / 2;
		const binWidth = sampleRate / fftSize;
		const melLow = melScale(lowFrequency);
		const melDelta = (melScale(highFrequency) - melLow) / (numBins + 1);
		for (let bin = 0; bin < numBins; bin++) {
			const left = melLow + bin * melDelta;
			const center = left + melDelta;
			const right = center + melDelta;
			let first = -1;
			const span: number[] = [];
			for (let i = 0; i < numFftBins; i++) {
				const mel = melScale(binWidth * i);
				if (mel <= left || mel >= right) continue;
				if (first < 0) first = i;
				span.push(
					mel <= center ? (mel - left) / (center - left) : (right - mel) / (right - center),
				);
			}
			this.firstBin[bin] = Math.max(first, 0);
			this.weights.push(Float64Array.from(span));
		}
	}

	/** Filter energies of one power spectrum into `output[0 .. numBins)`. */
	apply(power: Float64Array, output: Float64Array): void {
		for (let bin = 0; bin < this.numBins; bin++) {
			const weights = this.weights[bin];
			const first = this.firstBin[bin];
			let energy = 0;
			for (let i = 0; i < weights.length; i++) energy += weights[i] * power[first + i];
			output[bin] = energy;
		}
	}
}
