import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { splitSentences } from '../emitter/sentences.js';
import { EngineError } from '../errors.js';
import { acquireInferenceClient, type InferenceClient } from '../runtime/inference-client.js';
import { recognitionBatchSize } from '../runtime/batcher.js';
import type { RecognitionResult, SpeechSegment, StreamConfig } from '../runtime/inference-protocol.js';
import { Backoff } from './backoff.js';
import { RecognitionQueue } from './recognition-queue.js';
import { AudioSource, describeStream, validateSourceOptions, type SourceExit } from './source-adapter.js';
import type { LivePipelineEvents, LivePipelineOptions, Sentence } from './types.js';

export const DEFAULT_STALL_TIMEOUT_MS = 10_000;
/** Live packets are 20–40 ms; the VAD runs per ~100 ms instead, which costs far less per audio second. */
const SEND_SAMPLES = 1600;
/** Flow control: a reader far ahead of the VAD (a file decoded at full speed) waits for it. */
const MAX_CHUNKS_IN_FLIGHT = 32;

interface PendingSegment extends SpeechSegment {
	sessionId: string;
	/** Wall-clock ms of the session's first sample. */
	sessionStartedAt: number;
	durationSeconds: number;
}

type State = 'idle' | 'connecting' | 'streaming' | 'waiting' | 'finished' | 'closed';

/**
 * One live stream: ffmpeg → VAD worker → bounded queue → recognizer worker (Paraformer,
 * punctuation) → sentences. Supervises the connection: a dropped or stalled stream is flushed (the sentence in
 * progress is kept) and reconnected with backoff; fatal configuration errors stop it.
 */
export class LivePipeline extends EventEmitter<LivePipelineEvents> {
	private readonly streamId = randomUUID();
	private readonly options: LivePipelineOptions;
	private readonly stream: string;
	private readonly backoff: Backoff;
	private readonly queue: RecognitionQueue<PendingSegment, RecognitionResult | null>;
	private state: State = 'idle';
	private worker: { client: InferenceClient; release: () => Promise<void> } | null = null;
	private source: AudioSource | null = null;
	private session: { id: string; startedAt: number; connectedAt: number; lastAudioAt: number; receivedMs: number } | null = null;
	private audioChain: Promise<void> = Promise.resolve();
	private unsent: Float32Array[] = [];
	private unsentSamples = 0;
	private chunksInFlight = 0;
	private queueFull = false;
	private paused = false;
	private reconnectTimer: NodeJS.Timeout | null = null;
	private watchdog: NodeJS.Timeout | null = null;
	private nextIndex = 0;
	/** Resolves on close(): a consumer's `ready` must not hold a closing pipeline. */
	private readonly closing: Promise<void>;
	private markClosing: () => void = () => undefined;
	private totalDroppedSeconds = 0;
	private stopCrashListener: (() => void) | null = null;

	constructor(options: LivePipelineOptions) {
		super();
		this.options = options;
		this.closing = new Promise((resolve) => (this.markClosing = resolve));
		this.stream = describeStream(options);
		this.backoff = new Backoff(options.reconnect);
		this.queue = new RecognitionQueue<PendingSegment, RecognitionResult | null>(
			options.queue ?? {},
			{
				recognize: (segment) => this.recognize(segment),
				deliver: (segment, result) => result && this.emitSentences(segment, result),
				dropped: (segments, reason) => this.reportDropped(segments, reason),
				pressure: (full) => {
					this.queueFull = full;
					this.updateFlow();
				},
			},
			recognitionBatchSize(options.models.threads ?? 1),
		);
	}

	get running(): boolean {
		return this.state !== 'idle' && this.state !== 'finished' && this.state !== 'closed';
	}

	/** Loads the models (rejecting on a fatal misconfiguration), then connects in the background. */
	async start(): Promise<void> {
		if (this.state !== 'idle') throw new EngineError('BAD_OPTION', 'This pipeline was already started.', 'Create a new one.');
		validateSourceOptions(this.options);
		this.state = 'connecting';
		const config: StreamConfig = { models: this.options.models, ...(this.options.vad ? { vad: this.options.vad } : {}) };
		this.worker = acquireInferenceClient();
		this.stopCrashListener = this.worker.client.onCrash((crash) => {
			if (crash.streams.includes(this.streamId)) {
				const lost = crash.role === 'vad' ? 'speech around the crash may be missing' : 'recognitions in flight were retried once';
				this.emit('warning', new EngineError('WORKER_FAILED', `The ${crash.role} worker crashed (${crash.error}) and was restarted; ${lost}.`, 'If this repeats, check memory and the model files.', { fatal: false }));
			}
		});
		try {
			await this.worker.client.open(this.streamId, config);
		} catch (error) {
			await this.releaseWorker();
			this.state = 'closed';
			throw error;
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
		await this.audioChain;
		await this.queue.close();
		await this.releaseWorker();
	}

	private connect(): void {
		this.state = 'connecting';
		const source = new AudioSource(this.options);
		this.source = source;
		this.session = null;
		source.on('audio', (samples) => this.onAudio(source, samples));
		source.once('exit', (exit) => void this.onExit(source, exit));
		source.start();
		this.paused = false;
		this.updateFlow();
	}

	private onAudio(source: AudioSource, samples: Float32Array): void {
		if (source !== this.source) return;
		const now = Date.now();
		if (!this.session) {
			this.session = { id: randomUUID(), startedAt: now - samples.length / 16, connectedAt: now, lastAudioAt: now, receivedMs: 0 };
			this.state = 'streaming';
			this.emit('status', { type: 'connected', sessionId: this.session.id, stream: this.stream });
			this.armWatchdog(source);
		}
		this.session.lastAudioAt = now;
		this.session.receivedMs += samples.length / 16;
		// Live audio cannot arrive before it was spoken: the earliest `arrival − audio so far` is the
		// best estimate of the session's start (ffmpeg's probed audio arrives as one late burst).
		if (!this.finishesAtEnd()) this.session.startedAt = Math.min(this.session.startedAt, now - this.session.receivedMs);
		this.unsent.push(samples);
		this.unsentSamples += samples.length;
		if (this.unsentSamples >= SEND_SAMPLES) this.sendAudio(this.session);
	}

	private sendAudio(session: NonNullable<LivePipeline['session']>): void {
		const client = this.worker?.client;
		if (!client || this.unsentSamples === 0) return;
		const samples = this.unsent.length === 1 ? (this.unsent[0] as Float32Array) : concat(this.unsent, this.unsentSamples);
		this.unsent = [];
		this.unsentSamples = 0;
		this.chunksInFlight++;
		this.updateFlow();
		this.audioChain = this.audioChain
			.then(() => client.audio(this.streamId, samples))
			.then((segments) => this.enqueue(segments, session), (error: unknown) => this.warn(error))
			.finally(() => {
				this.chunksInFlight--;
				this.updateFlow();
			});
	}

	/** Pauses the reader while the queue is full (backpressure policy) or the VAD lags far behind. */
	private updateFlow(): void {
		const pause = this.queueFull || this.chunksInFlight >= MAX_CHUNKS_IN_FLIGHT;
		if (pause === this.paused) return;
		this.paused = pause;
		if (pause) this.source?.pause();
		else this.source?.resume();
	}

	private async onExit(source: AudioSource, exit: SourceExit): Promise<void> {
		if (source !== this.source) return;
		this.source = null;
		this.clearTimers();
		const session = this.session;
		if (session) this.sendAudio(session);
		await this.audioChain;
		if (session && this.worker) {
			try {
				this.enqueue(await this.worker.client.flush(this.streamId), session);
			} catch (error) {
				this.warn(error);
			}
			this.backoff.healthyFor(Date.now() - session.connectedAt);
		}
		if (this.isClosed()) return;
		const reason = exit.error ? exit.error.message : 'end of stream';
		if (session) this.emit('status', { type: 'disconnected', sessionId: session.id, stream: this.stream, reason });
		if (exit.error?.fatal) {
			this.state = 'finished';
			this.emit('error', exit.error);
			return;
		}
		if (!exit.error && this.finishesAtEnd()) {
			await this.queue.drain();
			if (this.isClosed()) return;
			this.state = 'finished';
			this.emit('end');
			return;
		}
		if (exit.error) this.emit('warning', exit.error);
		this.scheduleReconnect();
	}

	private scheduleReconnect(): void {
		this.state = 'waiting';
		const delayMs = this.backoff.next();
		this.emit('status', { type: 'reconnecting', stream: this.stream, attempt: this.backoff.attempts, delayMs });
		this.reconnectTimer = setTimeout(() => {
			this.reconnectTimer = null;
			if (this.state === 'waiting') this.connect();
		}, delayMs);
	}

	/** Stall detection watches the bytes: a stalled publisher leaves ffmpeg blocked, not exited. */
	private armWatchdog(source: AudioSource): void {
		const timeoutMs = this.options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
		const check = () => {
			this.watchdog = null;
			if (source !== this.source || !this.session) return;
			// A reader paused on purpose receives nothing; that is not a stall.
			if (this.paused) this.session.lastAudioAt = Date.now();
			const silentFor = Date.now() - this.session.lastAudioAt;
			if (silentFor >= timeoutMs) {
				source.fail(new EngineError('STREAM_STALLED', `No audio from ${this.stream} for ${Math.round(silentFor / 1000)} s.`, 'The publisher stalled or the network is down; reconnecting.', { fatal: false }));
				return;
			}
			this.watchdog = setTimeout(check, Math.max(100, timeoutMs - silentFor));
		};
		this.watchdog = setTimeout(check, timeoutMs);
	}

	private enqueue(segments: SpeechSegment[], session: NonNullable<LivePipeline['session']>): void {
		const closedAt = performance.now();
		for (const segment of segments) {
			this.emit('segment', { sessionId: session.id, startMs: segment.startMs, endMs: segment.endMs, closedAt });
			if (this.state === 'closed') continue;
			this.queue.push({ ...segment, sessionId: session.id, sessionStartedAt: session.startedAt, durationSeconds: (segment.endMs - segment.startMs) / 1000 });
		}
	}

	/** The text of one segment; null when it could not be had (reported). */
	private async recognize(segment: PendingSegment): Promise<RecognitionResult | null> {
		if (this.options.ready) await Promise.race([this.options.ready(), this.closing]);
		const client = this.worker?.client;
		if (!client || this.isClosed()) {
			this.reportDropped([segment], 'closed');
			return null;
		}
		try {
			return await client.recognize(this.streamId, segment.fbank);
		} catch (error) {
			this.warn(error);
			this.reportDropped([segment], 'failed');
			return null;
		}
	}

	private emitSentences(segment: PendingSegment, result: RecognitionResult): void {
		for (const part of splitSentences({ text: result.text, textRaw: result.textRaw, startMs: segment.startMs, endMs: segment.endMs })) {
			const emittedAt = Date.now();
			const sentence: Sentence = {
				text: part.text,
				textRaw: part.textRaw,
				index: this.nextIndex++,
				sessionId: segment.sessionId,
				startMs: Math.round(part.startMs),
				endMs: Math.round(part.endMs),
				startedAt: new Date(segment.sessionStartedAt + part.startMs).toISOString(),
				endedAt: new Date(segment.sessionStartedAt + part.endMs).toISOString(),
				durationMs: Math.round(part.endMs - part.startMs),
				latencyMs: Math.max(0, Math.round(emittedAt - (segment.sessionStartedAt + segment.endMs))),
			};
			this.emit('sentence', sentence);
		}
	}

	private reportDropped(segments: PendingSegment[], reason: 'overflow' | 'closed' | 'failed'): void {
		const seconds = segments.reduce((sum, segment) => sum + segment.durationSeconds, 0);
		this.totalDroppedSeconds += seconds;
		if (reason === 'overflow') {
			this.emit('status', { type: 'overflow', stream: this.stream, droppedSeconds: round(seconds), totalDroppedSeconds: round(this.totalDroppedSeconds) });
			return;
		}
		const why = reason === 'closed' ? 'the pipeline was closed before they were recognised' : 'recognition failed twice';
		this.emit('warning', new EngineError('WORKER_FAILED', `${segments.length} speech segment(s) (${round(seconds)} s) from ${this.stream} were not transcribed: ${why}.`, '', { fatal: false }));
	}

	/** State changes while awaiting: a fresh read, not the narrowed one. */
	private isClosed(): boolean {
		return this.state === 'closed';
	}

	private finishesAtEnd(): boolean {
		return this.options.finishAtEnd ?? !/^[a-z][a-z0-9+.-]*:\/\//i.test(this.options.url);
	}

	private warn(error: unknown): void {
		if (this.state === 'closed') return;
		this.emit('warning', error instanceof EngineError ? error : new EngineError('WORKER_FAILED', String(error), '', { fatal: false }));
	}

	private clearTimers(): void {
		if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
		if (this.watchdog) clearTimeout(this.watchdog);
		this.reconnectTimer = null;
		this.watchdog = null;
	}

	private async releaseWorker(): Promise<void> {
		this.stopCrashListener?.();
		this.stopCrashListener = null;
		const worker = this.worker;
		this.worker = null;
		if (!worker) return;
		await worker.client.close(this.streamId).catch(() => undefined);
		await worker.release();
	}
}

function concat(chunks: readonly Float32Array[], length: number): Float32Array {
	const joined = new Float32Array(length);
	let offset = 0;
	for (const chunk of chunks) {
		joined.set(chunk, offset);
		offset += chunk.length;
	}
	return joined;
}

function round(seconds: number): number {
	return Math.round(seconds * 100) / 100;
}
