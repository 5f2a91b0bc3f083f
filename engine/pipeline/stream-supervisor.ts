import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { LivePipelineOptions } from '../config.js';
import { OUTPUT_SAMPLE_RATE } from '../source/ffmpeg-args.js';
import type { StreamError } from '../source/ffmpeg-failure.js';
import { describeStream, FfmpegSource, validateSourceOptions } from '../source/ffmpeg-source.js';
import { inputExtent } from '../source/input-extent.js';
import type { StreamInput } from '../source/stream-url.js';
import { Backoff } from './backoff.js';
import { ConnectionWatch } from './connection-watch.js';
import type { LivePipelineEvents } from './events.js';

const SAMPLES_PER_MS = OUTPUT_SAMPLE_RATE / 1000;

export type StreamState = 'idle' | 'connecting' | 'streaming' | 'waiting' | 'finished' | 'closed';

/** One connection's audio, from its first sample: its clock. */
export interface StreamSession {
	id: string;
	/** Wall-clock ms of the session's first sample (estimated). */
	startedAt: number;
	connectedAt: number;
	/** Audio received so far, ms. */
	receivedMs: number;
}

export type StreamSourceOptions = Pick<
	LivePipelineOptions,
	| 'url'
	| 'secrets'
	| 'ffmpegPath'
	| 'startTimeoutMs'
	| 'stallTimeoutMs'
	| 'reconnect'
	| 'finishAtEnd'
>;

/** What a pipeline does with the stream's audio and at each turn of its connection. */
export interface StreamHooks<S extends StreamSession> {
	/** A connection's first audio: the pipeline's session, built on the supervisor's clock. */
	session(clock: StreamSession): S;
	/** Audio of the current session; `atMs` is where it starts in the session. */
	audio(session: S, samples: Float32Array, atMs: number): void;
	/** ffmpeg exited: what the pipeline finishes of the session before the supervisor decides what follows. */
	exited?(session: S | null): Promise<void> | void;
	/** A fatal error stopped the stream, before the error is reported. */
	fatal?(): void;
	/** A finite input ended cleanly (the state is `waiting`): the pipeline finishes it with `finish()`. */
	ended(): Promise<void> | void;
	/** The connection dropped; a reconnect follows. */
	dropped?(): void;
}

/**
 * The stream side of either pipeline (local recognition or FunASR servers): one ffmpeg connection
 * at a time with its start-up and stall watch, a session per connection, and what follows an
 * exit: a fatal error stops, a finite input finishes, anything else reconnects with backoff.
 */
export class StreamSupervisor<S extends StreamSession> {
	state: StreamState = 'idle';
	session: S | null = null;
	readonly stream: string;
	private readonly backoff: Backoff;
	private input: StreamInput | null = null;
	private source: FfmpegSource | null = null;
	private watch: ConnectionWatch | null = null;
	private reconnectTimer: NodeJS.Timeout | null = null;
	private paused = false;

	constructor(
		private readonly options: StreamSourceOptions,
		private readonly events: EventEmitter<LivePipelineEvents>,
		private readonly hooks: StreamHooks<S>,
	) {
		this.stream = describeStream(options);
		this.backoff = new Backoff(options.reconnect);
	}

	get running(): boolean {
		return this.state !== 'idle' && this.state !== 'finished' && this.state !== 'closed';
	}

	/** ffmpeg is running. */
	get reading(): boolean {
		return this.source !== null;
	}

	/** Checks the input (throwing on a fatal misconfiguration); the caller connects when ready. */
	begin(): void {
		this.input = validateSourceOptions(this.options);
		this.state = 'connecting';
	}

	/** Audio arriving in real time, not a file read as fast as ffmpeg can. */
	isLiveInput(): boolean {
		return !(this.options.finishAtEnd ?? inputExtent(this.input!) === 'finite');
	}

	connect(): void {
		this.state = 'connecting';
		const source = new FfmpegSource({
			url: this.input!,
			secrets: this.options.secrets ?? [],
			...(this.options.ffmpegPath ? { ffmpegPath: this.options.ffmpegPath } : {}),
		});
		source.on('audio', (samples) => this.onAudio(source, samples));
		source.once('end', () => void this.onExit(source));
		source.once('error', (error) => void this.onExit(source, error));
		source.start();
		// A hold outlives the connection: the pipeline's queue is as full after a reconnect as before.
		if (this.paused) source.pause();
		this.source = source;
		this.watch = new ConnectionWatch(source, {
			stream: this.stream,
			startTimeoutMs: this.options.startTimeoutMs,
			stallTimeoutMs: this.options.stallTimeoutMs,
			paused: () => this.paused,
		});
		this.session = null;
	}

	/** Holds the reader (backpressure) or lets it go on, this connection and the next; the watch does not count held time as a stall. */
	hold(pause: boolean): void {
		if (pause === this.paused) return;
		this.paused = pause;
		if (pause) this.source?.pause();
		else this.source?.resume();
	}

	/** The finite input is over and the pipeline delivered everything. */
	finish(): void {
		if (this.state === 'closed') return;
		this.state = 'finished';
		this.clearTimers();
	}

	/** Resolves when ffmpeg has exited and no timer is left. */
	async close(): Promise<void> {
		this.state = 'closed';
		this.clearTimers();
		const source = this.source;
		this.source = null;
		await source?.stop();
	}

	private onAudio(source: FfmpegSource, samples: Float32Array): void {
		if (source !== this.source) return;
		const now = Date.now();
		const durationMs = samples.length / SAMPLES_PER_MS;
		if (!this.session) {
			this.session = this.hooks.session({
				id: randomUUID(),
				startedAt: now - durationMs,
				connectedAt: now,
				receivedMs: 0,
			});
			this.state = 'streaming';
			this.events.emit('status', {
				type: 'connected',
				sessionId: this.session.id,
				stream: this.stream,
			});
		}
		const session = this.session;
		this.watch?.audio();
		const atMs = session.receivedMs;
		session.receivedMs += durationMs;
		// Live audio cannot arrive before it was spoken: the earliest `arrival − audio so far` is the
		// best estimate of the session's start (ffmpeg's probed audio arrives as one late burst).
		if (!this.endsByItself(source))
			session.startedAt = Math.min(session.startedAt, now - session.receivedMs);
		this.hooks.audio(session, samples, atMs);
	}

	/** After ffmpeg has exited: no error is a clean end of input. */
	private async onExit(source: FfmpegSource, error?: StreamError): Promise<void> {
		if (source !== this.source) return;
		this.source = null;
		this.clearTimers();
		const session = this.session;
		await this.hooks.exited?.(session);
		if (session) this.backoff.healthyFor(Date.now() - session.connectedAt);
		if (this.state === 'closed') return;
		if (session)
			this.events.emit('status', {
				type: 'disconnected',
				sessionId: session.id,
				stream: this.stream,
				reason: error ? error.message : 'end of stream',
			});
		if (error?.fatal) {
			this.state = 'finished';
			this.hooks.fatal?.();
			this.events.emit('error', error);
			return;
		}
		if (!error && this.endsByItself(source)) {
			this.state = 'waiting';
			await this.hooks.ended();
			return;
		}
		if (error) this.events.emit('warning', error);
		this.hooks.dropped?.();
		this.scheduleReconnect();
	}

	private scheduleReconnect(): void {
		this.state = 'waiting';
		const delayMs = this.backoff.next();
		this.events.emit('status', {
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

	/** At a clean end, whether this input is over (finish once) rather than disconnected (reconnect). */
	private endsByItself(source: FfmpegSource): boolean {
		return this.options.finishAtEnd ?? source.extent === 'finite';
	}

	private clearTimers(): void {
		if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
		this.reconnectTimer = null;
		this.watch?.stop();
		this.watch = null;
	}
}
