import type { EngineError } from '../errors.js';

/** One final sentence: what a workflow execution receives. */
export interface Sentence {
	text: string;
	/** Before punctuation. */
	textRaw: string;
	/** Continues across reconnects. */
	index: number;
	/** Identifies one connection of the stream. */
	sessionId: string;
	/** Offsets in the stream session. */
	startMs: number;
	endMs: number;
	/** Wall-clock ISO times. */
	startedAt: string;
	endedAt: string;
	durationMs: number;
	/** From the end of speech (VAD end) to the emit. */
	latencyMs: number;
}

export type PipelineStatus =
	| { type: 'connected'; sessionId: string; stream: string }
	| { type: 'disconnected'; sessionId: string; stream: string; reason: string }
	| { type: 'reconnecting'; stream: string; attempt: number; delayMs: number }
	| { type: 'overflow'; stream: string; droppedSeconds: number; totalDroppedSeconds: number };

/**
 * Events of a running pipeline (EventEmitter):
 * - 'sentence' (Sentence)
 * - 'status' (PipelineStatus)
 * - 'error' (EngineError): unrecoverable; the pipeline has stopped retrying.
 * - 'warning' (EngineError): transient; the supervisor retries.
 * - 'segment' (SegmentTiming): the VAD closed a segment (for latency measurements).
 * - 'end': the input ended and everything was recognised (finishAtEnd only).
 */
export interface LivePipelineEvents {
	sentence: [Sentence];
	status: [PipelineStatus];
	error: [EngineError];
	warning: [EngineError];
	segment: [SegmentTiming];
	end: [];
}

export interface SegmentTiming {
	sessionId: string;
	startMs: number;
	endMs: number;
	/** performance.now() when the VAD reported it closed. */
	closedAt: number;
}
