import { Paraformer } from '../asr/paraformer.js';
import { EngineError } from '../errors.js';
import type { FeatureMatrix } from '../frontend/feature-matrix.js';
import { loadFrontendOptions } from '../frontend/frontend-options.js';
import { PunctuationCache, Punctuator } from '../punctuation/ct-transformer.js';
import { SpeechSegmenter, type ProvisionalSegment } from '../vad/speech-segmenter.js';
import { FsmnVadModel } from '../vad/streaming-vad.js';
import type { VadOptions } from '../vad/vad-options.js';
import { Batcher, recognitionBatchSize } from './batcher.js';
import type { RecognizedSegment, Segmentation, StreamConfig, WorkerRequest, WorkerResults, WorkerRole } from './inference-protocol.js';
import { SharedModels } from './shared-models.js';

interface Recognizer {
	paraformer: Paraformer;
	batcher: Batcher<FeatureMatrix, string>;
}

interface VadStream {
	role: 'vad';
	keys: string[];
	segmenter: SpeechSegmenter;
	punctuator: Punctuator | null;
	punctuationCache: PunctuationCache;
	/** Audio, flushes and punctuation of one stream are handled strictly in order. */
	chain: Promise<unknown>;
}

interface RecognizerStream {
	role: 'recognizer';
	keys: string[];
	recognizer: Recognizer;
	/** The text of the stream's latest provisional segment, being recognised early. */
	provisional: { id: number; text: Promise<string> } | null;
}

type Stream = VadStream | RecognizerStream;

/**
 * What one inference worker thread does, as plain async methods so it can be tested in-process.
 * The VAD worker keeps each stream's state: VAD, recent fbank rows, punctuation context; recognizer
 * workers run Paraformer, for any stream. onnxruntime-node runs a session on the calling thread, so
 * apart, the VAD of every stream keeps pace while a long recognition runs. Models are shared by
 * every stream that uses them.
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

	async handle<K extends WorkerRequest['type']>(request: Extract<WorkerRequest, { type: K }>): Promise<WorkerResults[K]>;
	async handle(request: WorkerRequest): Promise<unknown> {
		if (request.type !== 'open' && request.type !== 'shutdown') await this.opening.get(request.streamId)?.catch(() => undefined);
		switch (request.type) {
			case 'open': {
				const opened = this.open(request.streamId, request.config);
				this.opening.set(request.streamId, opened);
				try {
					await opened;
				} finally {
					if (this.opening.get(request.streamId) === opened) this.opening.delete(request.streamId);
				}
				return null;
			}
			case 'audio':
				return this.inOrder(request, async (stream): Promise<Segmentation> => ({ closed: await stream.segmenter.accept(request.samples), provisional: stream.segmenter.takeProvisional() }));
			case 'flush':
				return this.inOrder(request, (stream) => stream.segmenter.finish());
			case 'recognize':
				return this.recognize(this.recognizerStream(request.streamId), request.fbank, request.provisionalId);
			case 'recognize-provisional':
				return this.recognizeProvisional(this.recognizerStream(request.streamId), request.segment);
			case 'punctuate':
				return this.inOrder(request, (stream) => punctuate(stream, request.textRaw));
			case 'close':
				await this.close(request.streamId);
				return null;
			case 'shutdown':
				await Promise.all([...this.streams.keys()].map((streamId) => this.close(streamId)));
				return null;
		}
	}

	private async open(streamId: string, config: StreamConfig): Promise<void> {
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

	private async recognize(stream: RecognizerStream, fbank: Float32Array, provisionalId: number | undefined): Promise<RecognizedSegment> {
		const provisional = stream.provisional;
		stream.provisional = null;
		if (provisional !== null && provisional.id === provisionalId) {
			const text = await provisional.text.catch(() => null);
			if (text !== null) return { textRaw: text, early: true };
		}
		return { textRaw: await this.run(stream, fbank), early: false };
	}

	/**
	 * Recognition of a segment the VAD has not closed yet, in the silence before it does, so its text
	 * is ready when it closes. Only on an idle recognizer: it must never delay a closed segment. The
	 * answer comes when the run is over, so that the caller sees this worker busy meanwhile.
	 */
	private async recognizeProvisional(stream: RecognizerStream, segment: ProvisionalSegment): Promise<boolean> {
		if (!stream.recognizer.batcher.idle) return false;
		const text = this.run(stream, segment.fbank);
		stream.provisional = { id: segment.id, text };
		// A provisional segment that never closes as it is (the speaker went on) is forgotten.
		await text.catch(() => undefined);
		return true;
	}

	private run(stream: RecognizerStream, fbank: Float32Array): Promise<string> {
		const dim = stream.recognizer.paraformer.frontend.numMelBins;
		return stream.recognizer.batcher.run({ data: fbank, rows: fbank.length / dim, dim });
	}

	private async close(streamId: string): Promise<void> {
		const stream = this.streams.get(streamId);
		if (!stream) return;
		this.streams.delete(streamId);
		if (stream.role === 'vad') await stream.chain.catch(() => undefined);
		await Promise.all(stream.keys.map((key) => this.models.release(key)));
	}

	private stream(streamId: string): Stream {
		const stream = this.streams.get(streamId);
		if (!stream) throw new EngineError('BAD_OPTION', `Stream ${streamId} is not open.`, 'Open it before sending audio.', { fatal: false });
		return stream;
	}

	private recognizerStream(streamId: string): RecognizerStream {
		const stream = this.stream(streamId);
		if (stream.role !== 'recognizer') throw wrongWorker('recognize', this.role);
		return stream;
	}

	private inOrder<T>(request: { type: string; streamId: string }, work: (stream: VadStream) => Promise<T>): Promise<T> {
		const stream = this.stream(request.streamId);
		if (stream.role !== 'vad') throw wrongWorker(request.type, this.role);
		const result = stream.chain.then(() => work(stream));
		stream.chain = result.catch(() => undefined);
		return result;
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
	return { role: 'vad', keys, segmenter, punctuator, punctuationCache: new PunctuationCache(), chain: Promise.resolve() };
}

async function openRecognizer(config: StreamConfig, acquire: Acquire, keys: string[]): Promise<RecognizerStream> {
	const { models } = config;
	const threads = models.threads ?? 1;
	const quantized = models.quantized ?? false;
	const recognizer = await acquire(`asr:${models.asrDir}:${precision(quantized)}:${threads}`, () => loadRecognizer(models.asrDir, quantized, threads), (r) => r.paraformer.release());
	return { role: 'recognizer', keys, recognizer, provisional: null };
}

async function punctuate(stream: VadStream, textRaw: string): Promise<string> {
	if (!stream.punctuator || textRaw.length === 0) return textRaw;
	return (await stream.punctuator.punctuate(textRaw, stream.punctuationCache)).text;
}

async function loadRecognizer(dir: string, quantized: boolean, threads: number): Promise<Recognizer> {
	const paraformer = await Paraformer.load(dir, { quantized, threads });
	const batcher = new Batcher<FeatureMatrix, string>(
		async (fbanks) => (await paraformer.recognizeFbank(fbanks)).map((result) => result.text),
		(fbank) => fbank.rows,
		recognitionBatchSize(threads),
	);
	return { paraformer, batcher };
}

function precision(quantized: boolean): string {
	return quantized ? 'int8' : 'fp32';
}

function wrongWorker(request: string, role: WorkerRole): EngineError {
	return new EngineError('WORKER_FAILED', `A "${request}" request reached the ${role} worker.`, 'This is a bug; please report it with the log.', { fatal: false });
}

function vadOverrides(config: StreamConfig): Partial<VadOptions> {
	return {
		...(config.vad?.maxEndSilenceMs !== undefined ? { maxEndSilenceMs: config.vad.maxEndSilenceMs } : {}),
		...(config.vad?.maxSegmentMs !== undefined ? { maxSegmentMs: config.vad.maxSegmentMs } : {}),
	};
}
