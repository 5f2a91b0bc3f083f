import { EventEmitter } from 'node:events';
import type { EngineError } from '../errors.js';
import { FfmpegSource } from '../source/ffmpeg-source.js';
import { redactText, redactUrl } from '../source/redact.js';
import { parseStreamInput, type StreamInput } from '../source/stream-url.js';
import { resolveFfmpegBinary } from '../source/ffmpeg-binary.js';
import type { LivePipelineOptions } from '../config.js';

/** How one connection ended: no error is a clean end of input. */
export interface SourceExit {
	error?: EngineError;
}

interface AudioSourceEvents {
	audio: [Float32Array];
	exit: [SourceExit];
}

/**
 * One connection as the supervisor sees it: audio, then exactly one 'exit' after ffmpeg is gone,
 * whether it ended, failed, or the supervisor gave up on it (`fail`, for a stall).
 */
export class AudioSource extends EventEmitter<AudioSourceEvents> {
	private readonly ffmpeg: FfmpegSource;
	private failure: EngineError | undefined;

	constructor(options: LivePipelineOptions, input: StreamInput) {
		super();
		this.ffmpeg = new FfmpegSource({ url: input, secrets: options.secrets ?? [], ...(options.ffmpegPath ? { ffmpegPath: options.ffmpegPath } : {}) });
		this.ffmpeg.on('audio', (samples) => this.emit('audio', samples));
		this.ffmpeg.once('end', () => this.emit('exit', this.failure ? { error: this.failure } : {}));
		this.ffmpeg.once('error', (error) => this.emit('exit', { error: this.failure ?? error }));
	}

	get pid(): number | undefined {
		return this.ffmpeg.pid;
	}

	start(): void {
		this.ffmpeg.start();
	}

	pause(): void {
		this.ffmpeg.pause();
	}

	resume(): void {
		this.ffmpeg.resume();
	}

	/** Ends ffmpeg; 'exit' then reports `error` as the reason. */
	fail(error: EngineError): void {
		this.failure = error;
		void this.ffmpeg.stop();
	}

	stop(): Promise<void> {
		return this.ffmpeg.stop();
	}
}

/** The parsed input; throws the fatal configuration errors (invalid URL, no ffmpeg) before anything starts. */
export function validateSourceOptions(options: LivePipelineOptions): StreamInput {
	const input = parseStreamInput(options.url);
	resolveFfmpegBinary(options.ffmpegPath);
	return input;
}

/** The stream's name as logs, errors and items may show it: secrets masked. */
export function describeStream(options: LivePipelineOptions): string {
	return redactText(redactUrl(options.url), options.secrets ?? []);
}
