import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { execa, type Result } from 'execa';
import { EngineError } from '../errors.js';
import { boundToParent } from './child-lifetime.js';
import { buildFfmpegArgs, DEFAULT_READ_TIMEOUT_MS, type FfmpegArgsOptions } from './ffmpeg-args.js';
import { resolveFfmpegBinary } from './ffmpeg-binary.js';
import { classifyFfmpegExit, describeSpawnFailure, StreamError } from './ffmpeg-failure.js';
import { inputExtent, parseReportedDuration, type InputExtent } from './input-extent.js';
import { redactText, redactUrl } from './redact.js';
import { S16leDecoder } from './s16le-decoder.js';
import { MAX_LINE_LENGTH, StderrTail } from './stderr-tail.js';
import { parseStreamInput, type StreamInput } from './stream-url.js';

export interface FfmpegSourceOptions extends FfmpegArgsOptions {
	/** Stream URL (rtmp, rtmps, rtsp, srt, http(s)/HLS, udp) or a local file path, or either already parsed. */
	url: string | StreamInput;
	/** More strings to mask in errors and logs (a stream key or password given separately). */
	secrets?: readonly string[];
	/** ffmpeg binary; default: `ffmpeg` on PATH. */
	ffmpegPath?: string;
	/** stop(): how long after SIGTERM ffmpeg gets SIGKILL. */
	killGraceMs?: number;
}

/** A run that ended without failure. */
export interface SourceEnd {
	/** stop() ended it. */
	stopped: boolean;
	/** Samples delivered (16 kHz). */
	samples: number;
	/** From start() to ffmpeg's exit. */
	runMs: number;
}

/**
 * - 'audio': 16 kHz mono samples on the int16 scale, as they arrive (a few hundred per packet).
 * - 'end' or 'error', exactly once, after ffmpeg has exited (after fail(): 'error' with its
 *   reason). Nothing is buffered or dropped here: a consumer that falls behind must apply its own
 *   policy.
 */
export interface FfmpegSourceEvents {
	audio: [samples: Float32Array];
	end: [end: SourceEnd];
	error: [error: StreamError];
}

type FfmpegProcess = ReturnType<typeof spawnFfmpeg>;

export const DEFAULT_KILL_GRACE_MS = 500;

/**
 * Chunks this small at the very end are ffmpeg flushing its resampler when it gives up, not
 * the stream being alive (8 ms of audio; live packets are 20 ms or more).
 */
const FLUSH_BYTES = 256;

/**
 * ffmpeg runs with `-loglevel level+info`: its info lines describe the input (the duration that
 * tells a finite input from a live one) and are read here; its warnings and errors, without the
 * level tag, go to the stderr tail that failures are classified and reported by.
 */
const LEVEL_TAG =
	/^((?:\[[^\]]+\] )*?)\[(quiet|panic|fatal|error|warning|info|verbose|debug|trace)\] /;

/**
 * One ffmpeg process reading one input. The constructor validates the input and finds ffmpeg
 * (throwing EngineError); start() spawns; stop() ends the process for sure.
 */
export class FfmpegSource extends EventEmitter<FfmpegSourceEvents> {
	readonly input: StreamInput;
	private readonly binary: string;
	private readonly args: string[];
	private readonly secrets: string[];
	private readonly readTimeoutMs: number;
	private readonly killGraceMs: number;
	private readonly decoder = new S16leDecoder();
	private readonly stderrTail: StderrTail;
	private stderrPartial = '';
	private reportedDuration: number | null | undefined;
	private failure: StreamError | undefined;
	private subprocess: FfmpegProcess | undefined;
	private exited: Promise<void> | undefined;
	private stopping = false;
	private running = false;
	private startedAt = 0;
	private lastAudioAt = 0;
	private audioBytes = 0;
	private samples = 0;

	constructor(options: FfmpegSourceOptions) {
		super();
		this.input = typeof options.url === 'string' ? parseStreamInput(options.url) : options.url;
		this.binary = resolveFfmpegBinary(options.ffmpegPath);
		this.args = buildFfmpegArgs(this.input, options);
		this.secrets = [...this.input.secrets, ...(options.secrets ?? [])];
		this.readTimeoutMs = options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
		this.killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
		this.stderrTail = new StderrTail();
	}

	/** ffmpeg's pid once started. */
	get pid(): number | undefined {
		return this.subprocess?.pid;
	}

	get samplesReceived(): number {
		return this.samples;
	}

	/** ffmpeg's last stderr lines, redacted. */
	get stderr(): string[] {
		return this.stderrTail.lines().map(this.redact);
	}

	/** Whether the input ends by itself, as far as known so far (ffmpeg describes it before its first audio). */
	get extent(): InputExtent {
		return inputExtent(this.input, this.reportedDuration);
	}

	/** Masks this input's secrets (stream key, userinfo, tokens, the secrets option) in any text. */
	readonly redact = (text: string): string => redactText(text, this.secrets);

	start(): void {
		if (this.exited) throw new Error('FfmpegSource.start() was called twice.');
		this.startedAt = performance.now();
		this.lastAudioAt = this.startedAt;
		const subprocess = spawnFfmpeg(this.binary, this.args, this.killGraceMs);
		this.subprocess = subprocess;
		this.running = true;
		subprocess.stdout.on('data', (chunk: Buffer) => this.onAudio(chunk));
		subprocess.stderr.setEncoding('utf8');
		subprocess.stderr.on('data', (chunk: string) => this.onStderr(chunk));
		this.exited = subprocess.then((result) => this.onExit(result));
	}

	/**
	 * Stops reading ffmpeg's output: ffmpeg then blocks and the server's socket buffers fill; the
	 * backlog arrives as one burst on resume().
	 */
	pause(): void {
		this.subprocess?.stdout.pause();
	}

	resume(): void {
		this.subprocess?.stdout.resume();
	}

	/** Ends ffmpeg (SIGTERM, then SIGKILL after killGraceMs) and resolves once it has exited. */
	async stop(): Promise<void> {
		this.stopping = true;
		if (!this.subprocess || !this.exited) return;
		if (this.running) this.subprocess.kill('SIGTERM');
		// A paused pipe would keep the stream, and so the exit, from ever completing.
		this.subprocess.stdout.resume();
		await this.exited;
	}

	/** Ends ffmpeg as stop() does; 'error' then reports `error` as the reason (a stall the consumer detected). */
	fail(error: StreamError): void {
		this.failure ??= error;
		void this.stop();
	}

	/** A stderr line that never ends must not grow without bound; its start holds the level tag. */
	private onStderr(chunk: string): void {
		const lines = (this.stderrPartial + chunk).split('\n');
		this.stderrPartial = lines.pop()!.slice(0, MAX_LINE_LENGTH);
		for (const line of lines) this.onStderrLine(line);
	}

	private onStderrLine(line: string): void {
		const tagged = LEVEL_TAG.exec(line);
		if (tagged?.[2] !== 'info') {
			this.stderrTail.push(`${tagged ? tagged[1] + line.slice(tagged[0].length) : line}\n`);
			return;
		}
		const duration = parseReportedDuration(line.slice(tagged[0].length));
		if (duration !== undefined && this.reportedDuration === undefined)
			this.reportedDuration = duration;
	}

	private onAudio(chunk: Buffer): void {
		const now = performance.now();
		this.audioBytes += chunk.length;
		if (chunk.length > FLUSH_BYTES) this.lastAudioAt = now;
		if (this.stopping) return;
		const samples = this.decoder.decode(chunk);
		if (samples.length === 0) return;
		this.samples += samples.length;
		this.emit('audio', samples);
	}

	private onExit(result: Result): void {
		const exitedAt = performance.now();
		this.running = false;
		const runMs = Math.round(exitedAt - this.startedAt);
		this.onStderrLine(this.stderrPartial);
		this.stderrPartial = '';
		if (this.failure) {
			this.emit('error', this.failure);
			return;
		}
		if (this.stopping) {
			this.emit('end', { stopped: true, samples: this.samples, runMs });
			return;
		}
		if (result.exitCode === undefined && result.signal === undefined) {
			this.emit(
				'error',
				describeSpawnFailure({
					binary: this.binary,
					code: result.code ?? result.originalMessage,
					stderr: this.stderr,
					redact: this.redact,
				}),
			);
			return;
		}
		const failure = classifyFfmpegExit({
			input: this.input,
			exitCode: result.exitCode,
			signal: result.signal,
			stderr: this.stderrTail.lines(),
			redact: this.redact,
			audioBytes: this.audioBytes,
			runMs,
			idleMs: Math.round(exitedAt - this.lastAudioAt),
			readTimeoutMs: this.readTimeoutMs,
		});
		if (failure) this.emit('error', failure);
		else this.emit('end', { stopped: false, samples: this.samples, runMs });
	}
}

/** The parsed input; throws the fatal configuration errors (invalid URL, no ffmpeg) before anything starts. */
export function validateSourceOptions(options: FfmpegSourceOptions): StreamInput {
	const input = typeof options.url === 'string' ? parseStreamInput(options.url) : options.url;
	resolveFfmpegBinary(options.ffmpegPath);
	return input;
}

/** The stream's name as logs, errors and items may show it: secrets masked. */
export function describeStream(options: FfmpegSourceOptions): string {
	return redactText(
		typeof options.url === 'string' ? redactUrl(options.url) : options.url.display,
		options.secrets ?? [],
	);
}

function spawnFfmpeg(binary: string, args: readonly string[], killGraceMs: number) {
	const command = boundToParent(binary, args);
	return execa(command.file, command.args, {
		stdin: 'ignore',
		buffer: false,
		reject: false,
		cleanup: true,
		forceKillAfterDelay: killGraceMs,
		// ffmpeg's messages come from strerror too: classify them in one language.
		env: { LC_ALL: 'C' },
	});
}

/**
 * A whole local file as 16 kHz mono samples on the int16 scale, decoded as fast as possible;
 * StreamError (INPUT_UNREADABLE, INPUT_NOT_AUDIO…) when ffmpeg cannot read audio from it.
 */
export async function decodeFile(path: string, ffmpegPath?: string): Promise<Float32Array> {
	const source = new FfmpegSource({ url: path, ffmpegPath });
	if (source.input.isNetwork) {
		throw new EngineError(
			'BAD_OPTION',
			`${source.input.display} is a stream URL, not a file.`,
			'Give the path of a local audio or video file.',
		);
	}
	const chunks: Float32Array[] = [];
	source.on('audio', (samples) => chunks.push(samples));
	await new Promise<void>((resolve, reject) => {
		source.once('end', () => resolve());
		source.once('error', reject);
		source.start();
	});
	const samples = new Float32Array(source.samplesReceived);
	let offset = 0;
	for (const chunk of chunks) {
		samples.set(chunk, offset);
		offset += chunk.length;
	}
	return samples;
}
