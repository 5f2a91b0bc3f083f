import { EngineError } from '../errors.js';
import { applyCmvn, type Cmvn } from './cmvn.js';
import { OnlineFbank } from './fbank.js';
import { concatRows, type FeatureMatrix } from './feature-matrix.js';
import { OnlineLfr } from './lfr.js';
import type { FrontendOptions } from './frontend-options.js';

/**
 * Model input features, streaming: fbank → LFR → CMVN. Chunks of any size give exactly the rows the
 * whole signal gives.
 */
export class FeatureExtractor {
	readonly dim: number;
	private readonly fbank: OnlineFbank;
	private readonly lfr: OnlineLfr;
	private readonly cmvn: Cmvn | null;

	constructor(options: FrontendOptions, cmvn: Cmvn | null) {
		this.fbank = new OnlineFbank(options);
		this.lfr = new OnlineLfr(this.fbank.dim, options.lfrM, options.lfrN);
		this.dim = this.lfr.dim;
		if (cmvn && cmvn.shift.length !== this.dim) {
			throw new EngineError(
				'MODEL_INVALID',
				`The am.mvn has ${cmvn.shift.length} dimensions but the front end gives ${this.dim} (n_mels ${options.numMelBins} × lfr_m ${options.lfrM}).`,
				'The am.mvn and config.yaml must come from the same model directory.',
			);
		}
		this.cmvn = cmvn;
	}

	/** Rows [n, dim] now complete. */
	accept(samples: Float32Array): Float32Array {
		return this.normalise(this.lfr.accept(this.fbank.accept(samples)));
	}

	/** The remaining rows, end-padded; the extractor is then ready for a new stream. */
	finish(): Float32Array {
		const rows = this.normalise(this.lfr.finish());
		this.fbank.reset();
		return rows;
	}

	private normalise(rows: Float32Array): Float32Array {
		if (this.cmvn && rows.length > 0) applyCmvn(rows, this.cmvn);
		return rows;
	}
}

export function computeFeatures(samples: Float32Array, options: FrontendOptions, cmvn: Cmvn | null): FeatureMatrix {
	const extractor = new FeatureExtractor(options, cmvn);
	return concatRows([extractor.accept(samples), extractor.finish()], extractor.dim);
}
