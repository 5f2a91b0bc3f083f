import { RealFft } from './fft.js';
import { concatRows, NO_ROWS, type FeatureMatrix } from './feature-matrix.js';
import { frameSizes, validateFrontendOptions, type FrontendOptions } from './frontend-options.js';
import { MelBanks } from './mel-banks.js';
import { createWindow } from './window.js';

const PREEMPHASIS = 0.97;
const LOW_FREQUENCY = 20;
/** Kaldi floors energies at float32 epsilon before the log. */
const ENERGY_FLOOR = 1.1920928955078125e-7;

/** Frames Kaldi cuts from `numSamples` with snip_edges: only whole frames. */
export function countFrames(numSamples: number, frameLength: number, frameShift: number): number {
	return numSamples < frameLength ? 0 : 1 + Math.floor((numSamples - frameLength) / frameShift);
}

/**
 * Kaldi-compatible log-mel filter bank (dither 0, DC removal, pre-emphasis 0.97, no energy column),
 * streaming: samples arrive in chunks of any size, samples not yet covered by a whole frame wait for
 * the next chunk.
 */
export class OnlineFbank {
	readonly dim: number;
	private readonly frameLength: number;
	private readonly frameShift: number;
	private readonly window: Float64Array;
	private readonly fft: RealFft;
	private readonly melBanks: MelBanks;
	private readonly frame: Float64Array;
	private readonly power: Float64Array;
	private readonly energies: Float64Array;
	private carried: Float32Array;
	private carriedLength = 0;

	constructor(options: FrontendOptions) {
		validateFrontendOptions(options);
		const { frameLength, frameShift } = frameSizes(options);
		this.frameLength = frameLength;
		this.frameShift = frameShift;
		this.dim = options.numMelBins;
		let fftSize = 4;
		while (fftSize < frameLength) fftSize <<= 1;
		this.window = createWindow(options.window ?? 'hamming', frameLength);
		this.fft = new RealFft(fftSize);
		this.melBanks = new MelBanks(options.numMelBins, fftSize, options.sampleRate, LOW_FREQUENCY);
		this.frame = new Float64Array(fftSize);
		this.power = new Float64Array(fftSize / 2 + 1);
		this.energies = new Float64Array(options.numMelBins);
		this.carried = new Float32Array(frameLength * 4);
	}

	/** Rows [n, dim] of the frames this chunk completes. */
	accept(samples: Float32Array): Float32Array {
		this.append(samples);
		const frames = countFrames(this.carriedLength, this.frameLength, this.frameShift);
		if (frames === 0) return NO_ROWS;
		const rows = new Float32Array(frames * this.dim);
		for (let f = 0; f < frames; f++) this.computeFrame(f * this.frameShift, rows, f * this.dim);
		const consumed = frames * this.frameShift;
		this.carried.copyWithin(0, consumed, this.carriedLength);
		this.carriedLength -= consumed;
		return rows;
	}

	/** Forgets the carried samples, for a new stream. */
	reset(): void {
		this.carriedLength = 0;
	}

	private append(samples: Float32Array): void {
		const needed = this.carriedLength + samples.length;
		if (needed > this.carried.length) {
			let capacity = this.carried.length;
			while (capacity < needed) capacity *= 2;
			const grown = new Float32Array(capacity);
			grown.set(this.carried.subarray(0, this.carriedLength));
			this.carried = grown;
		}
		this.carried.set(samples, this.carriedLength);
		this.carriedLength = needed;
	}

	private computeFrame(start: number, output: Float32Array, outputOffset: number): void {
		const { frame, frameLength, window, carried } = this;
		let sum = 0;
		for (let i = 0; i < frameLength; i++) sum += carried[start + i];
		const mean = sum / frameLength;
		// DC removal, pre-emphasis (the first sample against itself, as Kaldi) and window in one
		// pass; the frame's zero padding past frameLength is never written.
		let previous = carried[start] - mean;
		for (let i = 0; i < frameLength; i++) {
			const current = carried[start + i] - mean;
			frame[i] = (current - PREEMPHASIS * previous) * window[i];
			previous = current;
		}
		this.fft.powerSpectrum(frame, this.power);
		this.melBanks.apply(this.power, this.energies);
		for (let bin = 0; bin < this.dim; bin++) {
			output[outputOffset + bin] = Math.log(Math.max(this.energies[bin], ENERGY_FLOOR));
		}
	}
}

/** Raw fbank rows of a whole signal (what the `features --fbank` command prints). */
export function computeFbank(samples: Float32Array, options: FrontendOptions): FeatureMatrix {
	const fbank = new OnlineFbank(options);
	return concatRows([fbank.accept(samples)], fbank.dim);
}
