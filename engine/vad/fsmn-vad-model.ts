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
import { ScratchFloats } from '../onnx/scratch-floats.js';
import { loadVadOptions, type VadOptions } from './vad-options.js';

const WHAT = 'FSMN-VAD model';
const CACHE_COUNT = 4;
const INPUTS = ['speech', ...Array.from({ length: CACHE_COUNT }, (_, i) => `in_cache${i}`)];
const OUTPUTS = ['logits', ...Array.from({ length: CACHE_COUNT }, (_, i) => `out_cache${i}`)];

/** The FSMN memory of one stream: the previous out_cache tensors, fed back as in_cache. */
export type FsmnVadCache = readonly ort.Tensor[];

interface PendingRun {
	features: Float32Array;
	rows: number;
	cache: FsmnVadCache;
	resolve: (output: FsmnVadOutput) => void;
	reject: (error: unknown) => void;
}

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
	/** Floats in one stream's cache tensor. */
	private readonly cacheSize: number;
	private readonly featureDim: number;
	/** Whether several streams' calls may share a run: the export's batch dimension could be freed and gives the same results. */
	private batchable = false;
	private pending: PendingRun[] = [];
	private sessionRuns = 0;
	private readonly scratch = new ScratchFloats();

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
		this.cacheSize = cacheDims.reduce((product, dim) => product * dim, 1);
		this.featureDim = frontend.numMelBins * frontend.lfrM;
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
		const session = await createSession(modelPath, WHAT, {
			...sessionOptions,
			freeBatchDimension: true,
			simplifyTransposes: true,
		});
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
			const model = new FsmnVadModel(
				modelPath,
				session,
				frontend,
				cmvn,
				options,
				classes,
				cacheDims,
			);
			model.batchable = await model.batchGivesSameResults();
			return model;
		} catch (error) {
			await session.release();
			throw error;
		}
	}

	/**
	 * Two made-up streams run alone and as one batch: the same posteriors and caches, bit for bit,
	 * unless the graph's computation depends on a batch of 1 (or rejects a larger one).
	 */
	private async batchGivesSameResults(): Promise<boolean> {
		const rows = 3;
		const made = (length: number, phase: number) =>
			Float32Array.from({ length }, (_, i) => Math.sin(i * 0.37 + phase));
		const calls = [0, 1].map((stream) => ({
			features: made(rows * this.featureDim, stream),
			cache: this.createCache().map(
				(tensor) => new ort.Tensor('float32', made(tensor.data.length, stream + 2), tensor.dims),
			),
		}));
		try {
			const alone = await Promise.all(calls.map((call) => this.runOne(call.features, call.cache)));
			const together = await this.runBatch(calls, rows);
			const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
				a.length === b.length && Array.prototype.every.call(a, (value, i) => value === b[i]);
			return alone.every(
				(output, b) =>
					same(output.probabilities, together[b].probabilities) &&
					output.cache.every((tensor, i) =>
						same(tensor.data as Float32Array, together[b].cache[i].data as Float32Array),
					),
			);
		} catch {
			return false;
		}
	}

	/** The cache of a stream that has not started: zeros. */
	createCache(): FsmnVadCache {
		return Array.from(
			{ length: CACHE_COUNT },
			() => new ort.Tensor('float32', new Float32Array(this.cacheSize), this.cacheDims),
		);
	}

	/**
	 * Posteriors of feature rows [rows, dim] continuing the stream whose memory is `cache`. Calls
	 * made in the same turn of the event loop with the same number of rows (streams' chunks that
	 * arrived together) run as one batch: onnxruntime's fixed cost per run is paid once (the caches
	 * are per batch row, so each stream's result is the same as alone, bit for bit). `cache` is
	 * spent: a shared run writes the new memory into its arrays; carry on with the output's.
	 */
	run(features: Float32Array, cache: FsmnVadCache): Promise<FsmnVadOutput> {
		const rows = features.length / this.featureDim;
		return new Promise((resolve, reject) => {
			this.pending.push({ features, rows, cache, resolve, reject });
			if (this.pending.length === 1) setImmediate(() => void this.runPending());
		});
	}

	private async runPending(): Promise<void> {
		const calls = this.pending;
		this.pending = [];
		if (calls.length === 1 || !this.batchable) {
			for (const call of calls)
				this.runOne(call.features, call.cache).then(call.resolve, call.reject);
			return;
		}
		try {
			const outputs = await this.runTogether(calls);
			calls.forEach((call, i) => call.resolve(outputs[i]));
		} catch (error) {
			for (const call of calls) call.reject(error);
		}
	}

	/**
	 * Calls of any lengths in as many runs as they have distinct lengths: each run takes, from every
	 * call that has them, the rows from the previous length to the next, carrying its cache (a call
	 * cut into runs gives the same posteriors as in one).
	 */
	private async runTogether(calls: readonly PendingRun[]): Promise<FsmnVadOutput[]> {
		const dim = this.featureDim;
		const lengths = [...new Set(calls.map((call) => call.rows))].sort((a, b) => a - b);
		const probabilities: (Float32Array | undefined)[] = calls.map(() => undefined);
		const caches = calls.map((call) => call.cache);
		let done = 0;
		for (const length of lengths) {
			if (length === done) continue;
			const open = calls.flatMap((call, i) => (call.rows >= length ? [i] : []));
			const parts = open.map((i) => ({
				features: calls[i].features.subarray(done * dim, length * dim),
				cache: caches[i],
			}));
			const outputs =
				parts.length === 1
					? [await this.runOne(parts[0].features, parts[0].cache)]
					: await this.runBatch(parts, length - done);
			open.forEach((i, k) => {
				// A call whose rows all ran here keeps them where the run left them.
				if (done === 0 && calls[i].rows === length) probabilities[i] = outputs[k].probabilities;
				else {
					probabilities[i] ??= new Float32Array(calls[i].rows * this.classes);
					probabilities[i].set(outputs[k].probabilities, done * this.classes);
				}
				caches[i] = outputs[k].cache;
			});
			done = length;
		}
		return calls.map((call, i) => ({
			probabilities: probabilities[i] ?? new Float32Array(0),
			rows: call.rows,
			classes: this.classes,
			cache: caches[i],
		}));
	}

	/** onnxruntime runs so far: fewer than the calls to `run` when streams shared them. */
	get runs(): number {
		return this.sessionRuns;
	}

	private async runOne(features: Float32Array, cache: FsmnVadCache): Promise<FsmnVadOutput> {
		this.sessionRuns++;
		const rows = features.length / this.featureDim;
		const feeds: Record<string, ort.Tensor> = {
			speech: new ort.Tensor('float32', features, [1, rows, this.featureDim]),
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

	/** Streams' rows, `rows` each, as one run: inputs stacked along the batch, outputs cut apart. */
	private async runBatch(
		calls: readonly { features: Float32Array; cache: FsmnVadCache }[],
		rows: number,
	): Promise<FsmnVadOutput[]> {
		this.sessionRuns++;
		const batch = calls.length;
		const { cacheSize } = this;
		const inputs = this.scratch.acquire([
			batch * rows * this.featureDim,
			...Array.from({ length: CACHE_COUNT }, () => batch * cacheSize),
		]);
		const [speech, ...stackedCaches] = inputs;
		calls.forEach((call, b) => speech.set(call.features, b * call.features.length));
		const feeds: Record<string, ort.Tensor> = {
			speech: new ort.Tensor('float32', speech, [batch, rows, this.featureDim]),
		};
		stackedCaches.forEach((stacked, i) => {
			calls.forEach((call, b) => stacked.set(call.cache[i].data as Float32Array, b * cacheSize));
			feeds[`in_cache${i}`] = new ort.Tensor('float32', stacked, [
				batch,
				...this.cacheDims.slice(1),
			]);
		});
		let results: ort.InferenceSession.ReturnType;
		try {
			results = await this.session.run(feeds);
		} finally {
			this.scratch.release(inputs);
		}
		const logits = results.logits.data as Float32Array;
		const classes = results.logits.dims[2];
		// Each stream's new memory goes into its own cache arrays, which the run has read: at 45
		// streams a run's caches are 1.75 MB, allocated anew ten times a second otherwise.
		const outCaches = Array.from(
			{ length: CACHE_COUNT },
			(_, i) => results[`out_cache${i}`].data as Float32Array,
		);
		return calls.map(({ cache }, b) => ({
			probabilities: logits.subarray(b * rows * classes, (b + 1) * rows * classes),
			rows,
			classes,
			cache: cache.map((tensor, i) => {
				(tensor.data as Float32Array).set(
					outCaches[i].subarray(b * cacheSize, (b + 1) * cacheSize),
				);
				return tensor;
			}),
		}));
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
	// A first dimension left free (a batch; see freeBatchDimension) counts as 1, the size of one stream.
	const shape = entry.shape.map((dim, i) => (i === 0 && typeof dim !== 'number' ? 1 : dim));
	return shape.every((dim) => typeof dim === 'number') ? (shape as number[]) : undefined;
}
