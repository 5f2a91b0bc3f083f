import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ServerPipelineOptions } from '../config.js';
import { EngineError, errorMessage } from '../errors.js';
import { ServerConnection } from '../funasr-server/server-connection.js';
import { fleetForStream, type ServerFleet } from '../funasr-server/server-fleet.js';
import type { ServerResult } from '../funasr-server/server-results.js';
import { SentenceAssembly } from '../sentences/sentence-assembly.js';
import { OUTPUT_SAMPLE_RATE } from '../source/ffmpeg-args.js';
import { AudioBacklog, type AudioChunk, chunkSeconds } from './audio-backlog.js';
import { Backoff } from './backoff.js';
import { DEFAULT_QUEUE } from './recognition-queue.js';
import { StreamSupervisor, type StreamSession } from './stream-supervisor.js';
import type { LivePipelineEvents } from './events.js';
import { ServerClock } from './server-clock.js';

const SAMPLES_PER_MS = OUTPUT_SAMPLE_RATE / 1000;
/**
 * Silence sent when a live stream drops: longer than FunASR's end-of-sentence silence (800 ms), so
 * the server closes the sentence in progress as a local flush would.
 */
const CLOSING_SILENCE_MS = 1500;
/** Overflow while no server is connected is reported at most this often. */
const OVERFLOW_REPORT_MS = 1000;
/** The answer to the end of a finite input: the server decodes what is left. */
const FINAL_ANSWER_TIMEOUT_MS = 60_000;
/** Punctuation a FunASR server writes (Chinese and ASCII). */
const PUNCTUATION = /[，。？、！,.?!;；:：]/gu;

type Session = StreamSession;

/** The connection to one server of the fleet, with where its times fall in the sessions. */
interface ServerLink {
	connection: ServerConnection;
	clock: ServerClock<Session>;
	openedAt: number;
	/** Server ms up to which every sentence was delivered. */
	deliveredMs: number;
}

/**
 * One live stream recognized by FunASR websocket servers: ffmpeg → 16-bit PCM → a server of the
 * fleet (2pass: partials while someone speaks, the corrected sentence at each pause) → sentences.
 * The stream side is supervised as LivePipeline's is (reconnect with backoff, stall watch); the
 * server side has its own loop: a server that fails is left for the next one, audio that arrives
 * meanwhile waits in a bounded backlog (the queue's bound and overflow policy), and the speech a
 * failed server had not finished is reported as lost.
 */
export class ServerPipeline extends EventEmitter<LivePipelineEvents> {
	private readonly options: ServerPipelineOptions;
	private readonly supervisor: StreamSupervisor<Session>;
	private fleet: ServerFleet | null = null;
	private readonly serverBackoff: Backoff;
	private readonly backlog: AudioBacklog<Session>;
	private readonly maxUnreadSeconds: number;
	private readonly sentences = new SentenceAssembly();
	private readonly wavName = randomUUID();
	private link: ServerLink | null = null;
	private serverTimer: NodeJS.Timeout | null = null;
	private overflowTimer: NodeJS.Timeout | null = null;
	private finalTimer: NodeJS.Timeout | null = null;
	private pendingDroppedSeconds = 0;
	private totalDroppedSeconds = 0;
	/** A finite input ended: its last audio is sent with the end of audio, then 'end' follows the final answer. */
	private finishing = false;
	private partialText = '';
	private partialSentAt = 0;
	private partialTimer: NodeJS.Timeout | null = null;
	/** The consumer is behind (`ready` pending): audio waits in the backlog, where its bound applies. */
	private held = false;
	/** Resolves on close(): a consumer's `ready` must not hold a closing pipeline. */
	private readonly closing: Promise<void>;
	private markClosing: () => void = () => undefined;

	constructor(options: ServerPipelineOptions) {
		super();
		this.options = options;
		this.supervisor = new StreamSupervisor<Session>(options, this, {
			session: (clock) => clock,
			audio: (session, samples, atMs) => this.onAudio(session, samples, atMs),
			fatal: () => this.stopServer(),
			ended: () => this.finishInput(),
			dropped: () => this.closeSentence(),
		});
		this.serverBackoff = new Backoff(options.reconnect);
		this.closing = new Promise((resolve) => (this.markClosing = resolve));
		this.backlog = new AudioBacklog(options.queue ?? {});
		this.maxUnreadSeconds = options.queue?.maxSeconds ?? DEFAULT_QUEUE.maxSeconds;
	}

	get running(): boolean {
		return this.supervisor.running;
	}

	private get state(): StreamSupervisor<Session>['state'] {
		return this.supervisor.state;
	}

	private get stream(): string {
		return this.supervisor.stream;
	}

	/** Checks the options (rejecting on a fatal misconfiguration), then connects in the background. */
	async start(): Promise<void> {
		if (this.state !== 'idle')
			throw new EngineError(
				'BAD_OPTION',
				'This pipeline was already started.',
				'Create a new one.',
			);
		this.supervisor.begin();
		this.fleet = fleetForStream(this.options.server.urls);
		for (const url of this.fleet.clearTextSecrets)
			this.emit(
				'warning',
				new EngineError(
					'BAD_OPTION',
					`The ASR server URL ${url} sends its login or token in clear text (ws://).`,
					'Use wss:// for a server that needs a login or token, or keep it on a private network.',
					{ fatal: false },
				),
			);
		this.connectServer();
		this.supervisor.connect();
		return Promise.resolve();
	}

	/** Stops everything: resolves when ffmpeg has exited, the server connection is closed and no timer is left. */
	async close(): Promise<void> {
		if (this.state === 'closed') return;
		this.markClosing();
		this.clearTimers();
		await this.supervisor.close();
		this.link?.connection.close();
		this.link = null;
		const waiting = this.backlog.take();
		const seconds = waiting.reduce((sum, chunk) => sum + chunkSeconds(chunk), 0);
		this.pendingDroppedSeconds = 0;
		if (seconds > 0.5)
			this.emit(
				'warning',
				new EngineError(
					'SERVER_FAILED',
					`${round(seconds)} s of audio from ${this.stream} were never sent to a recognition server: the pipeline was closed first.`,
					'',
					{ fatal: false },
				),
			);
	}

	// The stream side (StreamSupervisor): its audio goes to the server, or waits in the backlog.

	private onAudio(session: Session, samples: Float32Array, atMs: number): void {
		const chunk = { session, sessionMs: atMs, pcm: toPcm(samples) };
		if (this.link && !this.held && this.backlog.length === 0) this.send(this.link, chunk);
		else this.keep(chunk);
	}

	/** A finite input ended: its last audio goes with the end of audio, then 'end' follows the final answer. */
	private finishInput(): void {
		this.finishing = true;
		if (this.link && !this.held && this.backlog.length === 0) this.endAudio(this.link);
	}

	/** The stream dropped: the server closes the sentence in progress, as a local flush would. */
	private closeSentence(): void {
		if (!this.link || this.backlog.length > 0) return;
		this.link.connection.sendAudio(Buffer.alloc(CLOSING_SILENCE_MS * SAMPLES_PER_MS * 2));
		this.link.clock.padding(CLOSING_SILENCE_MS);
	}

	/** Holds the reader while a full backlog waits for a server (backpressure policy). */
	private updateFlow(): void {
		this.supervisor.hold(this.backlog.policy === 'backpressure' && this.backlog.full);
	}

	// The server side: one connection at a time, to the next server of the fleet after a failure.

	private connectServer(): void {
		if (this.state === 'closed' || this.state === 'finished') return;
		const hotwords = [
			...(this.options.hotwords ?? []),
			...(this.options.hotwordsIfSupported ?? []),
		];
		const { server } = this.options;
		ServerConnection.open({
			url: this.fleet!.next(),
			mode: server.mode ?? '2pass',
			wavName: this.wavName,
			hotwords,
			itn: server.itn ?? true,
			...(server.ca ? { ca: server.ca } : {}),
			...(server.allowSelfSigned ? { allowSelfSigned: true } : {}),
			...(server.watchdogMs ? { watchdogMs: server.watchdogMs } : {}),
			...(server.connectTimeoutMs ? { connectTimeoutMs: server.connectTimeoutMs } : {}),
		}).then(
			(connection) => {
				if (this.state === 'closed' || this.state === 'finished') {
					connection.close();
					return;
				}
				this.linked(connection);
			},
			(error: unknown) => {
				this.warn(error);
				this.scheduleServerReconnect();
			},
		);
	}

	private linked(connection: ServerConnection): void {
		const link: ServerLink = {
			connection,
			clock: new ServerClock(),
			openedAt: Date.now(),
			deliveredMs: 0,
		};
		this.link = link;
		connection.on('result', (result) => this.onResult(link, result));
		connection.once('lost', (error) => this.onServerLost(link, error));
		this.emit('status', { type: 'server-connected', stream: this.stream, server: connection.name });
		this.flush();
	}

	/** Sends what waited (no server, or a consumer behind), then the end of a finished input. */
	private flush(): void {
		const link = this.link;
		if (!link || this.held) return;
		this.reportOverflow();
		for (const chunk of this.backlog.take()) this.send(link, chunk);
		this.updateFlow();
		if (this.finishing && this.state === 'waiting' && !this.supervisor.reading) this.endAudio(link);
	}

	/**
	 * After each sentence: a consumer that falls behind (ordered executions of a slow workflow)
	 * holds the audio in the bounded backlog, as speech waits in LivePipeline's recognition queue.
	 */
	private holdIfBehind(): void {
		const ready = this.options.ready;
		if (!ready || this.held) return;
		this.held = true;
		void Promise.race([ready(), this.closing]).then(() => {
			this.held = false;
			if (this.state !== 'closed') this.flush();
		});
	}

	private onServerLost(link: ServerLink, error: EngineError): void {
		if (this.link !== link) return;
		this.link = null;
		this.clearFinalTimer();
		this.resetPartial();
		this.serverBackoff.healthyFor(Date.now() - link.openedAt);
		if (this.state === 'closed') return;
		const seconds = Math.max(0, link.clock.sentMs - link.deliveredMs) / 1000;
		this.totalDroppedSeconds += seconds;
		this.emit('status', {
			type: 'server-lost',
			stream: this.stream,
			server: link.connection.name,
			reason: error.message,
			droppedSeconds: round(seconds),
			totalDroppedSeconds: round(this.totalDroppedSeconds),
		});
		this.emit('warning', error);
		this.scheduleServerReconnect();
	}

	private scheduleServerReconnect(): void {
		if (this.state === 'closed' || this.state === 'finished') return;
		const delayMs = this.serverBackoff.next();
		this.serverTimer = setTimeout(() => {
			this.serverTimer = null;
			this.connectServer();
		}, delayMs);
	}

	private send(link: ServerLink, chunk: AudioChunk<Session>): void {
		link.connection.sendAudio(chunk.pcm);
		link.clock.audio(chunk.session, chunk.sessionMs, chunkSeconds(chunk) * 1000);
		// A server that takes no audio would leave it in memory without bound: the queue's bound applies.
		const unread = link.connection.unreadSeconds;
		if (unread > this.maxUnreadSeconds)
			link.connection.giveUp(`does not keep up (${Math.round(unread)} s of audio unread)`);
	}

	private keep(chunk: AudioChunk<Session>): void {
		const dropped = this.backlog.push(chunk);
		this.updateFlow();
		if (dropped === 0) return;
		this.pendingDroppedSeconds += dropped;
		this.overflowTimer ??= setTimeout(() => {
			this.overflowTimer = null;
			this.reportOverflow();
		}, OVERFLOW_REPORT_MS);
	}

	private reportOverflow(): void {
		if (this.overflowTimer) clearTimeout(this.overflowTimer);
		this.overflowTimer = null;
		const seconds = this.pendingDroppedSeconds;
		if (seconds === 0) return;
		this.pendingDroppedSeconds = 0;
		this.totalDroppedSeconds += seconds;
		this.emit('status', {
			type: 'overflow',
			stream: this.stream,
			droppedSeconds: round(seconds),
			totalDroppedSeconds: round(this.totalDroppedSeconds),
		});
	}

	private endAudio(link: ServerLink): void {
		link.connection.endAudio();
		this.finalTimer = setTimeout(() => {
			this.finalTimer = null;
			link.connection.close();
			this.onServerLost(
				link,
				new EngineError(
					'SERVER_FAILED',
					`${link.connection.name} did not answer the end of the audio within ${FINAL_ANSWER_TIMEOUT_MS / 1000} s.`,
					'Check the server and its log.',
					{ fatal: false },
				),
			);
		}, FINAL_ANSWER_TIMEOUT_MS);
	}

	private onResult(link: ServerLink, result: ServerResult): void {
		if (this.link !== link || this.state === 'closed') return;
		switch (result.kind) {
			case 'partial':
				this.partialText += result.text;
				this.schedulePartial();
				return;
			case 'sentence':
				this.deliver(link, result);
				this.holdIfBehind();
				if (result.isFinal) this.finished(link);
				return;
			case 'final':
				this.finished(link);
				return;
			case 'refused':
				link.connection.close();
				this.onServerLost(
					link,
					new EngineError(
						'SERVER_FAILED',
						`${link.connection.name} refused the stream: ${result.text}`,
						'Point the credential at a FunASR 2pass server (funasr-wss-server-2pass).',
						{ fatal: false },
					),
				);
		}
	}

	private deliver(link: ServerLink, result: Extract<ServerResult, { kind: 'sentence' }>): void {
		this.resetPartial();
		const endServerMs = result.endMs ?? link.clock.sentMs;
		const startServerMs = result.startMs ?? link.deliveredMs;
		link.deliveredMs = Math.max(link.deliveredMs, endServerMs);
		const start = link.clock.locate(startServerMs);
		if (!start) return;
		const offset = start.sessionMs - startServerMs;
		const text = result.text.trim();
		try {
			this.emit(
				'sentence',
				this.sentences.wholeSentence({
					sessionId: start.session.id,
					sessionStartedAt: start.session.startedAt,
					startMs: start.sessionMs,
					endMs: Math.max(start.sessionMs, endServerMs + offset),
					text,
					textRaw: text.replace(PUNCTUATION, ''),
					...(result.tokens
						? {
								tokens: result.tokens.map((token) => ({
									text: token.text,
									startMs: token.startMs + offset,
									endMs: token.endMs + offset,
								})),
							}
						: {}),
				}),
			);
		} catch (error) {
			this.emit(
				'warning',
				new EngineError(
					'LISTENER_FAILED',
					`A 'sentence' listener threw (${errorMessage(error)}): the listeners after it missed that sentence.`,
					'Fix the code that handles the sentence event.',
					{ fatal: false },
				),
			);
		}
	}

	/** The server answered the end of a finite input: everything it said was delivered. */
	private finished(link: ServerLink): void {
		if (!this.finishing || this.supervisor.reading) return;
		this.clearFinalTimer();
		this.supervisor.finish();
		link.connection.close();
		this.link = null;
		this.clearTimers();
		this.emit('end');
	}

	// Partial captions: the running text of the sentence in progress, throttled.

	private schedulePartial(): void {
		const intervalMs = this.options.partialIntervalMs;
		if (intervalMs === undefined || this.partialTimer) return;
		const waitMs = this.partialSentAt + intervalMs - Date.now();
		if (waitMs <= 0) this.emitPartial();
		else this.partialTimer = setTimeout(() => this.emitPartial(), waitMs);
	}

	private emitPartial(): void {
		this.partialTimer = null;
		if (this.partialText === '' || this.state === 'closed') return;
		this.partialSentAt = Date.now();
		this.emit('partial', {
			text: this.partialText,
			index: this.sentences.upcomingIndex,
			sessionId: this.supervisor.session?.id ?? '',
			stream: this.stream,
		});
	}

	private resetPartial(): void {
		this.partialText = '';
		if (this.partialTimer) clearTimeout(this.partialTimer);
		this.partialTimer = null;
	}

	private stopServer(): void {
		this.link?.connection.close();
		this.link = null;
		this.clearTimers();
	}

	private warn(error: unknown): void {
		if (this.state === 'closed') return;
		this.emit(
			'warning',
			error instanceof EngineError
				? error
				: new EngineError('SERVER_FAILED', String(error), '', { fatal: false }),
		);
	}

	private clearFinalTimer(): void {
		if (this.finalTimer) clearTimeout(this.finalTimer);
		this.finalTimer = null;
	}

	private clearTimers(): void {
		for (const timer of [this.serverTimer, this.overflowTimer]) if (timer) clearTimeout(timer);
		this.serverTimer = this.overflowTimer = null;
		this.clearFinalTimer();
		this.resetPartial();
	}
}

/** Float samples on the int16 scale → 16-bit little-endian PCM. */
function toPcm(samples: Float32Array): Buffer {
	const pcm = Buffer.alloc(samples.length * 2);
	for (let i = 0; i < samples.length; i++)
		pcm.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i]))), i * 2);
	return pcm;
}

function round(seconds: number): number {
	return Math.round(seconds * 100) / 100;
}
