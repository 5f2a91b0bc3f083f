import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { EngineError } from '../errors.js';
import { loadCmvn, type Cmvn } from '../frontend/cmvn.js';
import { featuresFromFbank } from '../frontend/feature-extractor.js';
import { computeFbank } from '../frontend/fbank.js';
import type { FeatureMatrix } from '../frontend/feature-matrix.js';
import { loadFrontendOptions, type FrontendOptions } from '../frontend/frontend-options.js';
import {
	readModelConfig,
	requireModelFiles,
	yamlNumber,
	yamlSection,
} from '../model-dir/model-config.js';
import { ort, requireInterface, type Session } from '../onnx/onnx-session.js';
import { takesQueries, wrongFamily } from './recognizer-family.js';
import {
	checkMaxBatch,
	lengthSortedRuns,
	openRecognizerSession,
	paddedFeatures,
	type RecognizerOptions,
} from './recognizer-session.js';
import { joinTokens } from './sentence-postprocess.js';
import type { TimedToken } from '../timed-token.js';
import { timedWords } from './timed-words.js';
import { TIMESTAMP_OUTPUTS, tokenSpans, UPSAMPLE_TIMES } from './timestamps.js';
import { loadTokens } from '../model-dir/tokens.js';
import { EMBEDDER_FILE, HotwordModel, type HotwordBias } from './hotword-embedding.js';

const WHAT =
	'Paraformer model (FunASR speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-onnx or an export with its interface)';
const INPUTS = ['speech', 'speech_lengths'] as const;
const OUTPUTS = ['logits', 'token_num'] as const;
/** The input of FunASR's contextual and SeACo exports that takes the embedded hotwords. */
const BIAS_INPUT = 'bias_embed';
/** <blank>, <s>, </s>: never text. */
const SPECIAL_IDS = 3;
const DEFAULT_MAX_BATCH = 8;
/** onnxruntime log level that prints nothing: failed runs are handled, not logged. */
const SILENT = 4;

export type ParaformerOptions = RecognizerOptions;
export interface RecognizedText {
	text: string;
	/** The vocabulary tokens kept, before joining. */
	tokens: string[];
	/** The text's words and their times from the segment's start, when the model gives timestamps. */
	timedTokens?: TimedToken[];
}

/** What one onnxruntime run returns, as numbers. */
export interface ParaformerOutput {
	/** Log-softmax scores, row-major [batch, rows, vocabularySize]. */
	logits: Float32Array;
	batch: number;
	rows: number;
	vocabularySize: number;
	/** Decoded tokens per utterance, the end-of-sentence token included. */
	tokenNum: number[];
	/** Timestamp exports only: `us_alphas` and `us_cif_peak`, row-major [batch, upsampledFrames]. */
	timestamps?: { alphas: Float32Array; peaks: Float32Array; upsampledFrames: number };
	/** Feature rows of each utterance. */
	speechRows: number[];
}

/** Running totals since load, for benchmarks. */
export interface RecognitionStats {
	segments: number;
	runs: number;
	/** Runs that failed, taken for silence (see `infer`). */
	emptyRuns: number;
	/** Front end time: fbank (when given audio), LFR and CMVN. */
	featureMs: number;
	inferenceMs: number;
}

/** FunASR's offline Paraformer on onnxruntime: audio segments in, text out, batched. */
export class Paraformer {
	readonly family = 'paraformer';
	readonly stats: RecognitionStats = {
		segments: 0,
		runs: 0,
		emptyRuns: 0,
		featureMs: 0,
		inferenceMs: 0,
	};
	readonly featureDim: number;

	private constructor(
		private readonly session: Session,
		readonly modelPath: string,
		readonly frontend: FrontendOptions,
		private readonly cmvn: Cmvn,
		readonly tokens: readonly string[],
		readonly predictorBias: number,
		private readonly lengthType: 'int32' | 'int64',
		private readonly maxBatch: number,
		/** The graph has FunASR's timestamp outputs. */
		readonly givesTimestamps: boolean,
		/** Null: the model takes no hotwords (its graph has no bias_embed input). */
		readonly hotwords: HotwordModel | null,
	) {
		this.featureDim = frontend.numMelBins * frontend.lfrM;
	}

	static async load(modelDir: string, options: ParaformerOptions = {}): Promise<Paraformer> {
		const { session, modelPath } = await openRecognizerSession(modelDir, options, 'Paraformer');
		try {
			if (takesQueries(session.inputNames))
				throw wrongFamily(modelPath, 'sensevoice', 'paraformer', 'the Paraformer loader');
			return await Paraformer.fromSession(session, modelDir, modelPath, options);
		} catch (error) {
			await session.release();
			throw error;
		}
	}

	/** A Paraformer on a session of its graph (see recognizerFamily); the caller releases the session if this fails. */
	static async fromSession(
		session: Session,
		modelDir: string,
		modelPath: string,
		options: ParaformerOptions = {},
	): Promise<Paraformer> {
		requireModelFiles(modelDir, ['config.yaml', 'am.mvn'], 'Paraformer');
		const maxBatch = checkMaxBatch(options.maxBatch ?? DEFAULT_MAX_BATCH, 'Paraformer');
		const frontend = loadFrontendOptions(modelDir);
		const cmvn = loadCmvn(join(modelDir, 'am.mvn'));
		const predictorBias = yamlNumber(
			yamlSection(readModelConfig(modelDir, 'Paraformer'), 'model_conf'),
			'predictor_bias',
			0,
		);
		const tokens = loadTokens(modelDir, 'Paraformer');
		const lengthType = checkInterface(
			session,
			modelPath,
			frontend.numMelBins * frontend.lfrM,
			tokens.length,
		);
		const givesTimestamps = hasTimestampOutputs(session, modelPath);
		const hotwords = await loadHotwordModel(
			session,
			modelDir,
			modelPath,
			tokens,
			options.threads ?? 1,
		);
		return new Paraformer(
			session,
			modelPath,
			frontend,
			cmvn,
			tokens,
			predictorBias,
			lengthType,
			maxBatch,
			givesTimestamps,
			hotwords,
		);
	}

	/** Raw segments (16 kHz, int16 scale) → text, in the same order; batched into as few runs as maxBatch allows. */
	async recognize(segments: readonly Float32Array[]): Promise<RecognizedText[]> {
		const start = performance.now();
		const fbanks = segments.map((samples) => computeFbank(samples, this.frontend));
		this.stats.featureMs += performance.now() - start;
		return this.recognizeFbank(fbanks);
	}

	/** Segments' fbank rows (this model's mel bins, computed by a shared front end) → text. */
	async recognizeFbank(
		fbanks: readonly FeatureMatrix[],
		hotwords?: HotwordBias,
	): Promise<RecognizedText[]> {
		const start = performance.now();
		const features = fbanks.map((fbank) => featuresFromFbank(fbank, this.frontend, this.cmvn));
		this.stats.featureMs += performance.now() - start;
		return this.recognizeFeatures(features, hotwords);
	}

	/** Model input features (LFR + CMVN rows) → text. Segments without rows give empty text. Hotwords: for a model that takes them; none given, the empty list. */
	async recognizeFeatures(
		features: readonly FeatureMatrix[],
		hotwords?: HotwordBias,
	): Promise<RecognizedText[]> {
		const results: RecognizedText[] = features.map(() => ({ text: '', tokens: [] }));
		for (const run of lengthSortedRuns(features, this.maxBatch)) {
			const output = await this.infer(
				run.map((i) => features[i]),
				hotwords,
			);
			run.forEach((segment, b) => (results[segment] = this.decode(output, b)));
		}
		this.stats.segments += features.length;
		return results;
	}

	/** One onnxruntime run over features zero-padded to the longest; a failed run gives no tokens. */
	async infer(
		features: readonly FeatureMatrix[],
		hotwords?: HotwordBias,
	): Promise<ParaformerOutput> {
		const start = performance.now();
		const batch = features.length;
		const dim = this.featureDim;
		const { data: speech, rows } = paddedFeatures(features, dim, 'Paraformer');
		const speechRows = features.map((matrix) => matrix.rows);
		const lengths =
			this.lengthType === 'int64'
				? BigInt64Array.from(speechRows, BigInt)
				: Int32Array.from(speechRows);
		const feeds: Record<string, ort.Tensor> = {
			speech: new ort.Tensor('float32', speech, [batch, rows, dim]),
			speech_lengths: new ort.Tensor(this.lengthType, lengths, [batch]),
		};
		if (this.hotwords) feeds[BIAS_INPUT] = biasTensor(hotwords ?? this.hotwords.none, batch);
		else if (hotwords)
			throw new EngineError(
				'BAD_OPTION',
				`${WHAT} "${this.modelPath}" takes no hotwords.`,
				'Choose a hotword-capable model (one with model_eb.onnx), or give no hotwords.',
			);
		let outputs: ort.InferenceSession.ReturnType;
		try {
			outputs = await this.session.run(
				feeds,
				[...OUTPUTS, ...(this.givesTimestamps ? TIMESTAMP_OUTPUTS : [])],
				{ logSeverityLevel: SILENT },
			);
		} catch {
			// When no item of a batch fires a single token, the export's decoder fails on its empty
			// input. FunASR's runtimes take any failed run for silence or noise; so do we.
			this.stats.inferenceMs += performance.now() - start;
			this.stats.emptyRuns++;
			return {
				logits: new Float32Array(0),
				batch,
				rows: 0,
				vocabularySize: this.tokens.length,
				tokenNum: new Array<number>(batch).fill(0),
				speechRows,
			};
		}
		const logits = outputs.logits!;
		const tokenNum = Array.from(outputs.token_num!.data as Int32Array | BigInt64Array, Number);
		this.stats.inferenceMs += performance.now() - start;
		this.stats.runs++;
		return {
			logits: logits.data as Float32Array,
			batch,
			rows: logits.dims[1],
			vocabularySize: logits.dims[2],
			tokenNum,
			speechRows,
			...(this.givesTimestamps ? { timestamps: this.timestampOutputs(outputs, batch, rows) } : {}),
		};
	}

	/** `us_alphas` and `us_cif_peak`, checked to hold UPSAMPLE_TIMES frames per feature row of the batch. */
	private timestampOutputs(
		outputs: ort.InferenceSession.ReturnType,
		batch: number,
		rows: number,
	): NonNullable<ParaformerOutput['timestamps']> {
		const expected = [batch, rows * UPSAMPLE_TIMES];
		for (const name of TIMESTAMP_OUTPUTS) {
			const tensor = outputs[name];
			if (
				tensor.type !== 'float32' ||
				tensor.dims.length !== 2 ||
				tensor.dims[0] !== expected[0] ||
				tensor.dims[1] !== expected[1]
			) {
				throw new EngineError(
					'MODEL_INTERFACE',
					`${WHAT} "${this.modelPath}" gave output "${name}" as ${tensor.type} [${tensor.dims.join(', ')}] for ${rows} feature rows; FunASR's timestamp export gives float32 [${expected.join(', ')}] (${UPSAMPLE_TIMES} frames of ${60 / UPSAMPLE_TIMES} ms per 60 ms feature row).`,
					`Use a FunASR timestamp export (predictor up-sampling ×${UPSAMPLE_TIMES}, e.g. speech_paraformer-large-vad-punc_asr_nat-zh-cn-16k-common-vocab8404-onnx), or a model without the outputs ${TIMESTAMP_OUTPUTS.join(' and ')}.`,
				);
			}
		}
		return {
			alphas: outputs.us_alphas.data as Float32Array,
			peaks: outputs.us_cif_peak.data as Float32Array,
			upsampledFrames: rows * UPSAMPLE_TIMES,
		};
	}

	async release(): Promise<void> {
		await Promise.all([this.session.release(), this.hotwords?.release()]);
	}

	/**
	 * Argmax of the first `token_num - predictor_bias` rows of utterance `b`, specials and <unk>
	 * dropped; from a timestamp export, the kept words' times (a dropped row keeps its frames).
	 */
	private decode(output: ParaformerOutput, b: number): RecognizedText {
		const { logits, rows, vocabularySize } = output;
		const count = Math.min(rows, Math.max(0, output.tokenNum[b] - this.predictorBias));
		const unknownId = this.tokens.length - 1;
		const tokens: string[] = [];
		const keptRows: number[] = [];
		for (let row = 0; row < count; row++) {
			const offset = (b * rows + row) * vocabularySize;
			let best = 0;
			let bestScore = logits[offset];
			for (let id = 1; id < vocabularySize; id++) {
				const score = logits[offset + id];
				if (score > bestScore) {
					bestScore = score;
					best = id;
				}
			}
			if (best >= SPECIAL_IDS && best !== unknownId) {
				tokens.push(this.tokens[best]);
				keptRows.push(row);
			}
		}
		const text = joinTokens(tokens);
		const spans = output.timestamps
			? tokenSpans(itemFrames(output.timestamps, b, output.speechRows[b]), count)
			: null;
		if (!spans) return { text, tokens };
		return {
			text,
			tokens,
			timedTokens: timedWords(
				tokens,
				keptRows.map((row) => spans[row]),
			),
		};
	}
}

/** FunASR's runtimes take a Paraformer with both extra outputs for a timestamp export; one without the other is no known export. */
function hasTimestampOutputs(session: Session, modelPath: string): boolean {
	const present = TIMESTAMP_OUTPUTS.filter((name) => session.outputNames.includes(name));
	if (present.length === 0 || present.length === TIMESTAMP_OUTPUTS.length)
		return present.length > 0;
	const missing = TIMESTAMP_OUTPUTS.filter((name) => !present.includes(name));
	throw new EngineError(
		'MODEL_INTERFACE',
		`${WHAT} "${modelPath}" has the timestamp output ${present.join('')} but not ${missing.join('')}.`,
		`Use a FunASR timestamp export, which has both ${TIMESTAMP_OUTPUTS.join(' and ')}, or one with neither.`,
	);
}

/** Utterance b's frames: its own feature rows' worth, as when it runs alone (FunASR's C++ runtime runs one at a time). */
function itemFrames(
	timestamps: NonNullable<ParaformerOutput['timestamps']>,
	b: number,
	speechRows: number,
) {
	const start = b * timestamps.upsampledFrames;
	const end = start + speechRows * UPSAMPLE_TIMES;
	return {
		alphas: timestamps.alphas.subarray(start, end),
		peaks: timestamps.peaks.subarray(start, end),
	};
}

/** The interface of an offline Paraformer export, and the type its speech_lengths takes. */
function checkInterface(
	session: Session,
	modelPath: string,
	featureDim: number,
	vocabularySize: number,
): 'int32' | 'int64' {
	requireInterface(session, modelPath, WHAT, INPUTS, OUTPUTS);
	const speech = tensorMetadata(session.inputMetadata, 'speech');
	const lengths = tensorMetadata(session.inputMetadata, 'speech_lengths');
	const logits = tensorMetadata(session.outputMetadata, 'logits');
	const problems: string[] = [];
	if (speech && speech.type !== 'float32')
		problems.push(`input "speech" is ${speech.type}, not float32`);
	const speechDim = speech?.shape.at(-1);
	if (typeof speechDim === 'number' && speechDim !== featureDim) {
		problems.push(
			`input "speech" takes ${speechDim}-dimensional features but config.yaml's front end gives ${featureDim}`,
		);
	}
	const logitsDim = logits?.shape.at(-1);
	if (typeof logitsDim === 'number' && logitsDim !== vocabularySize) {
		problems.push(
			`output "logits" scores ${logitsDim} tokens but the token list has ${vocabularySize}`,
		);
	}
	const lengthType = lengths?.type ?? 'int32';
	if (lengthType !== 'int32' && lengthType !== 'int64')
		problems.push(`input "speech_lengths" is ${lengthType}, not int32 or int64`);
	if (problems.length > 0) {
		throw new EngineError(
			'MODEL_INTERFACE',
			`${WHAT} "${modelPath}" does not fit: ${problems.join('; ')}.`,
			'Use model.onnx, config.yaml, am.mvn and tokens from the same FunASR export.',
		);
	}
	return lengthType as 'int32' | 'int64';
}

/**
 * A graph with a bias_embed input takes hotwords, through the model_eb.onnx exported with it:
 * FunASR's C++ runtime switches hotwords on when that file exists.
 */
async function loadHotwordModel(
	session: Session,
	modelDir: string,
	modelPath: string,
	tokens: readonly string[],
	threads: number,
): Promise<HotwordModel | null> {
	if (!session.inputNames.includes(BIAS_INPUT)) return null;
	if (!existsSync(join(modelDir, EMBEDDER_FILE))) {
		throw new EngineError(
			'MODEL_MISSING',
			`${WHAT} "${modelPath}" takes hotwords (input "${BIAS_INPUT}") but its directory has no ${EMBEDDER_FILE}, which embeds them.`,
			`Copy ${EMBEDDER_FILE} from the same FunASR export into "${modelDir}".`,
		);
	}
	const bias = tensorMetadata(session.inputMetadata, BIAS_INPUT);
	const biasDim = bias?.shape.at(-1);
	return HotwordModel.load(modelDir, tokens, threads, typeof biasDim === 'number' ? biasDim : null);
}

/** The same embedded list for every utterance of the batch: [batch, rows, dim]. */
function biasTensor(hotwords: HotwordBias, batch: number): ort.Tensor {
	const data = new Float32Array(batch * hotwords.data.length);
	for (let b = 0; b < batch; b++) data.set(hotwords.data, b * hotwords.data.length);
	return new ort.Tensor('float32', data, [batch, hotwords.rows, hotwords.dim]);
}

function tensorMetadata(
	metadata: readonly ort.InferenceSession.ValueMetadata[],
	name: string,
): ort.InferenceSession.TensorValueMetadata | undefined {
	const value = metadata.find((entry) => entry.name === name);
	return value && value.isTensor ? value : undefined;
}
