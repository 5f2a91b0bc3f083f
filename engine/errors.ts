/**
 * An error a user can act on: `message` names the problem, `fix` says what to do about it.
 * `fatal` errors come from configuration (missing model, no ffmpeg) and must not be retried;
 * the rest are transient (network, stream) and the supervisor retries them.
 */
export type EngineErrorCode =
	| 'MODEL_MISSING'
	| 'MODEL_INVALID'
	| 'MODEL_INTERFACE'
	| 'INPUT_UNREADABLE'
	| 'INPUT_NOT_AUDIO'
	| 'FFMPEG_MISSING'
	| 'STREAM_FAILED'
	| 'STREAM_STALLED'
	| 'BAD_OPTION'
	| 'WORKER_FAILED'
	| 'LISTENER_FAILED'
	| 'SERVER_FAILED';

export class EngineError extends Error {
	readonly code: EngineErrorCode;
	readonly fix: string;
	readonly fatal: boolean;

	constructor(
		code: EngineErrorCode,
		message: string,
		fix: string,
		options: { fatal?: boolean; cause?: unknown } = {},
	) {
		super(message, { cause: options.cause });
		this.name = 'EngineError';
		this.code = code;
		this.fix = fix;
		this.fatal = options.fatal ?? true;
	}

	/** One line for a terminal or a log: what is wrong, then what to do. */
	describe(): string {
		return this.fix ? `${this.message} ${this.fix}` : this.message;
	}
}

/** The message of whatever was thrown. */
export function errorMessage(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/** An EngineError with its fix, or the message of whatever else was thrown. */
export function describeError(error: unknown): string {
	return isEngineError(error) ? error.describe() : errorMessage(error);
}

export function isEngineError(error: unknown): error is EngineError {
	return error instanceof EngineError;
}
