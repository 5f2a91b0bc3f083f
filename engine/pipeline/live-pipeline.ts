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
import { RecognitionQueue } from './recognition-queue.js';
import { StreamSupervisor, type StreamSession } from './stream-supervisor.js';
import type { LivePipelineOptions } from '../config.js';
import type { LivePipelineEvents } from './events.js';
import { VadFeed } from './vad-feed.js';

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

/** One connection's audio, from its first sample: its clock and its feed to the VAD. */
interface Session extends StreamSession {
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
	private readonly supervisor: StreamSupervisor<Session>;
	private readonly queue: RecognitionQueue<RecognitionJob, RecognizerOutput | null>;
	/** The kinds of model start() had to load; the others were loaded already (another stream's, or kept warm). */
	modelsLoaded: readonly ModelKind[] = [];
	private worker: { client: InferenceClient; release: () => Promise<void> } | null = null;
	private readonly sentences = new SentenceAssembly();
	private queueFull = false;
	private vadBehind = false;
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
		this.supervisor = new StreamSupervisor<Session>(options, this, {
			session: (clock) => this.startSession(clock),
			audio: (session, samples) => session.feed.push(samples),
			exited: (session) => this.flushSession(session),
			ended: () => this.finishInput(),
		});
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
		return this.supervisor.running;
	}

	/** Loads the models (rejecting on a fatal misconfiguration), then connects in the background. */
	async start(): Promise<void> {
		if (this.supervisor.state !== 'idle')
			throw new EngineError(
				'BAD_OPTION',
				'This pipeline was already started.',
				'Create a new one.',
			);
		this.supervisor.begin();
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
			await this.supervisor.close();
			throw error;
		} finally {
			this.opening = false;
		}
		if (!this.isClosed()) this.supervisor.connect();
	}

	/** Stops everything: resolves when ffmpeg has exited, the worker is released and no timer is left. */
	async close(): Promise<void> {
		if (this.isClosed()) return;
		this.markClosing();
		await this.supervisor.close();
		await this.supervisor.session?.feed.drain();
		await this.queue.close();
		await this.releaseWorker();
	}

	/** One connection's session, its audio on the way to the VAD through a feed of its own. */
	private startSession(clock: StreamSession): Session {
		const session: Session = {
			...clock,
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
				{ onBeat: this.supervisor.isLiveInput() },
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
		this.supervisor.hold(this.queueFull || this.vadBehind);
	}

	/** ffmpeg exited: what the VAD still holds of the session becomes its last segments. */
	private async flushSession(session: Session | null): Promise<void> {
		if (!session) return;
		await session.feed.drain();
		if (!this.worker) return;
		try {
			this.enqueue(await this.worker.client.flush(this.streamId), session);
		} catch (error) {
			this.warn(error);
		}
	}

	/** A finite input ended: 'end' once every segment is delivered. */
	private async finishInput(): Promise<void> {
		await this.queue.drain();
		if (this.isClosed()) return;
		this.supervisor.finish();
		this.emit('end');
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
			if (this.isClosed()) continue;
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
				stream: this.supervisor.stream,
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
				`${segments.length} speech segment(s) (${round(seconds)} s) from ${this.supervisor.stream} were not transcribed: ${why}.`,
				'',
				{ fatal: false },
			),
		);
	}

	/** State changes while awaiting: a fresh read, not the narrowed one. */
	private isClosed(): boolean {
		return this.supervisor.state === 'closed';
	}

	/** Provisional segments are recognized early for live inputs, where a caption's delay matters; a file is read faster than real time. */
	private recognizesEarly(): boolean {
		return this.supervisor.isLiveInput() && (this.options.earlyRecognition ?? true);
	}

	private warn(error: unknown): void {
		if (this.isClosed()) return;
		this.emit(
			'warning',
			error instanceof EngineError
				? error
				: new EngineError('WORKER_FAILED', String(error), '', { fatal: false }),
		);
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
