import { basename, resolve } from 'node:path';
import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';
import type { KeywordMatchMode } from './keywords.js';
import {
	EngineError,
	hotwordWords,
	MAX_HOTWORDS,
	type OverflowPolicy,
	type RecognitionLanguage,
} from '../../engine/index.js';
import { defaultCatalog, findModel, isQuantized } from '../../models/index.js';
import { SERVER_URL } from './credentials/stream-credentials.js';
import type { GivenPath } from './file-access.js';
import {
	catalogChoices,
	DEFAULT_MODELS,
	LOCAL_DIRECTORY,
	localDirectoryChoice,
	NO_PUNCTUATION,
	senseVoiceModelNames,
	type ModelPlan,
	type ModelSource,
} from './models.js';

/** The catalog's SenseVoice models: Language and ITN show for them (and for a local directory, which may hold one). */
const SENSEVOICE_MODELS = senseVoiceModelNames();
const PUNCTUATION_CHOICES: INodePropertyOptions[] = [
	{
		name: 'Off',
		value: NO_PUNCTUATION,
		description: "The recognizer's text, without punctuation (SenseVoice's own with ITN on)",
	},
	...catalogChoices('punc'),
	localDirectoryChoice('CT-Transformer'),
];

/**
 * Each parameter of the node is declared once, here: its n8n description (the `name` is the
 * table's key) and how its value is checked. The node's description and the settings both come
 * from these tables, so a default or a range cannot differ between the editor and the node.
 */
interface Parameter<T> {
	property: Omit<INodeProperties, 'name'>;
	/** Names the parameter in error messages. */
	label: string;
	check(value: unknown): T;
}

type Described = Omit<INodeProperties, 'name' | 'type' | 'default' | 'options' | 'typeOptions'>;

function textParameter(
	property: Described & { default?: string; typeOptions?: INodeProperties['typeOptions'] },
): Parameter<string> {
	const label = property.displayName;
	return {
		property: { type: 'string', default: '', ...property },
		label,
		check: (value) => text(value, label),
	};
}

function flagParameter(
	property: Described & { default: boolean },
	label = property.displayName,
): Parameter<boolean> {
	return {
		property: { type: 'boolean', ...property },
		label,
		check: (value) => flag(value, label),
	};
}

interface Range {
	min: number;
	max: number;
	/** Shown in messages beside the display name, which stays without it (n8n's style). */
	unit?: string;
	whole?: boolean;
	/** What to give instead, for the error message. */
	hint: string;
}

function numberParameter(
	property: Described & { default: number },
	range: Range,
): Parameter<number> {
	const label = range.unit ? `${property.displayName} (${range.unit})` : property.displayName;
	return {
		property: {
			type: 'number',
			typeOptions: { minValue: range.min, maxValue: range.max },
			...property,
		},
		label,
		check: (value) =>
			(range.whole ? wholeNumber : number)(value, label, range.min, range.max, range.hint),
	};
}

function choiceParameter<T extends string>(
	property: Described & { default: T; options: (INodePropertyOptions & { value: T })[] },
): Parameter<T> {
	const label = property.displayName;
	const allowed = property.options.map((option) => option.value);
	return {
		property: { type: 'options', ...property },
		label,
		check: (value) => choice(value, allowed, label),
	};
}

const modelChoice = (property: Described & { default: string; options: INodePropertyOptions[] }) =>
	choiceParameter({
		...property,
		options: property.options.map((option) => ({ ...option, value: String(option.value) })),
	});

/** The node's top-level parameters, in the editor's order; the Options collection follows them. */
const PARAMETERS = {
	source: choiceParameter<StreamSourceKind>({
		displayName: 'Stream Source',
		options: [
			{
				name: 'URL',
				value: 'url',
				description:
					'A stream URL typed here; use the credential for URLs with stream keys or passwords',
			},
			{
				name: 'Credential',
				value: 'credential',
				description: 'Server URL, stream key and login kept in an RTMP Stream credential',
			},
		],
		default: 'url',
	}),
	url: textParameter({
		displayName: 'Stream URL',
		required: true,
		placeholder: 'rtmp://localhost:1935/live/stream',
		description:
			'What ffmpeg reads: rtmp://, rtmps://, rtsp://, srt://, http(s):// (HLS), udp:// or a local file path (within N8N_RESTRICT_FILE_ACCESS_TO)',
		displayOptions: { show: { source: ['url'] } },
	}),
	recognition: choiceParameter<RecognitionKind>({
		displayName: 'Recognition',
		options: [
			{
				name: 'On This Machine',
				value: 'local',
				description: 'FunASR models on onnxruntime, in the n8n process',
			},
			{
				name: 'FunASR Server',
				value: 'server',
				description:
					'FunASR websocket servers (funasr-wss-server-2pass) of an ASR Server credential; n8n only runs ffmpeg',
			},
		],
		default: 'local',
	}),
	model: modelChoice({
		displayName: 'Model',
		options: [...catalogChoices('asr'), localDirectoryChoice('Paraformer or SenseVoiceSmall')],
		default: DEFAULT_MODELS.asr,
		description:
			'The speech recognizer: Paraformer (Mandarin) or SenseVoiceSmall (Mandarin, English, Cantonese, Japanese, Korean; with language, emotion and audio events). A model missing from the model cache is downloaded when the workflow is activated (see Options).',
		displayOptions: { show: { recognition: ['local'] } },
	}),
	language: choiceParameter<RecognitionLanguage>({
		displayName: 'Language',
		options: [
			{ name: 'Auto', value: 'auto', description: 'The model tells the language of each sentence' },
			{ name: 'Cantonese', value: 'yue' },
			{ name: 'English', value: 'en' },
			{ name: 'Japanese', value: 'ja' },
			{ name: 'Korean', value: 'ko' },
			{ name: 'Mandarin', value: 'zh' },
		],
		default: 'auto',
		description:
			'The language spoken, for a SenseVoice model (a Paraformer takes Auto or Mandarin only). Each item names the language the model heard in "language".',
		displayOptions: {
			show: { recognition: ['local'], model: [...SENSEVOICE_MODELS, LOCAL_DIRECTORY] },
		},
	}),
	itn: flagParameter({
		displayName: 'Inverse Text Normalisation',
		default: true,
		description:
			'Whether a SenseVoice model writes numbers, case and punctuation itself ("twenty five" → "25."); sentences are then split at its own punctuation. A Paraformer ignores it.',
		displayOptions: {
			show: { recognition: ['local'], model: [...SENSEVOICE_MODELS, LOCAL_DIRECTORY] },
		},
	}),
	modelDirectory: textParameter({
		displayName: 'Model Directory',
		required: true,
		placeholder:
			'/home/node/.n8n-files/models/speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-onnx',
		description:
			'A FunASR Paraformer or SenseVoiceSmall ONNX export (told apart by the model itself): model.onnx (or model_quant.onnx), config.yaml, am.mvn and tokens.json; within N8N_RESTRICT_FILE_ACCESS_TO',
		displayOptions: { show: { model: [LOCAL_DIRECTORY] } },
	}),
	quantized: flagParameter(
		{
			displayName: 'Quantized (Int8)',
			default: false,
			description:
				'Whether to load model_quant.onnx instead of model.onnx: about 4× smaller, 1.3–3× faster (most on CPUs with VNNI), slightly less accurate',
			displayOptions: { show: { model: [LOCAL_DIRECTORY] } },
		},
		'Quantized (int8)',
	),
	vadModel: modelChoice({
		displayName: 'VAD Model',
		options: [...catalogChoices('vad'), localDirectoryChoice('FSMN-VAD')],
		default: DEFAULT_MODELS.vad,
		description: 'Voice activity detection: finds where each sentence starts and ends',
		displayOptions: { show: { recognition: ['local'] } },
	}),
	vadModelDirectory: textParameter({
		displayName: 'VAD Model Directory',
		required: true,
		placeholder: '/home/node/.n8n-files/models/speech_fsmn_vad_zh-cn-16k-common-onnx',
		description:
			'A FunASR FSMN-VAD ONNX export: model.onnx, config.yaml and am.mvn; within N8N_RESTRICT_FILE_ACCESS_TO',
		displayOptions: { show: { vadModel: [LOCAL_DIRECTORY] } },
	}),
	punctuationModel: modelChoice({
		displayName: 'Punctuation',
		options: PUNCTUATION_CHOICES,
		default: DEFAULT_MODELS.punctuation,
		description: `Adds punctuation with a CT-Transformer model; sentences are then split at 。？！. ${DEFAULT_MODELS.punctuation} carries context from one sentence to the next, as live captions need. A SenseVoice model in a local directory with Inverse Text Normalisation on punctuates itself: this model is then not used (a warning says so; choose Off).`,
		displayOptions: { show: { recognition: ['local'] }, hide: { model: SENSEVOICE_MODELS } },
	}),
	senseVoicePunctuation: modelChoice({
		displayName: 'Punctuation',
		options: PUNCTUATION_CHOICES,
		default: NO_PUNCTUATION,
		description:
			'Off: SenseVoice punctuates its own text when Inverse Text Normalisation is on, and sentences are split at its marks. A CT-Transformer model (Mandarin) may punctuate instead.',
		displayOptions: { show: { recognition: ['local'], model: SENSEVOICE_MODELS } },
	}),
	punctuationModelDirectory: textParameter({
		displayName: 'Punctuation Model Directory',
		required: true,
		placeholder:
			'/home/node/.n8n-files/models/punc_ct-transformer_zh-cn-common-vad_realtime-vocab272727-onnx',
		description:
			'A FunASR CT-Transformer ONNX export, offline or vad_realtime, at the precision of the recognizer (model_quant.onnx when it is int8); within N8N_RESTRICT_FILE_ACCESS_TO',
		displayOptions: { show: { punctuationModel: [LOCAL_DIRECTORY] } },
	}),
	keywords: {
		property: {
			displayName: 'Keywords',
			type: 'string',
			typeOptions: { multipleValues: true, multipleValueButtonText: 'Add Keyword' },
			default: [],
			placeholder: '报警',
			description:
				'Words to look for in each sentence; the ones found are listed in the item\'s "keywords" field',
		},
		label: 'Keywords',
		check: (value) => textList(value, 'Keywords', 'keyword'),
	} satisfies Parameter<string[]>,
	keywordMatch: choiceParameter<KeywordMatchMode>({
		displayName: 'Keyword Match',
		options: [
			{
				name: 'Words',
				value: 'words',
				description: 'Whole words; in Chinese or Japanese (no spaces) any occurrence',
			},
			{
				name: 'Substrings',
				value: 'substrings',
				description: 'Anywhere in the text, inside words too',
			},
			{
				name: 'Regular Expressions',
				value: 'regex',
				description: 'Each keyword is a JavaScript regular expression',
			},
		],
		default: 'words',
	}),
	caseSensitive: flagParameter({
		displayName: 'Case Sensitive',
		default: false,
		description: 'Whether "Alarm" and "alarm" are different keywords',
	}),
	onlyMatching: flagParameter({
		displayName: 'Emit Only Matching Sentences',
		default: false,
		description: 'Whether to start executions only for sentences that contain at least one keyword',
	}),
	hotwords: {
		property: {
			displayName: 'Hotwords',
			type: 'string',
			typeOptions: { multipleValues: true, multipleValueButtonText: 'Add Hotword' },
			default: [],
			placeholder: '魔搭',
			description:
				'Words the recognizer should favour: names, products, rare terms (FunASR NN hotwords, at most 1000, each up to 10 characters). Only a hotword model takes them (paraformer-zh-contextual or a local contextual/SeACo export with model_eb.onnx); with another Paraformer activation warns that they are ignored, with a SenseVoice model it fails.',
			displayOptions: { hide: { model: SENSEVOICE_MODELS } },
		},
		label: 'Hotwords',
		check: (value) => textList(value, 'Hotwords', 'hotword'),
	} satisfies Parameter<string[]>,
	statusOutput: flagParameter({
		displayName: 'Status Output',
		default: false,
		description:
			'Whether to add a second output that receives connection changes, reconnects, queue overflows and warnings',
	}),
	partialCaptions: flagParameter({
		displayName: 'Partial Captions',
		default: false,
		description:
			"Whether to add an output that receives the sentence in progress while it is spoken (FunASR's 2pass partials), at most one item per Partial Captions Interval, each with the index its final sentence will have",
		displayOptions: { show: { recognition: ['server'] } },
	}),
};

/** The Options collection, alphabetical as n8n's lint wants it; read as `options.<name>`. */
const OPTIONS = {
	downloadModels: flagParameter({
		displayName: 'Download Missing Models',
		default: true,
		description:
			"Whether to download the chosen models when they are missing from the model cache, as the workflow is activated (progress in n8n's log). Off: activation fails and says how to install them by hand.",
	}),
	earlyRecognition: flagParameter({
		displayName: 'Early Recognition',
		default: true,
		description:
			'Whether to recognize a sentence during its trailing silence, when the recognizer is idle, so its text is ready as the VAD End Silence confirms the end (captions about half a second sooner). Off saves the CPU that pauses shorter than the end silence waste.',
	}),
	ffmpegPath: textParameter({
		displayName: 'FFmpeg Path',
		placeholder: '/usr/bin/ffmpeg',
		description:
			'The ffmpeg binary, within N8N_RESTRICT_FILE_ACCESS_TO; empty: ffmpeg on the PATH of n8n',
	}),
	threads: numberParameter(
		{
			displayName: 'Inference Threads',
			default: 1,
			description:
				'CPU threads for recognition (0 lets onnxruntime choose). Workflows with the same model and threads share one loaded model.',
		},
		{
			min: 0,
			max: 64,
			whole: true,
			hint: 'Use 1 (the default) to 4, or 0 to let onnxruntime choose.',
		},
	),
	keywordsAsHotwords: flagParameter({
		displayName: 'Keywords as Hotwords',
		default: true,
		description:
			'Whether the recognizer also favours the Keywords (not regular expressions), when the model takes hotwords; with a model that takes none they are only matched, without a warning',
	}),
	manualTimeoutSeconds: numberParameter(
		{
			displayName: 'Manual Mode Timeout',
			default: 120,
			description:
				'When testing the node: how many seconds to wait for the first sentence before giving up',
		},
		{
			min: 1,
			max: 3600,
			unit: 's',
			hint: 'Give the time to wait for the first sentence when testing the node, e.g. 120.',
		},
	),
	maxSentenceSeconds: numberParameter(
		{
			displayName: 'Maximum Sentence Length',
			default: 60,
			description:
				'Speech without a pause is cut after this many seconds (FunASR max_single_segment_time)',
		},
		{ min: 1, max: 600, unit: 's', hint: 'FunASR uses 60 s.' },
	),
	modelCacheDirectory: textParameter({
		displayName: 'Model Cache Directory',
		placeholder: '/home/node/.n8n-files/rtmp-asr/models',
		description:
			"Where models chosen from the list are kept, each in a folder named by its FunASR ID; within N8N_RESTRICT_FILE_ACCESS_TO. Empty: RTMP_ASR_MODEL_DIR, else rtmp-asr/models in n8n's folder (~/.n8n), shared by all workflows.",
	}),
	parallelProcessing: flagParameter({
		displayName: 'Parallel Processing',
		default: false,
		description:
			'Whether to start an execution per sentence at once. Off: each execution starts after the previous one finished, in spoken order; behind a slow workflow, speech waits in the queue (Queue Bound, Queue Overflow).',
	}),
	recognizers: numberParameter(
		{
			displayName: 'Parallel Recognitions',
			default: 1,
			description:
				'Sentences recognized at once, each by its own copy of the recognition model (memory grows by one model each). 2 on a machine with 2 or more cores keeps up with more streams than one recognition on two threads.',
		},
		{
			min: 1,
			max: 8,
			whole: true,
			hint: 'Use 1 (the default), or up to the number of CPU cores when memory allows a copy of the model for each.',
		},
	),
	partialIntervalSeconds: numberParameter(
		{
			displayName: 'Partial Captions Interval',
			default: 1,
			description:
				'Partial Captions: at most one item per this many seconds and stream (the latest text then)',
		},
		{ min: 0.1, max: 60, unit: 's', hint: 'Use 1 s (the default); 0.5–5 s suits chat messages.' },
	),
	queueSeconds: numberParameter(
		{
			displayName: 'Queue Bound',
			default: 120,
			description:
				'Most speech, in seconds of audio, that may wait for recognition when the CPU or, in order, the workflow falls behind',
		},
		{
			min: 1,
			max: 3600,
			unit: 's',
			hint: 'It bounds the speech waiting for recognition; 120 s is the default.',
		},
	),
	overflow: choiceParameter<OverflowPolicy>({
		displayName: 'Queue Overflow',
		options: [
			{
				name: 'Drop Oldest',
				value: 'drop-oldest',
				description: 'Keep up with the live stream: forget the oldest waiting speech',
			},
			{
				name: 'Drop Newest',
				value: 'drop-newest',
				description: 'Finish what is waiting: ignore new speech until there is room',
			},
			{
				name: 'Backpressure',
				value: 'backpressure',
				description:
					'Lose nothing: stop reading the stream until there is room (the server may drop the connection)',
			},
		],
		default: 'drop-oldest',
	}),
	reconnectMaxDelaySeconds: numberParameter(
		{
			displayName: 'Reconnect Max Delay',
			default: 30,
			description:
				'A lost stream is retried after 1 s, then with growing delays up to this many seconds',
		},
		{
			min: 1,
			max: 3600,
			unit: 's',
			hint: 'Reconnection starts after 1 s and backs off up to this; 30 s is the default.',
		},
	),
	endSilenceMs: numberParameter(
		{
			displayName: 'VAD End Silence',
			default: 800,
			description:
				'A pause of this many milliseconds ends a sentence (FunASR max_end_silence_time)',
		},
		{
			min: 50,
			max: 10_000,
			unit: 'ms',
			whole: true,
			hint: 'FunASR uses 800 ms; 300–1500 ms is sensible.',
		},
	),
};

const describeAll = (table: Record<string, Parameter<unknown>>): INodeProperties[] =>
	Object.entries(table).map(
		([name, parameter]) => ({ name, ...parameter.property }) as INodeProperties,
	);

/** The node's `properties`: the parameters, then the Options collection. */
export const NODE_PROPERTIES: INodeProperties[] = [
	...describeAll(PARAMETERS),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: describeAll(OPTIONS),
	},
];

export type StreamSourceKind = 'url' | 'credential';
/** Where the speech is recognized: in n8n, or on FunASR servers. */
export type RecognitionKind = 'local' | 'server';

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
	/** The recognizer's hotwords, as given; a model that takes none warns. */
	hotwords: string[];
	/** Keywords the recognizer favours too when its model takes hotwords (none for regular expressions). */
	keywordHotwords: string[];
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
	/** Recognize a sentence during its trailing silence. */
	earlyRecognition: boolean;
	/** The language asked of a SenseVoice model. */
	language: RecognitionLanguage;
	/** SenseVoice's inverse text normalisation (a Paraformer ignores it). */
	itn: boolean;
	recognition: RecognitionKind;
	/** FunASR servers: the Partial Captions output's interval, ms; undefined: no such output. */
	partialIntervalMs: number | undefined;
}

/** Reads one parameter: n8n's getNodeParameter(name, fallback). Options live under `options.`. */
export type ParameterReader = (name: string, fallback: unknown) => unknown;

type Value<P> = P extends Parameter<infer T> ? T : never;

/** One parameter's checked value, or its default when it is not set; read only when asked for. */
function parametersOf(read: ParameterReader) {
	const valueOf = <P extends Parameter<unknown>>(name: string, parameter: P): Value<P> =>
		parameter.check(read(name, parameter.property.default)) as Value<P>;
	return {
		get: <K extends keyof typeof PARAMETERS>(name: K) => valueOf(name, PARAMETERS[name]),
		option: <K extends keyof typeof OPTIONS>(name: K) => valueOf(`options.${name}`, OPTIONS[name]),
	};
}

type ParameterValues = ReturnType<typeof parametersOf>;

/** The node's parameters as settings; throws BAD_OPTION naming the parameter and a sensible value. */
export function readTriggerSettings(read: ParameterReader): TriggerSettings {
	const parameters = parametersOf(read);
	const { get, option } = parameters;
	const source = get('source');
	const url = source === 'url' ? get('url') : '';
	if (source === 'url' && url === '') {
		throw new EngineError(
			'BAD_OPTION',
			'The Stream URL is empty.',
			'Give the stream to listen to, e.g. rtmp://host:1935/live/stream, or choose the RTMP Stream credential as the source.',
		);
	}

	const models = readModelPlan(parameters);
	const threads = option('threads');
	const recognizers = option('recognizers');

	const maxEndSilenceMs = option('endSilenceMs');
	const maxSentenceSeconds = option('maxSentenceSeconds');
	if (maxSentenceSeconds * 1000 <= maxEndSilenceMs) {
		throw new EngineError(
			'BAD_OPTION',
			`The Maximum Sentence Length (${maxSentenceSeconds} s) must be longer than the VAD End Silence (${maxEndSilenceMs} ms).`,
			'Raise the maximum sentence length or lower the end silence.',
		);
	}

	const keywords = get('keywords');
	const onlyMatching = get('onlyMatching');
	if (onlyMatching && keywords.length === 0) {
		throw new EngineError(
			'BAD_OPTION',
			'Emit Only Matching Sentences is on, but no keywords are given: nothing would ever be emitted.',
			'Add keywords, or turn Emit Only Matching Sentences off.',
		);
	}

	const hotwords = get('hotwords');
	const hotwordCount = hotwordWords(hotwords).length;
	if (hotwordCount > MAX_HOTWORDS) {
		throw new EngineError(
			'BAD_OPTION',
			`Hotwords holds ${hotwordCount} words; FunASR's hotword models take at most ${MAX_HOTWORDS}.`,
			`Keep the ${MAX_HOTWORDS} that matter most: each one costs recognition time and dilutes the others.`,
		);
	}
	const keywordMatch = get('keywordMatch');
	const ffmpegPath = option('ffmpegPath');
	return {
		source,
		url,
		models: { ...models, threads, recognizers },
		modelName:
			models.asr.kind === 'catalog'
				? models.asr.name
				: basename(models.asr.directory) + (models.quantized ? '-int8' : ''),
		maxEndSilenceMs,
		maxSegmentMs: Math.round(maxSentenceSeconds * 1000),
		keywords,
		hotwords,
		keywordHotwords: option('keywordsAsHotwords') && keywordMatch !== 'regex' ? keywords : [],
		keywordMatch,
		caseSensitive: get('caseSensitive'),
		onlyMatching,
		statusOutput: get('statusOutput'),
		queueSeconds: option('queueSeconds'),
		overflow: option('overflow'),
		reconnectMaxDelayMs: Math.round(option('reconnectMaxDelaySeconds') * 1000),
		ffmpegPath: ffmpegPath === '' ? undefined : ffmpegPath,
		manualTimeoutMs: Math.round(option('manualTimeoutSeconds') * 1000),
		ordered: !option('parallelProcessing'),
		earlyRecognition: option('earlyRecognition'),
		...senseVoiceSettings(parameters, models.asr),
		recognition: get('recognition'),
		partialIntervalMs:
			get('recognition') === 'server' && get('partialCaptions')
				? Math.round(option('partialIntervalSeconds') * 1000)
				: undefined,
	};
}

/** Language and ITN: the parameters for a SenseVoice or local model; Paraformer's settings (auto, off) for a catalog Paraformer, which hides them. */
function senseVoiceSettings(
	{ get }: ParameterValues,
	asr: ModelSource,
): Pick<TriggerSettings, 'language' | 'itn'> {
	if (asr.kind === 'catalog' && !SENSEVOICE_MODELS.includes(asr.name))
		return { language: 'auto', itn: false };
	return { language: get('language'), itn: get('itn') };
}

/** A model choice, and the parameter that gives its directory when it is "Local Directory". */
interface LocalDirectory {
	choice: 'model' | 'vadModel' | 'punctuationModel';
	parameter: 'modelDirectory' | 'vadModelDirectory' | 'punctuationModelDirectory';
	contents: string;
}

const ASR_DIRECTORY: LocalDirectory = {
	choice: 'model',
	parameter: 'modelDirectory',
	contents:
		'a FunASR Paraformer or SenseVoiceSmall ONNX export (model.onnx or model_quant.onnx, config.yaml, am.mvn, tokens.json)',
};
const VAD_DIRECTORY: LocalDirectory = {
	choice: 'vadModel',
	parameter: 'vadModelDirectory',
	contents: 'a FunASR FSMN-VAD ONNX export (model.onnx, config.yaml, am.mvn)',
};
const PUNCTUATION_DIRECTORY: LocalDirectory = {
	choice: 'punctuationModel',
	parameter: 'punctuationModelDirectory',
	contents:
		'a FunASR CT-Transformer ONNX export, offline or vad_realtime (model.onnx or model_quant.onnx, config.yaml, tokens.json)',
};

/**
 * The Model, VAD Model and Punctuation choices: a catalog name, or "Local Directory" with its
 * directory. A catalog model's precision is the catalog's; a local recognizer's is the Quantized switch,
 * which a local punctuation model follows.
 */
function readModelPlan(parameters: ParameterValues): Omit<ModelPlan, 'threads' | 'recognizers'> {
	const { get, option } = parameters;
	const asr = modelSource(get('model'), parameters, ASR_DIRECTORY);
	const vad = modelSource(get('vadModel'), parameters, VAD_DIRECTORY);
	const punctuationChoice =
		asr.kind === 'catalog' && SENSEVOICE_MODELS.includes(asr.name)
			? get('senseVoicePunctuation')
			: get('punctuationModel');
	const punctuation =
		punctuationChoice === NO_PUNCTUATION
			? null
			: modelSource(punctuationChoice, parameters, PUNCTUATION_DIRECTORY);
	const quantized =
		asr.kind === 'catalog' ? isQuantized(findModel(defaultCatalog(), asr.name)) : get('quantized');
	const punctuationQuantized =
		punctuation?.kind === 'catalog'
			? isQuantized(findModel(defaultCatalog(), punctuation.name))
			: quantized;
	const cacheDirectory = option('modelCacheDirectory');
	return {
		asr,
		vad,
		punctuation,
		quantized,
		punctuationQuantized,
		cacheDirectory: cacheDirectory === '' ? undefined : resolve(cacheDirectory),
		download: option('downloadModels'),
	};
}

function modelSource(chosen: string, { get }: ParameterValues, local: LocalDirectory): ModelSource {
	if (chosen !== LOCAL_DIRECTORY) return { kind: 'catalog', name: chosen };
	const directory = get(local.parameter);
	if (directory === '') {
		const choiceName = PARAMETERS[local.choice].label;
		throw new EngineError(
			'BAD_OPTION',
			`${choiceName} is "Local Directory", but the ${PARAMETERS[local.parameter].label} is empty.`,
			`Give the directory of ${local.contents}, or choose a ${choiceName} from the list.`,
		);
	}
	return { kind: 'directory', directory: resolve(directory) };
}

/**
 * The local paths the settings hand to ffmpeg and onnxruntime, each named by its parameter: n8n's
 * file-access rules apply to them. A bare FFmpeg Path (no directory) is looked up on n8n's PATH,
 * as the default ffmpeg is.
 */
export function localPaths(settings: TriggerSettings, streamFile: string | null): GivenPath[] {
	const paths: GivenPath[] = [];
	if (streamFile !== null)
		paths.push({
			parameter: settings.source === 'url' ? PARAMETERS.url.label : SERVER_URL,
			path: streamFile,
		});
	const { asr, vad, punctuation, cacheDirectory } = settings.models;
	for (const [source, parameter] of [
		[asr, PARAMETERS.modelDirectory],
		[vad, PARAMETERS.vadModelDirectory],
		[punctuation, PARAMETERS.punctuationModelDirectory],
	] as const) {
		if (source?.kind === 'directory')
			paths.push({ parameter: parameter.label, path: source.directory });
	}
	if (cacheDirectory !== undefined)
		paths.push({ parameter: OPTIONS.modelCacheDirectory.label, path: cacheDirectory });
	if (settings.ffmpegPath !== undefined && /[/\\]/.test(settings.ffmpegPath))
		paths.push({ parameter: OPTIONS.ffmpegPath.label, path: settings.ffmpegPath });
	return paths;
}

function text(value: unknown, name: string): string {
	if (value === undefined || value === null) return '';
	if (typeof value !== 'string')
		throw new EngineError(
			'BAD_OPTION',
			`${name} must be text, not ${describe(value)}.`,
			`Give ${name} as text.`,
		);
	return value.trim();
}

function flag(value: unknown, name: string): boolean {
	if (typeof value === 'boolean') return value;
	throw new EngineError(
		'BAD_OPTION',
		`${name} must be true or false, not ${describe(value)}.`,
		`Switch ${name} on or off.`,
	);
}

function number(value: unknown, name: string, min: number, max: number, hint: string): number {
	const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < min || parsed > max) {
		throw new EngineError(
			'BAD_OPTION',
			`${name} must be a number from ${min} to ${max}, not ${describe(value)}.`,
			hint,
		);
	}
	return parsed;
}

function wholeNumber(value: unknown, name: string, min: number, max: number, hint: string): number {
	const parsed = number(value, name, min, max, hint);
	if (!Number.isInteger(parsed))
		throw new EngineError(
			'BAD_OPTION',
			`${name} must be a whole number, not ${describe(value)}.`,
			hint,
		);
	return parsed;
}

function choice<T extends string>(value: unknown, allowed: readonly T[], name: string): T {
	if (typeof value === 'string' && (allowed as readonly string[]).includes(value))
		return value as T;
	throw new EngineError(
		'BAD_OPTION',
		`${name} must be one of ${allowed.join(', ')}, not ${describe(value)}.`,
		`Choose ${name} from the list.`,
	);
}

/** n8n gives a multiple-values string parameter as an array; an expression may give one string. */
function textList(value: unknown, name: string, entry: string): string[] {
	const items = typeof value === 'string' ? [value] : value;
	if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) {
		throw new EngineError(
			'BAD_OPTION',
			`${name} must be a list of text, not ${describe(value)}.`,
			`Add each ${entry} as its own entry.`,
		);
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
