import { basename, resolve } from 'node:path';
import type { KeywordMatchMode } from '../../engine/emitter/keywords.js';
import { EngineError } from '../../engine/errors.js';
import type { ModelSelection, OverflowPolicy } from '../../engine/pipeline/types.js';

export type StreamSourceKind = 'url' | 'credential';

/** The node's parameters, checked and in the engine's units. */
export interface TriggerSettings {
	source: StreamSourceKind;
	/** Only for source 'url'. */
	url: string;
	/** Directories resolved to absolute paths: equal settings in two workflows then share one loaded model. */
	models: ModelSelection;
	/** Names the model in items: the directory's name, `-int8` when quantized. */
	modelName: string;
	/** Empty VAD directory: the catalog's fsmn-vad from the model cache. */
	useCatalogVad: boolean;
	/** Punctuation on without a directory: the catalog's ct-punc from the model cache. */
	useCatalogPunctuation: boolean;
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
	threads: number;
	manualTimeoutMs: number;
	/** Wait for each execution to finish before starting the next. */
	ordered: boolean;
}

export const DEFAULTS = {
	maxEndSilenceMs: 800,
	maxSentenceSeconds: 60,
	queueSeconds: 120,
	overflow: 'drop-oldest' as OverflowPolicy,
	reconnectMaxDelaySeconds: 30,
	threads: 1,
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

	const modelDirectory = text(read('modelDirectory', ''), 'Model Directory');
	if (modelDirectory === '') {
		throw new EngineError('BAD_OPTION', 'The Model Directory is empty.', 'Give the directory of a FunASR Paraformer ONNX export (model.onnx or model_quant.onnx, config.yaml, am.mvn, tokens.json).');
	}
	const quantized = flag(read('quantized', false), 'Quantized (int8)');
	const vadDirectory = text(read('vadModelDirectory', ''), 'VAD Model Directory');
	const punctuation = flag(read('punctuation', false), 'Punctuation');
	const punctuationDirectory = punctuation ? text(read('punctuationModelDirectory', ''), 'Punctuation Model Directory') : '';
	const threads = wholeNumber(read('options.threads', DEFAULTS.threads), 'Inference Threads', 0, 64, 'Use 1 (the default) to 4, or 0 to let onnxruntime choose.');

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

	const models: ModelSelection = {
		asrDir: resolve(modelDirectory),
		vadDir: vadDirectory === '' ? '' : resolve(vadDirectory),
		quantized,
		threads,
		...(punctuationDirectory === '' ? {} : { puncDir: resolve(punctuationDirectory) }),
	};
	const ffmpegPath = text(read('options.ffmpegPath', ''), 'FFmpeg Path');
	return {
		source,
		url,
		models,
		modelName: basename(models.asrDir) + (quantized ? '-int8' : ''),
		useCatalogVad: vadDirectory === '',
		useCatalogPunctuation: punctuation && punctuationDirectory === '',
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
		threads,
		manualTimeoutMs: Math.round(number(read('options.manualTimeoutSeconds', DEFAULTS.manualTimeoutSeconds), 'Manual Mode Timeout (s)', 1, 3600, 'Give the time to wait for the first sentence when testing the node, e.g. 120.') * 1000),
		ordered: !flag(read('options.parallelProcessing', false), 'Parallel Processing'),
	};
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
