import type { HotwordBias } from '../asr/hotword-embedding.js';
import {
	MAX_HOTWORDS,
	skippedHotwordsWarning,
	withOptionalHotwords,
} from '../asr/hotword-tokenizer.js';
import type { Paraformer, RecognizedText } from '../asr/paraformer.js';
import { loadRecognizer as loadRecognizerModel, type SpeechRecognizer } from '../asr/recognizer.js';
import { wrongFamily } from '../asr/recognizer-family.js';
import type { SenseVoice, SenseVoiceRequest } from '../asr/sensevoice.js';
import type { SenseVoiceTags } from '../asr/sensevoice-decoding.js';
import { EngineError } from '../errors.js';
import type { FeatureMatrix } from '../frontend/feature-matrix.js';
import { loadFrontendOptions } from '../frontend/frontend-options.js';
import { PunctuationCache, Punctuator } from '../punctuation/ct-transformer.js';
import { SerialQueue } from '../serial-queue.js';
import { SpeechSegmenter } from '../vad/speech-segmenter.js';
import { FsmnVadModel } from '../vad/streaming-vad.js';
import type { VadOptions } from '../vad/vad-options.js';
import { Batcher, recognitionBatchSize } from './batcher.js';
import {
	serializeError,
	type ModelKind,
	type OpenedStream,
	type StreamConfig,
	type WorkerRole,
} from './inference-protocol.js';
import { SharedModels } from './shared-models.js';

/** A segment's text; from a timestamp model its words' times, from SenseVoice its language, emotion and events. */
export type Recognition = Pick<RecognizedText, 'text' | 'timedTokens'> &
	Partial<Pick<SenseVoiceTags, 'language' | 'emotion' | 'events'>>;

/** One segment's rows, the hotwords its stream set (null: none) and what it asks of SenseVoice. */
export interface RecognitionInput {
	fbank: FeatureMatrix;
	hotwords: HotwordBias | null;
	request: SenseVoiceRequest;
}

export interface Recognizer {
	model: SpeechRecognizer;
	batcher: Batcher<RecognitionInput, Recognition>;
}

export interface VadStream {
	role: 'vad';
	keys: string[];
	keepWarmMs: number;
	segmenter: SpeechSegmenter;
	punctuator: Punctuator | null;
	punctuationCache: PunctuationCache;
	/** Audio, flushes and punctuation of one stream are handled strictly in order. */
	queue: SerialQueue;
}

export interface RecognizerStream {
	role: 'recognizer';
	keys: string[];
	keepWarmMs: number;
	recognizer: Recognizer;
	/** The stream's hotwords, embedded once and shared by the streams that set the same list. */
	hotwords: HotwordBias | null;
	/** Language and ITN the stream asks of a SenseVoice model. */
	request: SenseVoiceRequest;
	/** The model writes the stream's punctuation itself (SenseVoice with ITN). */
	selfPunctuating: boolean;
	/** The text of the stream's latest provisional segment, being recognized early. */
	provisional: { id: number; text: Promise<Recognition> } | null;
}

type Stream = VadStream | RecognizerStream;

/**
 * What one inference worker thread does, so it can be tested in-process: the streams it holds and
 * the models they share, and each request handed to its role's handler (worker-requests.ts). The
 * VAD worker keeps each stream's state: VAD, recent fbank rows, punctuation context; recognizer
 * workers run Paraformer, for any stream. onnxruntime-node runs a session on the calling thread, so
 * apart, the VAD of every stream keeps pace while a long recognition runs.
 */
export class WorkerEngine {
	private readonly models = new SharedModels();
	private readonly streams = new Map<string, Stream>();
	/** Opens under way: after a restart, a stream's next requests arrive while it is reopened. */
	private readonly opening = new Map<string, Promise<void>>();

	constructor(readonly role: WorkerRole) {}

	get loadedModels(): string[] {
		return this.models.loadedKeys;
	}

	/** Waits until the stream's open (if one is under way) has settled, so its other requests find it. */
	async opened(streamId: string): Promise<void> {
		await this.opening.get(streamId)?.catch(() => undefined);
	}

	async open(streamId: string, config: StreamConfig): Promise<OpenedStream> {
		const opened = this.load(streamId, config);
		// The stream's other requests wait for its open, whatever its outcome (see opened()).
		const settled = opened.then(
			() => undefined,
			() => undefined,
		);
		this.opening.set(streamId, settled);
		try {
			const { warnings, loaded } = await opened;
			return { warnings: warnings.map(serializeError), loaded };
		} finally {
			if (this.opening.get(streamId) === settled) this.opening.delete(streamId);
		}
	}

	async close(streamId: string): Promise<null> {
		const stream = this.streams.get(streamId);
		if (!stream) return null;
		this.streams.delete(streamId);
		if (stream.role === 'vad') await stream.queue.settled();
		await Promise.all(stream.keys.map((key) => this.models.release(key, stream.keepWarmMs)));
		return null;
	}

	/** Closes every stream and unloads every model, kept warm or not: the worker is ending. */
	async closeAll(): Promise<null> {
		await Promise.all([...this.streams.keys()].map((streamId) => this.close(streamId)));
		await this.models.releaseIdle();
		return null;
	}

	vadStream(streamId: string): VadStream {
		return this.streamWith(streamId, 'vad');
	}

	recognizerStream(streamId: string): RecognizerStream {
		return this.streamWith(streamId, 'recognizer');
	}

	private async load(
		streamId: string,
		config: StreamConfig,
	): Promise<{ warnings: EngineError[]; loaded: ModelKind[] }> {
		if (this.streams.has(streamId))
			throw new EngineError('BAD_OPTION', `Stream ${streamId} is already open.`, 'Close it first.');
		const acquired: string[] = [];
		const loaded: ModelKind[] = [];
		const acquire: Acquire = async (kind, id, load, release) => {
			const key = `${kind}:${id}`;
			const { model, loaded: loadedNow } = await this.models.acquire(key, load, release);
			acquired.push(key);
			if (loadedNow) loaded.push(kind);
			return model;
		};
		const keepWarmMs = config.keepWarmMs ?? 0;
		try {
			if (this.role === 'vad') {
				this.streams.set(streamId, await openVad(config, acquire, acquired, keepWarmMs));
				return { warnings: [], loaded };
			}
			const { stream, warnings } = await openRecognizer(config, acquire, acquired, keepWarmMs);
			this.streams.set(streamId, stream);
			return { warnings, loaded };
		} catch (error) {
			await Promise.all(acquired.map((key) => this.models.release(key)));
			throw error;
		}
	}

	private streamWith<R extends Stream['role']>(
		streamId: string,
		role: R,
	): Extract<Stream, { role: R }> {
		const stream = this.stream(streamId);
		if (stream.role !== role)
			throw new EngineError(
				'WORKER_FAILED',
				`Stream ${streamId} has no ${role === 'vad' ? 'VAD' : role} in the ${this.role} worker.`,
				'This is a bug; please report it with the log.',
				{ fatal: false },
			);
		return stream as Extract<Stream, { role: R }>;
	}

	private stream(streamId: string): Stream {
		const stream = this.streams.get(streamId);
		if (!stream)
			throw new EngineError(
				'BAD_OPTION',
				`Stream ${streamId} is not open.`,
				'Open it before sending audio.',
				{ fatal: false },
			);
		return stream;
	}
}

/** Loads a model of this kind (or shares the one loaded), `id` telling its files and settings apart. */
type Acquire = <T>(
	kind: ModelKind,
	id: string,
	load: () => Promise<T>,
	release: (model: T) => Promise<void>,
) => Promise<T>;

async function openVad(
	config: StreamConfig,
	acquire: Acquire,
	keys: string[],
	keepWarmMs: number,
): Promise<VadStream> {
	const { models } = config;
	const recognizerFrontend = loadFrontendOptions(models.asrDir);
	const vadModel = await acquire(
		'vad',
		models.vadDir,
		() => FsmnVadModel.load(models.vadDir),
		(model) => model.release(),
	);
	let punctuator: Punctuator | null = null;
	const puncDir = models.puncDir;
	if (puncDir) {
		const puncQuantized = models.puncQuantized ?? models.quantized ?? false;
		punctuator = await acquire(
			'punctuation',
			`${puncDir}:${precision(puncQuantized)}`,
			() => Punctuator.load(puncDir, { quantized: puncQuantized }),
			(p) => p.release(),
		);
	}
	const segmenter = new SpeechSegmenter(
		vadModel,
		recognizerFrontend,
		vadOverrides(config),
		config.provisionalAfterMs ?? null,
	);
	return {
		role: 'vad',
		keys,
		keepWarmMs,
		segmenter,
		punctuator,
		punctuationCache: new PunctuationCache(),
		queue: new SerialQueue(),
	};
}

async function openRecognizer(
	config: StreamConfig,
	acquire: Acquire,
	keys: string[],
	keepWarmMs: number,
): Promise<{ stream: RecognizerStream; warnings: EngineError[] }> {
	const { models } = config;
	const threads = models.threads ?? 1;
	const quantized = models.quantized ?? false;
	const recognizerId = `${models.asrDir}:${precision(quantized)}:${threads}`;
	const recognizer = await acquire(
		'recognizer',
		recognizerId,
		() => loadRecognizer(models.asrDir, quantized, threads),
		(r) => r.model.release(),
	);
	const request: SenseVoiceRequest = {
		language: config.language ?? 'auto',
		itn: config.itn ?? false,
	};
	const stream: RecognizerStream = {
		role: 'recognizer',
		keys,
		keepWarmMs,
		recognizer,
		hotwords: null,
		request,
		selfPunctuating: false,
		provisional: null,
	};
	const model = recognizer.model;
	if (model.family === 'sensevoice') {
		model.requireLanguage(request.language);
		if ((config.hotwords ?? []).length > 0) throw senseVoiceHotwords(model.modelPath);
		stream.selfPunctuating = request.itn;
		const puncDir = models.puncDir;
		return {
			stream,
			warnings: request.itn && puncDir ? [punctuationNotUsed(model.modelPath, puncDir)] : [],
		};
	}
	if (request.language !== 'auto' && request.language !== 'zh')
		throw wrongFamily(
			model.modelPath,
			'paraformer',
			'sensevoice',
			`the language "${request.language}"`,
		);
	const hotwordModel = model.hotwords;
	if (!hotwordModel)
		return {
			stream,
			warnings: (config.hotwords ?? []).length > 0 ? [hotwordsNotTaken(models.asrDir)] : [],
		};
	const { hotwords, left } = withOptionalHotwords(
		config.hotwords ?? [],
		config.hotwordsIfSupported ?? [],
	);
	if (hotwords.length === 0) return { stream, warnings: [] };
	const warnings: EngineError[] = left > 0 ? [optionalHotwordsLeft(left)] : [];
	// Changing hotwords embeds the new list with the loaded model; it never reloads the model.
	const embedded = await acquire(
		'hotwords',
		`${recognizerId}:${JSON.stringify(hotwords)}`,
		() => hotwordModel.embed(hotwords),
		async () => undefined,
	);
	stream.hotwords = embedded.bias;
	const skipped = skippedHotwordsWarning(
		embedded.skipped,
		embedded.bias.words.length - 1,
		`"${models.asrDir}"`,
	);
	if (skipped) warnings.push(skipped);
	return { stream, warnings };
}

function punctuationNotUsed(modelPath: string, puncDir: string): EngineError {
	return new EngineError(
		'BAD_OPTION',
		`The SenseVoice model "${modelPath}" punctuates its own text with Inverse Text Normalisation on: the punctuation model "${puncDir}" is not used.`,
		'Choose Punctuation Off (or turn Inverse Text Normalisation off to punctuate with the CT-Transformer model, Mandarin only).',
		{ fatal: false },
	);
}

function optionalHotwordsLeft(left: number): EngineError {
	return new EngineError(
		'BAD_OPTION',
		`${left} keyword(s) are not used as hotwords: with the hotwords they would pass FunASR's limit of ${MAX_HOTWORDS}.`,
		'They are still matched. Fewer hotwords or keywords, or Keywords as Hotwords off, silences this.',
		{ fatal: false },
	);
}

function senseVoiceHotwords(modelPath: string): EngineError {
	return new EngineError(
		'BAD_OPTION',
		`"${modelPath}" is a SenseVoice model, which takes no hotwords: hotwords need a Paraformer with FunASR's NN hotwords.`,
		'Choose paraformer-zh-contextual-int8 (or a FunASR contextual/SeACo export with model_eb.onnx) for hotwords, or give no hotwords.',
	);
}

function hotwordsNotTaken(asrDir: string): EngineError {
	return new EngineError(
		'BAD_OPTION',
		`The recognizer "${asrDir}" takes no hotwords (its graph has no bias_embed input): the hotwords given are ignored.`,
		'Choose a hotword model: paraformer-zh-contextual or paraformer-zh-contextual-int8 from the catalog, or a FunASR contextual/SeACo export with model_eb.onnx; or clear the hotwords.',
		{ fatal: false },
	);
}

async function loadRecognizer(
	dir: string,
	quantized: boolean,
	threads: number,
): Promise<Recognizer> {
	const model = await loadRecognizerModel(dir, { quantized, threads });
	const batcher = new Batcher<RecognitionInput, Recognition>(
		(inputs) =>
			model.family === 'sensevoice'
				? recognizeSenseVoice(model, inputs)
				: recognizeByHotwords(model, inputs),
		(input) => input.fbank.rows,
		recognitionBatchSize(threads),
	);
	return { model, batcher };
}

/** One run for the whole batch: SenseVoice takes a language and a textnorm per utterance. */
async function recognizeSenseVoice(
	model: SenseVoice,
	inputs: RecognitionInput[],
): Promise<Recognition[]> {
	const results = await model.recognizeFbank(
		inputs.map((input) => input.fbank),
		inputs.map((input) => input.request),
	);
	return results.map(({ text, language, emotion, events }) => ({
		text,
		...(language !== undefined ? { language } : {}),
		...(emotion !== undefined ? { emotion } : {}),
		events,
	}));
}

/** One model run per hotword list in the batch: a run's utterances share one bias_embed. */
async function recognizeByHotwords(
	paraformer: Paraformer,
	inputs: RecognitionInput[],
): Promise<Recognition[]> {
	const recognitions = new Array<Recognition>(inputs.length);
	for (const hotwords of new Set(inputs.map((input) => input.hotwords))) {
		const members = inputs.flatMap((input, i) => (input.hotwords === hotwords ? [i] : []));
		const results = await paraformer.recognizeFbank(
			members.map((i) => inputs[i].fbank),
			hotwords ?? undefined,
		);
		members.forEach((i, k) => {
			const { text, timedTokens } = results[k];
			recognitions[i] = { text, ...(timedTokens ? { timedTokens } : {}) };
		});
	}
	return recognitions;
}

function precision(quantized: boolean): string {
	return quantized ? 'int8' : 'fp32';
}

function vadOverrides(config: StreamConfig): Partial<VadOptions> {
	return {
		...(config.vad?.maxEndSilenceMs !== undefined
			? { maxEndSilenceMs: config.vad.maxEndSilenceMs }
			: {}),
		...(config.vad?.maxSegmentMs !== undefined ? { maxSegmentMs: config.vad.maxSegmentMs } : {}),
	};
}
