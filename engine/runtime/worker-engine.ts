import { Paraformer } from '../asr/paraformer.js';
import { EngineError } from '../errors.js';
import { AudioHistory } from '../pipeline/audio-history.js';
import { PunctuationCache, Punctuator } from '../punctuation/ct-transformer.js';
import { FsmnVadModel } from '../vad/fsmn-vad-model.js';
import { StreamingVad, type VadSegment } from '../vad/streaming-vad.js';
import { Batcher } from './batcher.js';
import type { RecognitionResult, SegmentAudio, StreamConfig, WorkerRequest, WorkerResults } from './inference-protocol.js';
import { SharedModels } from './shared-models.js';

/** Audio kept beyond the longest segment: VAD look-back and detection delay. */
const HISTORY_MARGIN_MS = 5000;
const DEFAULT_MAX_SEGMENT_MS = 60_000;

interface Recognizer {
	batcher: Batcher<Float32Array, string>;
}

interface Stream {
	config: StreamConfig;
	keys: string[];
	vadModel: FsmnVadModel;
	vad: StreamingVad;
	history: AudioHistory;
	recognizer: Recognizer;
	punctuator: Punctuator | null;
	punctuationCache: PunctuationCache;
	/** Audio and flushes of one stream are handled strictly in order. */
	chain: Promise<unknown>;
}

/**
 * Everything the inference worker does, as plain async methods so it can be tested in-process:
 * per-stream VAD state and audio history, and models shared by every stream that uses them.
 */
export class WorkerEngine {
	private readonly models = new SharedModels();
	private readonly streams = new Map<string, Stream>();

	get loadedModels(): string[] {
		return this.models.loadedKeys;
	}

	async handle<K extends WorkerRequest['type']>(request: Extract<WorkerRequest, { type: K }>): Promise<WorkerResults[K]>;
	async handle(request: WorkerRequest): Promise<unknown> {
		switch (request.type) {
			case 'open':
				await this.open(request.streamId, request.config);
				return null;
			case 'audio':
				return this.inOrder(request.streamId, (stream) => this.accept(stream, request.samples));
			case 'flush':
				return this.inOrder(request.streamId, (stream) => this.flush(stream));
			case 'recognize':
				return this.recognize(this.stream(request.streamId), request.samples);
			case 'close':
				await this.close(request.streamId);
				return null;
		}
	}

	private async open(streamId: string, config: StreamConfig): Promise<void> {
		if (this.streams.has(streamId)) throw new EngineError('BAD_OPTION', `Stream ${streamId} is already open.`, 'Close it first.');
		const { models } = config;
		const threads = models.threads ?? 1;
		const vadKey = `vad:${models.vadDir}`;
		const asrKey = `asr:${models.asrDir}:${models.quantized ? 'int8' : 'fp32'}:${threads}`;
		const puncKey = models.puncDir ? `punc:${models.puncDir}:${models.quantized ? 'int8' : 'fp32'}` : null;
		const acquired: string[] = [];
		try {
			const vadModel = await this.models.acquire(vadKey, () => FsmnVadModel.load(models.vadDir), (model) => model.release());
			acquired.push(vadKey);
			const recognizer = await this.models.acquire(asrKey, () => loadRecognizer(models.asrDir, models.quantized ?? false, threads), (r) => r.paraformer.release());
			acquired.push(asrKey);
			let punctuator: Punctuator | null = null;
			if (puncKey && models.puncDir) {
				const puncDir = models.puncDir;
				punctuator = await this.models.acquire(puncKey, () => Punctuator.load(puncDir, { quantized: models.quantized ?? false }), (p) => p.release());
				acquired.push(puncKey);
			}
			const vad = new StreamingVad(vadModel, vadOverrides(config));
			const maxSegmentMs = config.vad?.maxSegmentMs ?? DEFAULT_MAX_SEGMENT_MS;
			this.streams.set(streamId, {
				config,
				keys: acquired,
				vadModel,
				vad,
				history: new AudioHistory(maxSegmentMs + HISTORY_MARGIN_MS),
				recognizer,
				punctuator,
				punctuationCache: new PunctuationCache(),
				chain: Promise.resolve(),
			});
		} catch (error) {
			await Promise.all(acquired.map((key) => this.models.release(key)));
			throw error;
		}
	}

	private async accept(stream: Stream, samples: Float32Array): Promise<SegmentAudio[]> {
		stream.history.append(samples);
		return this.cut(stream, await stream.vad.accept(samples));
	}

	/** End of a connection: the segment in progress becomes final; the next audio starts a new session. */
	private async flush(stream: Stream): Promise<SegmentAudio[]> {
		const segments = this.cut(stream, await stream.vad.finish());
		stream.vad = new StreamingVad(stream.vadModel, vadOverrides(stream.config));
		stream.history = new AudioHistory((stream.config.vad?.maxSegmentMs ?? DEFAULT_MAX_SEGMENT_MS) + HISTORY_MARGIN_MS);
		return segments;
	}

	private cut(stream: Stream, segments: VadSegment[]): SegmentAudio[] {
		const cut = segments.map((segment) => ({ ...segment, samples: stream.history.slice(segment.startMs, segment.endMs) }));
		const last = segments.at(-1);
		if (last) stream.history.forgetBefore(last.endMs);
		return cut;
	}

	private async recognize(stream: Stream, samples: Float32Array): Promise<RecognitionResult> {
		const textRaw = await stream.recognizer.batcher.run(samples);
		if (!stream.punctuator || textRaw.length === 0) return { textRaw, text: textRaw };
		return { textRaw, text: (await stream.punctuator.punctuate(textRaw, stream.punctuationCache)).text };
	}

	private async close(streamId: string): Promise<void> {
		const stream = this.streams.get(streamId);
		if (!stream) return;
		this.streams.delete(streamId);
		await stream.chain.catch(() => undefined);
		await Promise.all(stream.keys.map((key) => this.models.release(key)));
	}

	private stream(streamId: string): Stream {
		const stream = this.streams.get(streamId);
		if (!stream) throw new EngineError('BAD_OPTION', `Stream ${streamId} is not open.`, 'Open it before sending audio.', { fatal: false });
		return stream;
	}

	private inOrder<T>(streamId: string, work: (stream: Stream) => Promise<T>): Promise<T> {
		const stream = this.stream(streamId);
		const result = stream.chain.then(() => work(stream));
		stream.chain = result.catch(() => undefined);
		return result;
	}
}

async function loadRecognizer(dir: string, quantized: boolean, threads: number): Promise<Recognizer & { paraformer: Paraformer }> {
	const paraformer = await Paraformer.load(dir, { quantized, threads });
	const batcher = new Batcher<Float32Array, string>(
		async (segments) => (await paraformer.recognize(segments)).map((result) => result.text),
		(segment) => segment.length,
	);
	return { paraformer, batcher };
}

function vadOverrides(config: StreamConfig) {
	return {
		...(config.vad?.maxEndSilenceMs !== undefined ? { maxEndSilenceMs: config.vad.maxEndSilenceMs } : {}),
		...(config.vad?.maxSegmentMs !== undefined ? { maxSegmentMs: config.vad.maxSegmentMs } : {}),
	};
}
