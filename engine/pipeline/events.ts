import type { EngineError } from '../errors.js';
import type { Sentence, SentenceTags } from '../sentences/sentence-assembly.js';

export type { Sentence, SentenceTags };

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
 * - 'segment' (SegmentClosedEvent): the VAD closed a segment (for latency measurements).
 * - 'end': a finite input ended and everything was recognized; nothing follows.
 */
export interface LivePipelineEvents {
	sentence: [Sentence];
	status: [PipelineStatus];
	error: [EngineError];
	warning: [EngineError];
	segment: [SegmentClosedEvent];
	end: [];
}

/** The VAD closed a segment: where it lies in its session, and when it closed. */
export interface SegmentClosedEvent {
	sessionId: string;
	startMs: number;
	endMs: number;
	/** performance.now() when the VAD reported it closed. */
	closedAt: number;
}
