import { EngineError, errorMessage, type EngineErrorCode } from '../errors.js';
import type { ModelSelection, RecognitionLanguage, VadSettings } from '../config.js';
import type { TimedToken } from '../timed-token.js';
import type { ProvisionalSegment, Segment } from '../vad/speech-segmenter.js';

/** What one stream needs loaded in the worker. */
export interface StreamConfig {
	models: ModelSelection;
	vad?: VadSettings;
	/** Offer the open segment as provisional once its trailing silence has lasted this long, ms (see SpeechSegmenter). */
	provisionalAfterMs?: number;
	/** Words the recognizer is biased towards (see LivePipelineOptions.hotwords). */
	hotwords?: readonly string[];
	/** More of them, for a model that takes hotwords only (see LivePipelineOptions.hotwordsIfSupported). */
	hotwordsIfSupported?: readonly string[];
	/** After the stream closes, its models stay loaded this long for a stream that needs them again, ms (default 0). */
	keepWarmMs?: number;
	/** The language asked of a SenseVoice model (see LivePipelineOptions.language). */
	language?: RecognitionLanguage;
	/** SenseVoice's inverse text normalisation (see LivePipelineOptions.itn). */
	itn?: boolean;
}

/** What a worker holds for streams: each model once, shared by the streams that use the same files and settings. */
export type ModelKind = 'vad' | 'punctuation' | 'recognizer' | 'hotwords';

/** What a worker answers to a stream's open: what the stream should know about its models. */
export interface OpenedStream {
	/** Settings that cannot work as given but do not stop the stream (hotwords skipped or not taken). */
	warnings: SerializedError[];
	/** The models this open loaded; the others it needed were loaded already (for another stream, or kept warm). */
	loaded: ModelKind[];
}

export type { ProvisionalSegment, Segment } from '../vad/speech-segmenter.js';

/** What the VAD worker answers to a chunk of audio. */
export interface VadOutput {
	closed: Segment[];
	provisional: ProvisionalSegment | null;
}

/**
 * Each stream lives in the VAD worker (audio in, segments out; punctuation, which carries context
 * from one sentence to the next) and in one or more recognizer workers (Paraformer: no stream state).
 */
export type WorkerRole = 'vad' | 'recognizer';

/** What a recognizer worker answers: the text before punctuation. */
export interface RecognizerOutput {
	textRaw: string;
	/** Its words' times from the segment's start, when the model gives timestamps. */
	timedTokens?: TimedToken[];
	/** Recognized during the segment's trailing silence, before the VAD closed it. */
	early: boolean;
	/** The model punctuated the text itself (SenseVoice with inverse text normalisation): no punctuation model runs on it. */
	punctuated?: true;
	/** SenseVoice only: the language it heard (zh, en, yue, ja, ko, nospeech), its emotion tag and the audio events besides speech. */
	language?: string;
	emotion?: string;
	events?: string[];
}

export interface SerializedError {
	code: EngineErrorCode;
	message: string;
	fix: string;
	fatal: boolean;
}

export type WorkerResponse =
	{ id: number; ok: true; result: unknown } | { id: number; ok: false; error: SerializedError };

export function serializeError(error: unknown): SerializedError {
	if (error instanceof EngineError)
		return { code: error.code, message: error.message, fix: error.fix, fatal: error.fatal };
	return {
		code: 'WORKER_FAILED',
		message: `Inference failed: ${errorMessage(error)}`,
		fix: 'This is a bug; please report it with the log.',
		fatal: false,
	};
}

export function deserializeError(error: SerializedError): EngineError {
	return new EngineError(error.code, error.message, error.fix, { fatal: error.fatal });
}
