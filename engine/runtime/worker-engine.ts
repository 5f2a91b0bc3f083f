import { Paraformer, type RecognizedText } from '../asr/paraformer.js';
import { EngineError } from '../errors.js';
import type { FeatureMatrix } from '../frontend/feature-matrix.js';
import { loadFrontendOptions } from '../frontend/frontend-options.js';
import { PunctuationCache, Punctuator } from '../punctuation/ct-transformer.js';
import { SerialQueue } from '../serial-queue.js';
import { SpeechSegmenter } from '../vad/speech-segmenter.js';
import { FsmnVadModel } from '../vad/streaming-vad.js';
import type { VadOptions } from '../vad/vad-options.js';
import { Batcher, recognitionBatchSize } from './batcher.js';
import type { StreamConfig, WorkerRole } from './inference-protocol.js';
import { SharedModels } from './shared-models.js';

/** A segment's text and, from a timestamp model, its words' times. */
export type Recognition = Pick<RecognizedText, 'text' | 'timedTokens'>;

export interface Recognizer {
	paraformer: Paraformer;
	batcher: Batcher<FeatureMatrix, Recognition>;
}

export interface VadStream {
	role: 'vad';
	keys: string[];
	segmenter: SpeechSegmenter;
	punctuator: Punctuator | null;
	punctuationCache: PunctuationCache;
	/** Audio, flushes and punctuation of one stream are handled strictly in order. */
	queue: SerialQueue;
}

export interface RecognizerStream {
	role: 'recognizer';
	keys: string[];
	recognizer: Recognizer;
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

	async open(streamId: string, config: StreamConfig): Promise<null> {
		const opened = this.load(streamId, config);
		this.opening.set(streamId, opened);
		try {
			await opened;
		} finally {
			if (this.opening.get(streamId) === opened) this.opening.delete(streamId);
		}
		return null;
	}

	async close(streamId: string): Promise<null> {
		const stream = this.streams.get(streamId);
		if (!stream) return null;
		this.streams.delete(streamId);
		if (stream.role === 'vad') await stream.queue.settled();
		await Promise.all(stream.keys.map((key) => this.models.release(key)));
		return null;
	}

	async closeAll(): Promise<null> {
		await Promise.all([...this.streams.keys()].map((streamId) => this.close(streamId)));
		return null;
	}

	vadStream(streamId: string): VadStream {
		const stream = this.stream(streamId);
		if (stream.role !== 'vad') throw new EngineError('WORKER_FAILED', `Stream ${streamId} has no VAD in the ${this.role} worker.`, 'This is a bug; please report it with the log.', { fatal: false });
		return stream;
	}

	recognizerStream(streamId: string): RecognizerStream {
		const stream = this.stream(streamId);
		if (stream.role !== 'recognizer') throw new EngineError('WORKER_FAILED', `Stream ${streamId} has no recognizer in the ${this.role} worker.`, 'This is a bug; please report it with the log.', { fatal: false });
		return stream;
	}

	private async load(streamId: string, config: StreamConfig): Promise<void> {
		if (this.streams.has(streamId)) throw new EngineError('BAD_OPTION', `Stream ${streamId} is already open.`, 'Close it first.');
		const acquired: string[] = [];
		const acquire = async <T>(key: string, load: () => Promise<T>, release: (model: T) => Promise<void>): Promise<T> => {
			const model = await this.models.acquire(key, load, release);
			acquired.push(key);
			return model;
		};
		try {
			this.streams.set(streamId, this.role === 'vad' ? await openVad(config, acquire, acquired) : await openRecognizer(config, acquire, acquired));
		} catch (error) {
			await Promise.all(acquired.map((key) => this.models.release(key)));
			throw error;
		}
	}

	private stream(streamId: string): Stream {
		const stream = this.streams.get(streamId);
		if (!stream) throw new EngineError('BAD_OPTION', `Stream ${streamId} is not open.`, 'Open it before sending audio.', { fatal: false });
		return stream;
	}
}

type Acquire = <T>(key: string, load: () => Promise<T>, release: (model: T) => Promise<void>) => Promise<T>;

async function openVad(config: StreamConfig, acquire: Acquire, keys: string[]): Promise<VadStream> {
	const { models } = config;
	const recognizerFrontend = loadFrontendOptions(models.asrDir);
	const vadModel = await acquire(`vad:${models.vadDir}`, () => FsmnVadModel.load(models.vadDir), (model) => model.release());
	let punctuator: Punctuator | null = null;
	const puncDir = models.puncDir;
	if (puncDir) {
		const puncQuantized = models.puncQuantized ?? models.quantized ?? false;
		punctuator = await acquire(`punc:${puncDir}:${precision(puncQuantized)}`, () => Punctuator.load(puncDir, { quantized: puncQuantized }), (p) => p.release());
	}
	const segmenter = new SpeechSegmenter(vadModel, recognizerFrontend, vadOverrides(config), config.provisionalAfterMs ?? null);
	return { role: 'vad', keys, segmenter, punctuator, punctuationCache: new PunctuationCache(), queue: new SerialQueue() };
}

async function openRecognizer(config: StreamConfig, acquire: Acquire, keys: string[]): Promise<RecognizerStream> {
	const { models } = config;
	const threads = models.threads ?? 1;
	const quantized = models.quantized ?? false;
	const recognizer = await acquire(`asr:${models.asrDir}:${precision(quantized)}:${threads}`, () => loadRecognizer(models.asrDir, quantized, threads), (r) => r.paraformer.release());
	return { role: 'recognizer', keys, recognizer, provisional: null };
}

async function loadRecognizer(dir: string, quantized: boolean, threads: number): Promise<Recognizer> {
	const paraformer = await Paraformer.load(dir, { quantized, threads });
	const batcher = new Batcher<FeatureMatrix, Recognition>(
		async (fbanks) => (await paraformer.recognizeFbank(fbanks)).map(({ text, timedTokens }) => ({ text, ...(timedTokens ? { timedTokens } : {}) })),
		(fbank) => fbank.rows,
		recognitionBatchSize(threads),
	);
	return { paraformer, batcher };
}

function precision(quantized: boolean): string {
	return quantized ? 'int8' : 'fp32';
}

function vadOverrides(config: StreamConfig): Partial<VadOptions> {
	return {
		...(config.vad?.maxEndSilenceMs !== undefined ? { maxEndSilenceMs: config.vad.maxEndSilenceMs } : {}),
		...(config.vad?.maxSegmentMs !== undefined ? { maxSegmentMs: config.vad.maxSegmentMs } : {}),
	};
}
