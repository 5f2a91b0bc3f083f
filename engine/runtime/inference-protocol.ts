import { EngineError, type EngineErrorCode } from '../errors.js';
import type { ModelSelection, VadSettings } from '../pipeline/types.js';
import type { SpeechSegment } from '../vad/speech-segmenter.js';

/** What one stream needs loaded in the worker. */
export interface StreamConfig {
	models: ModelSelection;
	vad?: VadSettings;
}

export type { SpeechSegment } from '../vad/speech-segmenter.js';

/** Each stream lives in two worker threads: the VAD's (audio in, segments out) and the recognizer's. */
export type WorkerRole = 'vad' | 'recognizer';

export interface RecognitionResult {
	textRaw: string;
	text: string;
}

export type WorkerRequest =
	| { id: number; type: 'open'; streamId: string; config: StreamConfig }
	| { id: number; type: 'audio'; streamId: string; samples: Float32Array }
	| { id: number; type: 'flush'; streamId: string }
	| { id: number; type: 'recognize'; streamId: string; fbank: Float32Array }
	| { id: number; type: 'close'; streamId: string }
	/** Finish what is in flight, release every model, end the thread: never terminated mid-run (see WorkerChannel.terminate). */
	| { id: number; type: 'shutdown' };

export interface WorkerResults {
	open: null;
	audio: SpeechSegment[];
	flush: SpeechSegment[];
	recognize: RecognitionResult;
	close: null;
	shutdown: null;
}

export interface SerializedError {
	code: EngineErrorCode;
	message: string;
	fix: string;
	fatal: boolean;
}

export type WorkerResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: SerializedError };

export function serializeError(error: unknown): SerializedError {
	if (error instanceof EngineError) return { code: error.code, message: error.message, fix: error.fix, fatal: error.fatal };
	const message = error instanceof Error ? error.message : String(error);
	return { code: 'WORKER_FAILED', message: `Inference failed: ${message}`, fix: 'This is a bug; please report it with the log.', fatal: false };
}

export function deserializeError(error: SerializedError): EngineError {
	return new EngineError(error.code, error.message, error.fix, { fatal: error.fatal });
}
