import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { EngineError, errorMessage } from '../errors.js';
import { acquireInferenceClient, type InferenceClient } from '../runtime/inference-client.js';
import { recognitionsInFlight } from '../runtime/batcher.js';
import type {
	ModelKind,
	RecognizerOutput,
	VadOutput,
	Segment,
	StreamConfig,
} from '../runtime/inference-protocol.js';
import { inSession } from '../asr/timed-words.js';
import {
	SentenceAssembly,
	type SentenceTags,
	type SessionSegmentText,
} from '../sentences/sentence-assembly.js';
import { OUTPUT_SAMPLE_RATE } from '../source/ffmpeg-args.js';
import type { StreamError } from '../source/ffmpeg-failure.js';
import { describeStream, FfmpegSource, validateSourceOptions } from '../source/ffmpeg-source.js';
import { inputExtent } from '../source/input-extent.js';
import type { StreamInput } from '../source/stream-url.js';
import { Backoff } from './backoff.js';
import type { ConnectionWatch } from './connection-watch.js';
import { RecognitionQueue } from './recognition-queue.js';
import { openStreamConnection } from './stream-connection.js';
import type { LivePipelineOptions } from '../config.js';
import type { LivePipelineEvents } from './events.js';
import { VadFeed } from './vad-feed.js';

const SAMPLES_PER_MS = OUTPUT_SAMPLE_RATE / 1000;
/**
 * Live inputs: once a sentence's trailing silence has lasted this long (past the VAD window's
 * switch to silence, ~50 ms after the voice stops), an idle recognizer starts on it, so that its
 * text is ready, or nearly, when the VAD confirms the end (max end silence − 150 ms later: 650 ms
 * by default). A pause that turns out shorter wastes that run, on an otherwise idle recognizer.
 */
export const PROVISIONAL_AFTER_MS = 200;

/** A segment to recognize, with its session: queued, then running, until its text is delivered. */
interface RecognitionJob extends Segment {
	sessionId: string;
	/** Wall-clock ms of the session's first sample. */
	sessionStartedAt: number;
	durationSeconds: number;
}

type State = 'idle' | 'connecting' | 'streaming' | 'waiting' | 'finished' | 'closed';

/** One connection's audio, from its first sample: its clock and its feed to the VAD. */
interface Session {
	id: string;
	/** Wall-clock ms of the session's first sample (estimated). */
	startedAt: number;
	connectedAt: number;
	receivedMs: number;
	feed: VadFeed;
}

/**
 * One live stream: ffmpeg → VAD worker → bounded queue → recognizer worker (Paraformer) →
 * punctuation (in the VAD worker, in spoken order) → sentences. Supervises the connection: a
 * dropped or stalled stream is flushed (the sentence in progress is kept) and reconnected with
 * backoff; fatal configuration errors stop it.
 */
export class LivePipeline extends EventEmitter<LivePipelineEvents> {
	private readonly streamId = randomUUID();
	private readonly options: LivePipelineOptions;
	private readonly stream: string;
	private readonly backoff: Backoff;
	private readonly queue: RecognitionQueue<RecognitionJob, RecognizerOutput | null>;
	private state: State = 'idle';
	/** The kinds of model start() had to load; the others were loaded already (another stream's, or kept warm). */
	modelsLoaded: readonly ModelKind[] = [];
	private worker: { client: InferenceClient; release: () => Promise<void> } | null = null;
	private source: FfmpegSource | null = null;
	private input: StreamInput | null = null;
	private session: Session | null = null;
	private readonly sentences = new SentenceAssembly();
	private queueFull = false;
	private vadBehind = false;
	private paused = false;
	private reconnectTimer: NodeJS.Timeout | null = null;
	private watch: ConnectionWatch | null = null;
	/** Resolves on close(): a consumer's `ready` must not hold a closing pipeline. */
	private readonly closing: Promise<void>;
	private markClosing: () => void = () => undefined;
	private totalDroppedSeconds = 0;
	private stopCrashListener: (() => void) | null = null;
	/** The models are loading: a close then must not queue behind the load. */
	private opening = false;
	/** Provisional segments recognized during their trailing silence, and how many of those texts a closed segment took. */
	readonly earlyRecognitions = { started: 0, used: 0 };

	constructor(options: LivePipelineOptions) {
		super();
		this.options = options;
		this.closing = new Promise((resolve) => (this.markClosing = resolve));
		this.stream = describeStream(options);
		this.backoff = new Backoff(options.reconnect);
		this.queue = new RecognitionQueue<RecognitionJob, RecognizerOutput | null>(
			options.queue ?? {},
			{
				recognize: (segment) => this.recognize(segment),
				deliver: async (segment, result) => {
					if (!result) return;
					const tokens = result.timedTokens
						? inSession(result.timedTokens, segment.startMs)
						: undefined;
					this.emitSentences({
						...segment,
						textRaw: result.textRaw,
						text: result.punctuated ? result.textRaw : await this.punctuate(result.textRaw),
						...(tokens ? { tokens } : {}),
						...tagsOf(result),
					});
				},
				dropped: (segments, reason) => this.reportDropped(segments, reason),
				pressure: (full) => {
					this.queueFull = full;
					this.updateFlow();
				},
			},
			recognitionsInFlight(options.models),
		);
	}

	get running(): boolean {
		return this.state !== 'idle' && this.state !== 'finished' && this.state !== 'closed';
	}

	/** Loads the models (rejecting on a fatal misconfiguration), then connects in the background. */
	async start(): Promise<void> {
		if (this.state !== 'idle')
			throw new EngineError(
				'BAD_OPTION',
				'This pipeline was already started.',
				'Create a new one.',
			);
		this.input = validateSourceOptions(this.options);
		this.state = 'connecting';
		const config: StreamConfig = {
			models: this.options.models,
			...(this.options.vad ? { vad: this.options.vad } : {}),
			...(this.recognizesEarly() ? { provisionalAfterMs: PROVISIONAL_AFTER_MS } : {}),
			...(this.options.hotwords ? { hotwords: this.options.hotwords } : {}),
			...(this.options.hotwordsIfSupported
				? { hotwordsIfSupported: this.options.hotwordsIfSupported }
				: {}),
			...(this.options.keepWarmMs ? { keepWarmMs: this.options.keepWarmMs } : {}),
			...(this.options.language ? { language: this.options.language } : {}),
			...(this.options.itn !== undefined ? { itn: this.options.itn } : {}),
		};
		this.worker = acquireInferenceClient(this.options.keepWarmMs);
		this.stopCrashListener = this.worker.client.onCrash((crash) => {
			if (crash.streams.includes(this.streamId)) {
				const lost =
					crash.role === 'vad'
						? 'speech around the crash may be missing'
						: 'recognitions in flight were retried once';
				this.emit(
					'warning',
					new EngineError(
						'WORKER_FAILED',
						`The ${crash.role} worker crashed (${crash.error}) and was restarted; ${lost}.`,
						'If this repeats, check memory and the model files.',
						{ fatal: false },
					),
				);
			}
		});
		try {
			this.opening = true;
			const { warnings, loaded } = await this.worker.client.open(this.streamId, config);
			this.modelsLoaded = loaded;
			for (const warning of warnings) this.emit('warning', warning);
		} catch (error) {
			await this.releaseWorker();
			this.state = 'closed';
			throw error;
		} finally {
			this.opening = false;
		}
		if (this.state === 'connecting') this.connect();
	}

	/** Stops everything: resolves when ffmpeg has exited, the worker is released and no timer is left. */
	async close(): Promise<void> {
		if (this.state === 'closed') return;
		this.state = 'closed';
		this.markClosing();
		this.clearTimers();
		const source = this.source;
		this.source = null;
		await source?.stop();
		await this.session?.feed.drain();
		await this.queue.close();
		await this.releaseWorker();
	}

	private connect(): void {
		this.state = 'connecting';
		const { source, watch } = openStreamConnection(
			this.input!,
			this.options,
			this.stream,
			() => this.paused,
			{
				audio: (from, samples) => this.onAudio(from, samples),
				exit: (from, error) => void this.onExit(from, error),
			},
		);
		this.source = source;
		this.watch = watch;
		this.session = null;
		this.paused = false;
		this.updateFlow();
	}

	private onAudio(source: FfmpegSource, samples: Float32Array): void {
		if (source !== this.source) return;
		const now = Date.now();
		if (!this.session) {
			this.session = this.startSession(now - samples.length / SAMPLES_PER_MS);
			this.state = 'streaming';
			this.emit('status', { type: 'connected', sessionId: this.session.id, stream: this.stream });
		}
		this.watch?.audio();
		this.session.receivedMs += samples.length / SAMPLES_PER_MS;
		// Live audio cannot arrive before it was spoken: the earliest `arrival − audio so far` is the
		// best estimate of the session's start (ffmpeg's probed audio arrives as one late burst).
		if (!this.endsByItself(source))
			this.session.startedAt = Math.min(this.session.startedAt, now - this.session.receivedMs);
		this.session.feed.push(samples);
	}

	/** One connection's session, its audio on the way to the VAD through a feed of its own. */
	private startSession(startedAt: number): Session {
		const now = Date.now();
		const session: Session = {
			id: randomUUID(),
			startedAt,
			connectedAt: now,
			receivedMs: 0,
			feed: new VadFeed(
				this.worker!.client,
				this.streamId,
				{
					segmented: (output, caughtUp) => this.onVadOutput(session, output, caughtUp),
					failed: (error) => this.warn(error),
					pressure: (full) => {
						this.vadBehind = full;
						this.updateFlow();
					},
				},
				{ onBeat: this.isLiveInput() },
			),
		};
		return session;
	}

	private onVadOutput(
		session: Session,
		{ closed, provisional }: VadOutput,
		caughtUp: boolean,
	): void {
		this.enqueue(closed, session);
		// Only at the live edge: behind it, the VAD is about to close (or extend) the segment anyway.
		if (!provisional || !caughtUp || !this.worker || this.isClosed()) return;
		this.worker.client.recognizeProvisional(this.streamId, provisional).then(
			(started) => {
				if (started) this.earlyRecognitions.started++;
			},
			() => undefined,
		);
	}

	/** Pauses the reader while the queue is full (backpressure policy) or the VAD lags far behind. */
	private updateFlow(): void {
		const pause = this.queueFull || this.vadBehind;
		if (pause === this.paused) return;
		this.paused = pause;
		if (pause) this.source?.pause();
		else this.source?.resume();
	}

	/** After ffmpeg has exited: no error is a clean end of input. */
	private async onExit(source: FfmpegSource, error?: StreamError): Promise<void> {
		if (source !== this.source) return;
		this.source = null;
		this.clearTimers();
		const session = this.session;
		await session?.feed.drain();
		if (session && this.worker) {
			try {
				this.enqueue(await this.worker.client.flush(this.streamId), session);
			} catch (error) {
				this.warn(error);
			}
			this.backoff.healthyFor(Date.now() - session.connectedAt);
		}
		if (this.isClosed()) return;
		const reason = error ? error.message : 'end of stream';
		if (session)
			this.emit('status', {
				type: 'disconnected',
				sessionId: session.id,
				stream: this.stream,
				reason,
			});
		if (error?.fatal) {
			this.state = 'finished';
			this.emit('error', error);
			return;
		}
		if (!error && this.endsByItself(source)) {
			await this.queue.drain();
			if (this.isClosed()) return;
			this.state = 'finished';
			this.emit('end');
			return;
		}
		if (error) this.emit('warning', error);
		this.scheduleReconnect();
	}

	private scheduleReconnect(): void {
		this.state = 'waiting';
		const delayMs = this.backoff.next();
		this.emit('status', {
			type: 'reconnecting',
			stream: this.stream,
			attempt: this.backoff.attempts,
			delayMs,
		});
		this.reconnectTimer = setTimeout(() => {
			this.reconnectTimer = null;
			if (this.state === 'waiting') this.connect();
		}, delayMs);
	}

	private enqueue(segments: Segment[], session: Session): void {
		const closedAt = performance.now();
		for (const segment of segments) {
			this.emit('segment', {
				sessionId: session.id,
				startMs: segment.startMs,
				endMs: segment.endMs,
				closedAt,
			});
			if (this.state === 'closed') continue;
			this.queue.push({
				...segment,
				sessionId: session.id,
				sessionStartedAt: session.startedAt,
				durationSeconds: (segment.endMs - segment.startMs) / 1000,
			});
		}
	}

	/** The text of one segment, before punctuation; null when it could not be had (reported). */
	private async recognize(segment: RecognitionJob): Promise<RecognizerOutput | null> {
		if (this.options.ready) await Promise.race([this.options.ready(), this.closing]);
		const client = this.worker?.client;
		if (!client || this.isClosed()) {
			this.reportDropped([segment], 'closed');
			return null;
		}
		try {
			const result = await client.recognize(this.streamId, segment.fbank, segment.provisionalId);
			if (result.early) this.earlyRecognitions.used++;
			return result;
		} catch (error) {
			this.warn(error);
			this.reportDropped([segment], 'failed');
			return null;
		}
	}

	/** In spoken order (the queue delivers so): punctuation carries context from one sentence to the next. */
	private async punctuate(textRaw: string): Promise<string> {
		try {
			return (await this.worker?.client.punctuate(this.streamId, textRaw)) ?? textRaw;
		} catch (error) {
			this.warn(error);
			return textRaw;
		}
	}

	private emitSentences(segment: SessionSegmentText): void {
		for (const sentence of this.sentences.sentencesOf(segment)) {
			try {
				this.emit('sentence', sentence);
			} catch (error) {
				// A listener's bug must neither stop the stream nor pass unseen.
				this.emit(
					'warning',
					new EngineError(
						'LISTENER_FAILED',
						`A 'sentence' listener threw on sentence ${sentence.index} (${errorMessage(error)}): the listeners after it missed that sentence.`,
						'Fix the code that handles the sentence event.',
						{ fatal: false },
					),
				);
			}
		}
	}

	private reportDropped(
		segments: RecognitionJob[],
		reason: 'overflow' | 'closed' | 'failed',
	): void {
		const seconds = segments.reduce((sum, segment) => sum + segment.durationSeconds, 0);
		this.totalDroppedSeconds += seconds;
		if (reason === 'overflow') {
			this.emit('status', {
				type: 'overflow',
				stream: this.stream,
				droppedSeconds: round(seconds),
				totalDroppedSeconds: round(this.totalDroppedSeconds),
			});
			return;
		}
		const why =
			reason === 'closed'
				? 'the pipeline was closed before they were recognized'
				: 'recognition failed twice';
		this.emit(
			'warning',
			new EngineError(
				'WORKER_FAILED',
				`${segments.length} speech segment(s) (${round(seconds)} s) from ${this.stream} were not transcribed: ${why}.`,
				'',
				{ fatal: false },
			),
		);
	}

	/** State changes while awaiting: a fresh read, not the narrowed one. */
	private isClosed(): boolean {
		return this.state === 'closed';
	}

	/** Provisional segments are recognized early for live inputs, where a caption's delay matters; a file is read faster than real time. */
	private recognizesEarly(): boolean {
		return this.isLiveInput() && (this.options.earlyRecognition ?? true);
	}

	/** Audio arriving in real time, not a file read as fast as ffmpeg can. */
	private isLiveInput(): boolean {
		return !(this.options.finishAtEnd ?? inputExtent(this.input!) === 'finite');
	}

	/** At a clean end, whether this input is over (finish once) rather than disconnected (reconnect). */
	private endsByItself(source: FfmpegSource): boolean {
		return this.options.finishAtEnd ?? source.extent === 'finite';
	}

	private warn(error: unknown): void {
		if (this.state === 'closed') return;
		this.emit(
			'warning',
			error instanceof EngineError
				? error
				: new EngineError('WORKER_FAILED', String(error), '', { fatal: false }),
		);
	}

	private clearTimers(): void {
		if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
		this.watch?.stop();
		this.reconnectTimer = null;
		this.watch = null;
	}

	private async releaseWorker(): Promise<void> {
		this.stopCrashListener?.();
		this.stopCrashListener = null;
		const worker = this.worker;
		this.worker = null;
		if (!worker) return;
		// Closed during the load: the worker closes the stream after it (or dies with it); nobody waits.
		const closed = worker.client.close(this.streamId).catch(() => undefined);
		if (!this.opening) await closed;
		await worker.release();
	}
}

function round(seconds: number): number {
	return Math.round(seconds * 100) / 100;
}

/** SenseVoice's language, emotion and events, as far as the recognizer gave them. */
function tagsOf({ language, emotion, events }: RecognizerOutput): SentenceTags {
	return {
		...(language !== undefined ? { language } : {}),
		...(emotion !== undefined ? { emotion } : {}),
		...(events ? { events } : {}),
	};
}
