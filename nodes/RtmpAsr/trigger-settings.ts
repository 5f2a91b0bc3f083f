import { basename, resolve } from 'node:path';
import type { KeywordMatchMode } from './keywords.js';
import { EngineError } from '../../engine/errors.js';
import type { OverflowPolicy } from '../../engine/pipeline/types.js';
import { defaultCatalog, findModel, isQuantized } from '../../models/catalog.js';
import { catalogNames, DEFAULT_MODELS, LOCAL_DIRECTORY, NO_PUNCTUATION } from './model-options.js';

export type StreamSourceKind = 'url' | 'credential';

/** A catalog model (installed in the model cache, downloaded when missing) or a directory filled by hand. */
export type ModelSource = { kind: 'catalog'; name: string } | { kind: 'directory'; directory: string };

/** Which models the trigger loads and where catalog models come from. */
export interface ModelPlan {
	asr: ModelSource;
	vad: ModelSource;
	/** Null: no punctuation. */
	punctuation: ModelSource | null;
	/** The recogniser's int8 weights (model_quant.onnx). */
	quantized: boolean;
	/** The punctuation model's: a catalog model's own precision, a local one's as the recogniser's. */
	punctuationQuantized: boolean;
	threads: number;
	/** Recognizer workers, each with its own copy of the Paraformer. */
	recognizers: number;
	/** Cache root for catalog models; undefined: RTMP_ASR_MODEL_DIR, else inside n8n's folder. */
	cacheDirectory: string | undefined;
	/** Download catalog models missing from the cache on activation. */
	download: boolean;
}

/** The node's parameters, checked and in the engine's units. */
export interface TriggerSettings {
	source: StreamSourceKind;
	/** Only for source 'url'. */
	url: string;
	/** Directories resolved to absolute paths: equal settings in two workflows then share one loaded model. */
	models: ModelPlan;
	/** Names the model in items: the catalog name, or the directory's name with `-int8` when quantized. */
	modelName: string;
	maxEndSilenceMs: number;
	maxSegmentMs: number;
	keywords: string[];
	keywordMatch: KeywordMatchMode;
	caseSensitive: boolean;
	onlyMatching: boolean;
	statusOutput: boolean;
	queueSeconds: number;
	overflow: OverflowPolicy;
	reconnectMaxDelayMs: number;
	ffmpegPath: string | undefined;
	manualTimeoutMs: number;
	/** Wait for each execution to finish before starting the next. */
	ordered: boolean;
	/** Recognise a sentence during its trailing silence. */
	earlyRecognition: boolean;
}

export const DEFAULTS = {
	maxEndSilenceMs: 800,
	maxSentenceSeconds: 60,
	queueSeconds: 120,
	overflow: 'drop-oldest' as OverflowPolicy,
	reconnectMaxDelaySeconds: 30,
	threads: 1,
	recognizers: 1,
	manualTimeoutSeconds: 120,
};

/** Reads one parameter: n8n's getNodeParameter(name, fallback). Options live under `options.`. */
export type ParameterReader = (name: string, fallback: unknown) => unknown;

const KEYWORD_MODES: readonly KeywordMatchMode[] = ['words', 'substrings', 'regex'];
const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ['drop-oldest', 'drop-newest', 'backpressure'];
const SOURCES: readonly StreamSourceKind[] = ['url', 'credential'];

/** The node's parameters as settings; throws BAD_OPTION naming the parameter and a sensible value. */
export function readTriggerSettings(read: ParameterReader): TriggerSettings {
	const source = choice(read('source', 'url'), SOURCES, 'Stream Source');
	const url = source === 'url' ? text(read('url', ''), 'Stream URL') : '';
	if (source === 'url' && url === '') {
		throw new EngineError('BAD_OPTION', 'The Stream URL is empty.', 'Give the stream to listen to, e.g. rtmp://host:1935/live/stream, or choose the RTMP Stream credential as the source.');
	}

	const models = readModelPlan(read);
	const threads = wholeNumber(read('options.threads', DEFAULTS.threads), 'Inference Threads', 0, 64, 'Use 1 (the default) to 4, or 0 to let onnxruntime choose.');
	const recognizers = wholeNumber(read('options.recognizers', DEFAULTS.recognizers), 'Parallel Recognitions', 1, 8, 'Use 1 (the default), or up to the number of CPU cores when memory allows a copy of the model for each.');

	const maxEndSilenceMs = wholeNumber(read('options.endSilenceMs', DEFAULTS.maxEndSilenceMs), 'VAD End Silence (ms)', 50, 10_000, 'FunASR uses 800 ms; 300–1500 ms is sensible.');
	const maxSentenceSeconds = number(read('options.maxSentenceSeconds', DEFAULTS.maxSentenceSeconds), 'Maximum Sentence Length (s)', 1, 600, 'FunASR uses 60 s.');
	if (maxSentenceSeconds * 1000 <= maxEndSilenceMs) {
		throw new EngineError('BAD_OPTION', `The Maximum Sentence Length (${maxSentenceSeconds} s) must be longer than the VAD End Silence (${maxEndSilenceMs} ms).`, 'Raise the maximum sentence length or lower the end silence.');
	}

	const keywords = keywordList(read('keywords', []));
	const onlyMatching = flag(read('onlyMatching', false), 'Emit Only Matching Sentences');
	if (onlyMatching && keywords.length === 0) {
		throw new EngineError('BAD_OPTION', 'Emit Only Matching Sentences is on, but no keywords are given: nothing would ever be emitted.', 'Add keywords, or turn Emit Only Matching Sentences off.');
	}

	const ffmpegPath = text(read('options.ffmpegPath', ''), 'FFmpeg Path');
	return {
		source,
		url,
		models: { ...models, threads, recognizers },
		modelName: models.asr.kind === 'catalog' ? models.asr.name : basename(models.asr.directory) + (models.quantized ? '-int8' : ''),
		maxEndSilenceMs,
		maxSegmentMs: Math.round(maxSentenceSeconds * 1000),
		keywords,
		keywordMatch: choice(read('keywordMatch', 'words'), KEYWORD_MODES, 'Keyword Match'),
		caseSensitive: flag(read('caseSensitive', false), 'Case Sensitive'),
		onlyMatching,
		statusOutput: flag(read('statusOutput', false), 'Status Output'),
		queueSeconds: number(read('options.queueSeconds', DEFAULTS.queueSeconds), 'Queue Bound (s)', 1, 3600, 'It bounds the speech waiting for recognition; 120 s is the default.'),
		overflow: choice(read('options.overflow', DEFAULTS.overflow), OVERFLOW_POLICIES, 'Queue Overflow'),
		reconnectMaxDelayMs: Math.round(number(read('options.reconnectMaxDelaySeconds', DEFAULTS.reconnectMaxDelaySeconds), 'Reconnect Max Delay (s)', 1, 3600, 'Reconnection starts after 1 s and backs off up to this; 30 s is the default.') * 1000),
		ffmpegPath: ffmpegPath === '' ? undefined : ffmpegPath,
		manualTimeoutMs: Math.round(number(read('options.manualTimeoutSeconds', DEFAULTS.manualTimeoutSeconds), 'Manual Mode Timeout (s)', 1, 3600, 'Give the time to wait for the first sentence when testing the node, e.g. 120.') * 1000),
		ordered: !flag(read('options.parallelProcessing', false), 'Parallel Processing'),
		earlyRecognition: flag(read('options.earlyRecognition', true), 'Early Recognition'),
	};
}

/** A model choice's "Local Directory" and the parameter that then gives the directory. */
interface LocalDirectory {
	choice: string;
	parameter: string;
	name: string;
	contents: string;
}

const ASR_DIRECTORY: LocalDirectory = {
	choice: 'Model',
	parameter: 'modelDirectory',
	name: 'Model Directory',
	contents: 'a FunASR Paraformer ONNX export (model.onnx or model_quant.onnx, config.yaml, am.mvn, tokens.json)',
};
const VAD_DIRECTORY: LocalDirectory = {
	choice: 'VAD Model',
	parameter: 'vadModelDirectory',
	name: 'VAD Model Directory',
	contents: 'a FunASR FSMN-VAD ONNX export (model.onnx, config.yaml, am.mvn)',
};
const PUNCTUATION_DIRECTORY: LocalDirectory = {
	choice: 'Punctuation',
	parameter: 'punctuationModelDirectory',
	name: 'Punctuation Model Directory',
	contents: 'a FunASR CT-Transformer ONNX export, offline or vad_realtime (model.onnx or model_quant.onnx, config.yaml, tokens.json)',
};

/**
 * The Model, VAD Model and Punctuation choices: a catalog name, or "Local Directory" with its
 * directory. A catalog model's precision is the catalog's; a local recogniser's is the Quantized switch,
 * which a local punctuation model follows.
 */
function readModelPlan(read: ParameterReader): Omit<ModelPlan, 'threads' | 'recognizers'> {
	const asr = modelSource(choice(read('model', DEFAULT_MODELS.asr), [...catalogNames('asr'), LOCAL_DIRECTORY], 'Model'), read, ASR_DIRECTORY);
	const vad = modelSource(choice(read('vadModel', DEFAULT_MODELS.vad), [...catalogNames('vad'), LOCAL_DIRECTORY], 'VAD Model'), read, VAD_DIRECTORY);
	const punctuationChoice = choice(read('punctuationModel', DEFAULT_MODELS.punctuation), [NO_PUNCTUATION, ...catalogNames('punc'), LOCAL_DIRECTORY], 'Punctuation');
	const punctuation = punctuationChoice === NO_PUNCTUATION ? null : modelSource(punctuationChoice, read, PUNCTUATION_DIRECTORY);
	const quantized = asr.kind === 'catalog' ? isQuantized(findModel(defaultCatalog(), asr.name)) : flag(read('quantized', false), 'Quantized (int8)');
	const punctuationQuantized = punctuation?.kind === 'catalog' ? isQuantized(findModel(defaultCatalog(), punctuation.name)) : quantized;
	const cacheDirectory = text(read('options.modelCacheDirectory', ''), 'Model Cache Directory');
	return {
		asr,
		vad,
		punctuation,
		quantized,
		punctuationQuantized,
		cacheDirectory: cacheDirectory === '' ? undefined : resolve(cacheDirectory),
		download: flag(read('options.downloadModels', true), 'Download Missing Models'),
	};
}

function modelSource(chosen: string, read: ParameterReader, local: LocalDirectory): ModelSource {
	if (chosen !== LOCAL_DIRECTORY) return { kind: 'catalog', name: chosen };
	const directory = text(read(local.parameter, ''), local.name);
	if (directory === '') {
		throw new EngineError('BAD_OPTION', `${local.choice} is "Local Directory", but the ${local.name} is empty.`, `Give the directory of ${local.contents}, or choose a ${local.choice} from the list.`);
	}
	return { kind: 'directory', directory: resolve(directory) };
}

function text(value: unknown, name: string): string {
	if (value === undefined || value === null) return '';
	if (typeof value !== 'string') throw new EngineError('BAD_OPTION', `${name} must be text, not ${describe(value)}.`, `Give ${name} as text.`);
	return value.trim();
}

function flag(value: unknown, name: string): boolean {
	if (typeof value === 'boolean') return value;
	throw new EngineError('BAD_OPTION', `${name} must be true or false, not ${describe(value)}.`, `Switch ${name} on or off.`);
}

function number(value: unknown, name: string, min: number, max: number, hint: string): number {
	const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < min || parsed > max) {
		throw new EngineError('BAD_OPTION', `${name} must be a number from ${min} to ${max}, not ${describe(value)}.`, hint);
	}
	return parsed;
}

function wholeNumber(value: unknown, name: string, min: number, max: number, hint: string): number {
	const parsed = number(value, name, min, max, hint);
	if (!Number.isInteger(parsed)) throw new EngineError('BAD_OPTION', `${name} must be a whole number, not ${describe(value)}.`, hint);
	return parsed;
}

function choice<T extends string>(value: unknown, allowed: readonly T[], name: string): T {
	if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
	throw new EngineError('BAD_OPTION', `${name} must be one of ${allowed.join(', ')}, not ${describe(value)}.`, `Choose ${name} from the list.`);
}

/** n8n gives a multiple-values string parameter as an array; an expression may give one string. */
function keywordList(value: unknown): string[] {
	const items = typeof value === 'string' ? [value] : value;
	if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) {
		throw new EngineError('BAD_OPTION', `Keywords must be a list of text, not ${describe(value)}.`, 'Add each keyword as its own entry.');
	}
	return (items as string[]).filter((item) => item.trim() !== '');
}

function describe(value: unknown): string {
	if (typeof value === 'string') return `"${value}"`;
	try {
		return JSON.stringify(value) ?? String(value);
	} catch {
		return String(value);
	}
}
