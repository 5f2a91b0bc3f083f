import { join } from 'node:path';
import { EngineError } from '../errors.js';
import { loadCmvn, type Cmvn } from '../frontend/cmvn.js';
import { loadFrontendOptions, type FrontendOptions } from '../frontend/frontend-options.js';
import {
	pickModelFile,
	readModelConfig,
	requireModelFiles,
	yamlNumber,
	yamlSection,
} from '../model-dir/model-config.js';
import {
	createSession,
	ort,
	requireInterface,
	type Session,
	type SessionOptions,
} from '../onnx/onnx-session.js';
import { loadVadOptions, type VadOptions } from './vad-options.js';

const WHAT = 'FSMN-VAD model';
const CACHE_COUNT = 4;
const INPUTS = ['speech', ...Array.from({ length: CACHE_COUNT }, (_, i) => `in_cache${i}`)];
const OUTPUTS = ['logits', ...Array.from({ length: CACHE_COUNT }, (_, i) => `out_cache${i}`)];

/** The FSMN memory of one stream: the previous out_cache tensors, fed back as in_cache. */
export type FsmnVadCache = readonly ort.Tensor[];

export interface FsmnVadOutput {
	/** Row-major [rows, classes] posteriors (the graph ends in a softmax). */
	probabilities: Float32Array;
	rows: number;
	classes: number;
	cache: FsmnVadCache;
}

/**
 * FunASR's streaming FSMN-VAD ONNX export with its front end settings, CMVN and endpointing
 * defaults. One instance (one onnxruntime session) serves any number of streams: each stream keeps
 * its own cache.
 */
export class FsmnVadModel {
	readonly modelPath: string;
	readonly frontend: FrontendOptions;
	readonly cmvn: Cmvn;
	readonly options: VadOptions;
	/** Columns of the posterior rows. */
	readonly classes: number;
	private readonly session: Session;
	private readonly cacheDims: readonly number[];

	private constructor(
		modelPath: string,
		session: Session,
		frontend: FrontendOptions,
		cmvn: Cmvn,
		options: VadOptions,
		classes: number,
		cacheDims: number[],
	) {
		this.modelPath = modelPath;
		this.session = session;
		this.frontend = frontend;
		this.cmvn = cmvn;
		this.options = options;
		this.classes = classes;
		this.cacheDims = cacheDims;
	}

	static async load(modelDir: string, sessionOptions: SessionOptions = {}): Promise<FsmnVadModel> {
		requireModelFiles(modelDir, ['config.yaml', 'am.mvn'], WHAT);
		const modelPath = pickModelFile(modelDir, ['model.onnx', 'model_quant.onnx'], WHAT);
		const frontend = loadFrontendOptions(modelDir);
		const options = loadVadOptions(modelDir);
		if (options.frameMs !== frontend.frameShiftMs) {
			throw new EngineError(
				'MODEL_INVALID',
				`${join(modelDir, 'config.yaml')}: model_conf.frame_in_ms (${options.frameMs}) differs from frontend_conf.frame_shift (${frontend.frameShiftMs}).`,
				'Restore the config.yaml shipped with the model.',
			);
		}
		const cmvn = loadCmvn(join(modelDir, 'am.mvn'));
		const encoder = yamlSection(readModelConfig(modelDir, WHAT), 'encoder_conf');
		const session = await createSession(modelPath, WHAT, sessionOptions);
		try {
			requireInterface(session, modelPath, WHAT, INPUTS, OUTPUTS);
			const featureDim = frontend.numMelBins * frontend.lfrM;
			const speechDim = staticDims(session.inputMetadata, 'speech')?.[2];
			if (speechDim !== undefined && speechDim !== featureDim) {
				throw new EngineError(
					'MODEL_INTERFACE',
					`${WHAT} "${modelPath}" takes ${speechDim}-dimensional features but its config.yaml gives ${featureDim} (n_mels × lfr_m).`,
					'config.yaml, am.mvn and model.onnx must come from the same FSMN-VAD export.',
				);
			}
			const cacheDims = staticDims(session.inputMetadata, 'in_cache0') ?? [
				1,
				yamlNumber(encoder, 'proj_dim', 128),
				yamlNumber(encoder, 'lorder', 20) - 1,
				1,
			];
			const classes =
				staticDims(session.outputMetadata, 'logits')?.[2] ?? yamlNumber(encoder, 'output_dim', 248);
			const outOfRange = options.silencePdfIds.filter((id) => id >= classes);
			if (outOfRange.length > 0) {
				throw new EngineError(
					'MODEL_INVALID',
					`${join(modelDir, 'config.yaml')}: sil_pdf_ids ${outOfRange.join(', ')} exceed the model's ${classes} outputs.`,
					'Restore the config.yaml shipped with the model.',
				);
			}
			return new FsmnVadModel(modelPath, session, frontend, cmvn, options, classes, cacheDims);
		} catch (error) {
			await session.release();
			throw error;
		}
	}

	/** The cache of a stream that has not started: zeros. */
	createCache(): FsmnVadCache {
		const size = this.cacheDims.reduce((product, dim) => product * dim, 1);
		return Array.from(
			{ length: CACHE_COUNT },
			() => new ort.Tensor('float32', new Float32Array(size), this.cacheDims),
		);
	}

	/** Posteriors of feature rows [rows, dim] continuing the stream whose memory is `cache`. */
	async run(features: Float32Array, cache: FsmnVadCache): Promise<FsmnVadOutput> {
		const dim = this.frontend.numMelBins * this.frontend.lfrM;
		const rows = features.length / dim;
		const feeds: Record<string, ort.Tensor> = {
			speech: new ort.Tensor('float32', features, [1, rows, dim]),
		};
		cache.forEach((tensor, i) => {
			feeds[`in_cache${i}`] = tensor;
		});
		const results = await this.session.run(feeds);
		const logits = results.logits;
		return {
			probabilities: logits.data as Float32Array,
			rows,
			classes: logits.dims[2],
			cache: Array.from({ length: CACHE_COUNT }, (_, i) => results[`out_cache${i}`] as ort.Tensor),
		};
	}

	async release(): Promise<void> {
		await this.session.release();
	}
}

/** The dimensions of a tensor input or output, when the export fixes all of them. */
function staticDims(
	metadata: readonly ort.InferenceSession.ValueMetadata[],
	name: string,
): number[] | undefined {
	const entry = metadata.find((value) => value.name === name);
	if (!entry?.isTensor) return undefined;
	return entry.shape.every((dim) => typeof dim === 'number')
		? (entry.shape as number[])
		: undefined;
}
