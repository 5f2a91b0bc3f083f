import { EngineError } from '../errors.js';
import { applyCmvn, type Cmvn } from './cmvn.js';
import { computeFbank, OnlineFbank } from './fbank.js';
import { concatRows, type FeatureMatrix } from './feature-matrix.js';
import { OnlineLfr } from './lfr.js';
import type { FrontendOptions } from './frontend-options.js';

/** Receives every fbank row the extractor computes, e.g. to keep them for another model. */
export type FbankTap = (rows: Float32Array) => void;

/**
 * Model input features, streaming: fbank → LFR → CMVN. Chunks of any size give exactly the rows the
 * whole signal gives.
 */
export class FeatureExtractor {
	readonly dim: number;
	private readonly fbank: OnlineFbank;
	private readonly lfr: OnlineLfr;
	private readonly cmvn: Cmvn | null;

	constructor(
		options: FrontendOptions,
		cmvn: Cmvn | null,
		private readonly fbankTap?: FbankTap,
	) {
		this.fbank = new OnlineFbank(options);
		this.lfr = new OnlineLfr(this.fbank.dim, options.lfrM, options.lfrN);
		this.dim = this.lfr.dim;
		checkCmvn(cmvn, this.dim, options);
		this.cmvn = cmvn;
	}

	/** Rows [n, dim] now complete. */
	accept(samples: Float32Array): Float32Array {
		const fbank = this.fbank.accept(samples);
		if (fbank.length > 0) this.fbankTap?.(fbank);
		return normalise(this.lfr.accept(fbank), this.cmvn);
	}

	/** The remaining rows, end-padded; the extractor is then ready for a new stream. */
	finish(): Float32Array {
		const rows = normalise(this.lfr.finish(), this.cmvn);
		this.fbank.reset();
		return rows;
	}
}

export function computeFeatures(
	samples: Float32Array,
	options: FrontendOptions,
	cmvn: Cmvn | null,
): FeatureMatrix {
	return featuresFromFbank(computeFbank(samples, options), options, cmvn);
}

/** LFR + CMVN of a whole segment's fbank rows, computed elsewhere (by the VAD's front end). */
export function featuresFromFbank(
	fbank: FeatureMatrix,
	options: FrontendOptions,
	cmvn: Cmvn | null,
): FeatureMatrix {
	if (fbank.dim !== options.numMelBins) {
		throw new EngineError(
			'BAD_OPTION',
			`Fbank rows of dimension ${fbank.dim} given to a front end with ${options.numMelBins} mel bins.`,
			"Compute them with this model's front end options.",
		);
	}
	const lfr = new OnlineLfr(fbank.dim, options.lfrM, options.lfrN);
	checkCmvn(cmvn, lfr.dim, options);
	return concatRows(
		[normalise(lfr.accept(fbank.data), cmvn), normalise(lfr.finish(), cmvn)],
		lfr.dim,
	);
}

function checkCmvn(cmvn: Cmvn | null, dim: number, options: FrontendOptions): void {
	if (!cmvn || cmvn.shift.length === dim) return;
	throw new EngineError(
		'MODEL_INVALID',
		`The am.mvn has ${cmvn.shift.length} dimensions but the front end gives ${dim} (n_mels ${options.numMelBins} × lfr_m ${options.lfrM}).`,
		'The am.mvn and config.yaml must come from the same model directory.',
	);
}

function normalise(rows: Float32Array, cmvn: Cmvn | null): Float32Array {
	if (cmvn && rows.length > 0) applyCmvn(rows, cmvn);
	return rows;
}
