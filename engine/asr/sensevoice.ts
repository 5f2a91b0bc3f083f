import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RecognitionLanguage } from '../config.js';
import { EngineError } from '../errors.js';
import { loadCmvn, type Cmvn } from '../frontend/cmvn.js';
import { featuresFromFbank } from '../frontend/feature-extractor.js';
import type { FeatureMatrix } from '../frontend/feature-matrix.js';
import { loadFrontendOptions, type FrontendOptions } from '../frontend/frontend-options.js';
import { requireModelFiles } from '../model-dir/model-config.js';
import { loadTokens } from '../model-dir/tokens.js';
import { ort, type Session } from '../onnx/onnx-session.js';
import { SENSEVOICE_INTERFACE } from './recognizer-family.js';
import {
	checkMaxBatch,
	lengthSortedRuns,
	paddedFeatures,
	type RecognizerOptions,
} from './recognizer-session.js';
import { ctcGreedy, decodeSenseVoice, type SenseVoiceText } from './sensevoice-decoding.js';

const WHAT = "SenseVoice model (FunASR's iic/SenseVoiceSmall-onnx or an export with its interface)";
const DEFAULT_MAX_BATCH = 8;
/**
 * Rows of SenseVoice's query embedding that the `language` and `textnorm` inputs select
 * (funasr/models/sense_voice/model.py lid_dict and textnorm_dict; the same in FunASR's C++ and
 * sherpa-onnx's runtimes).
 */
const LANGUAGE_QUERY: Readonly<Record<RecognitionLanguage, number>> = {
	auto: 0,
	zh: 3,
	en: 4,
	yue: 7,
	ja: 11,
	ko: 12,
};
const WITH_ITN_QUERY = 14;
const WITHOUT_ITN_QUERY = 15;

/** What a stream asks of SenseVoice for one segment. */
export interface SenseVoiceRequest {
	language: RecognitionLanguage;
	itn: boolean;
}

/** One onnxruntime run, as numbers. */
export interface SenseVoiceOutput {
	/** Raw CTC scores, row-major [batch, rows, vocabularySize]. */
	logits: Float32Array;
	batch: number;
	rows: number;
	vocabularySize: number;
	/** Valid rows of each utterance (its feature rows + 4 query rows). */
	lengths: number[];
}

/** FunASR's SenseVoiceSmall on onnxruntime: segments in, text with language, emotion and events out, batched. */
export class SenseVoice {
	readonly family = 'sensevoice';
	readonly stats = { segments: 0, runs: 0, featureMs: 0, inferenceMs: 0 };
	readonly featureDim: number;
	/** Languages this model's token list has a tag for (`auto` always). */
	readonly languages: readonly RecognitionLanguage[];

	private constructor(
		private readonly session: Session,
		readonly modelPath: string,
		readonly frontend: FrontendOptions,
		private readonly cmvn: Cmvn,
		readonly tokens: readonly string[],
		private readonly queryType: 'int32' | 'int64',
		private readonly maxBatch: number,
	) {
		this.featureDim = frontend.numMelBins * frontend.lfrM;
		this.languages = (Object.keys(LANGUAGE_QUERY) as RecognitionLanguage[]).filter(
			(language) => language === 'auto' || tokens.includes(`<|${language}|>`),
		);
	}

	/** A SenseVoice on a session of its graph (see recognizerFamily); the caller releases the session if this fails. */
	static fromSession(
		session: Session,
		modelDir: string,
		modelPath: string,
		options: RecognizerOptions = {},
	): SenseVoice {
		requireModelFiles(modelDir, ['config.yaml', 'am.mvn'], 'SenseVoice');
		const maxBatch = checkMaxBatch(options.maxBatch ?? DEFAULT_MAX_BATCH, 'SenseVoice');
		const frontend = loadFrontendOptions(modelDir);
		const cmvn = loadCmvn(join(modelDir, 'am.mvn'));
		const tokens = loadTokens(modelDir, 'SenseVoice');
		const queryType = checkInterface(
			session,
			modelPath,
			frontend.numMelBins * frontend.lfrM,
			tokens.length,
		);
		return new SenseVoice(session, modelPath, frontend, cmvn, tokens, queryType, maxBatch);
	}

	/** Fails, naming the languages it knows, when the model has no tag for the language asked. */
	requireLanguage(language: RecognitionLanguage): void {
		if (this.languages.includes(language)) return;
		throw new EngineError(
			'BAD_OPTION',
			`The SenseVoice model "${this.modelPath}" does not know the language "${language}" (its tokens have no <|${language}|> tag); it knows ${this.languages.join(', ')}.`,
			`Choose one of ${this.languages.join(', ')} (auto lets the model tell), or a model trained on ${language}.`,
		);
	}

	/** Segments' fbank rows (this model's mel bins) → text and tags, in the same order. */
	async recognizeFbank(
		fbanks: readonly FeatureMatrix[],
		requests: readonly SenseVoiceRequest[],
	): Promise<SenseVoiceText[]> {
		const start = performance.now();
		const features = fbanks.map((fbank) => featuresFromFbank(fbank, this.frontend, this.cmvn));
		this.stats.featureMs += performance.now() - start;
		return this.recognizeFeatures(features, requests);
	}

	/** Model input features (LFR + CMVN rows) → text and tags. Segments without rows give empty text and no tags. */
	async recognizeFeatures(
		features: readonly FeatureMatrix[],
		requests: readonly SenseVoiceRequest[],
	): Promise<SenseVoiceText[]> {
		const results: SenseVoiceText[] = features.map(() => ({ text: '', tokens: [], events: [] }));
		for (const run of lengthSortedRuns(features, this.maxBatch)) {
			const output = await this.infer(
				run.map((i) => features[i]),
				run.map((i) => requests[i]),
			);
			run.forEach((segment, b) => {
				const offset = b * output.rows * output.vocabularySize;
				const ids = ctcGreedy(output.logits, offset, output.lengths[b], output.vocabularySize);
				results[segment] = decodeSenseVoice(ids, this.tokens);
			});
		}
		this.stats.segments += features.length;
		return results;
	}

	/** One onnxruntime run over features zero-padded to the longest. */
	async infer(
		features: readonly FeatureMatrix[],
		requests: readonly SenseVoiceRequest[],
	): Promise<SenseVoiceOutput> {
		const start = performance.now();
		const batch = features.length;
		const dim = this.featureDim;
		const { data: speech, rows } = paddedFeatures(features, dim, 'SenseVoice');
		const feeds = {
			speech: new ort.Tensor('float32', speech, [batch, rows, dim]),
			speech_lengths: this.integers(features.map((matrix) => matrix.rows)),
			language: this.integers(requests.map((request) => LANGUAGE_QUERY[request.language])),
			textnorm: this.integers(
				requests.map((request) => (request.itn ? WITH_ITN_QUERY : WITHOUT_ITN_QUERY)),
			),
		};
		const outputs = await this.session.run(feeds, [...SENSEVOICE_INTERFACE.outputs]);
		const logits = outputs.ctc_logits!;
		const vocabularySize = logits.dims[2];
		if (vocabularySize !== this.tokens.length) throw this.vocabularyMismatch(vocabularySize);
		const lengths = Array.from(
			outputs.encoder_out_lens!.data as ArrayLike<number | bigint>,
			(length) => Math.min(Number(length), logits.dims[1]),
		);
		this.stats.inferenceMs += performance.now() - start;
		this.stats.runs++;
		return {
			logits: logits.data as Float32Array,
			batch,
			rows: logits.dims[1],
			vocabularySize,
			lengths,
		};
	}

	async release(): Promise<void> {
		await this.session.release();
	}

	private integers(values: readonly number[]): ort.Tensor {
		return this.queryType === 'int64'
			? new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [values.length])
			: new ort.Tensor('int32', Int32Array.from(values), [values.length]);
	}

	private vocabularyMismatch(scored: number): EngineError {
		return vocabularyMismatch(this.modelPath, scored, this.tokens.length);
	}
}

function vocabularyMismatch(modelPath: string, scored: number, listed: number): EngineError {
	return new EngineError(
		'MODEL_INTERFACE',
		`${WHAT} "${modelPath}" does not fit its token list: output "ctc_logits" scores ${scored} tokens but tokens.json has ${listed}.`,
		'Use model.onnx (or model_quant.onnx), config.yaml, am.mvn and tokens.json from the same SenseVoice export.',
	);
}

/** The types and sizes of FunASR's SenseVoice export; the type its length and query inputs take. */
function checkInterface(
	session: Session,
	modelPath: string,
	featureDim: number,
	vocabularySize: number,
): 'int32' | 'int64' {
	const input = (name: string) => tensorMetadata(session.inputMetadata, name);
	const problems: string[] = [];
	const speech = input('speech');
	if (speech && speech.type !== 'float32')
		problems.push(`input "speech" is ${speech.type}, not float32`);
	const speechDim = speech?.shape.at(-1);
	if (typeof speechDim === 'number' && speechDim !== featureDim)
		problems.push(
			`input "speech" takes ${speechDim}-dimensional features but config.yaml's front end gives ${featureDim}`,
		);
	const queryType = input('language')?.type ?? 'int32';
	for (const name of ['speech_lengths', 'language', 'textnorm']) {
		const type = input(name)?.type ?? 'int32';
		if (type !== queryType || (type !== 'int32' && type !== 'int64'))
			problems.push(`input "${name}" is ${type}, not ${queryType === 'int64' ? 'int64' : 'int32'}`);
	}
	if (problems.length > 0) {
		throw new EngineError(
			'MODEL_INTERFACE',
			`${WHAT} "${modelPath}" does not fit: ${problems.join('; ')}.`,
			'Use model.onnx, config.yaml, am.mvn and tokens.json from the same FunASR export.',
		);
	}
	const logitsDim = tensorMetadata(session.outputMetadata, 'ctc_logits')?.shape.at(-1);
	if (typeof logitsDim === 'number' && logitsDim !== vocabularySize)
		throw vocabularyMismatch(modelPath, logitsDim, vocabularySize);
	return queryType as 'int32' | 'int64';
}

function tensorMetadata(
	metadata: readonly ort.InferenceSession.ValueMetadata[],
	name: string,
): ort.InferenceSession.TensorValueMetadata | undefined {
	const value = metadata.find((entry) => entry.name === name);
	return value && value.isTensor ? value : undefined;
}
