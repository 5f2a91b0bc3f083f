import type { IDataObject } from 'n8n-workflow';
import type { EngineError, PipelineStatus, Sentence } from '../../engine/index.js';

export interface SentenceContext {
	/** Keywords found in the sentence. */
	keywords: string[];
	/** The stream, secrets masked. */
	stream: string;
	model: string;
}

/** One execution's item for a final sentence. */
export function sentenceItem(sentence: Sentence, context: SentenceContext): IDataObject {
	return {
		text: sentence.text,
		textRaw: sentence.textRaw,
		index: sentence.index,
		sessionId: sentence.sessionId,
		startMs: sentence.startMs,
		endMs: sentence.endMs,
		startedAt: sentence.startedAt,
		endedAt: sentence.endedAt,
		durationMs: sentence.durationMs,
		latencyMs: sentence.latencyMs,
		keywords: context.keywords,
		stream: context.stream,
		model: context.model,
	};
}

/** An item for the Status output: what happened to the connection, and when. */
export function statusItem(status: PipelineStatus, at: Date): IDataObject {
	return { ...status, at: at.toISOString() };
}

/** A transient problem the pipeline recovers from, for the Status output. */
export function warningItem(warning: EngineError, stream: string, at: Date, redact: (text: string) => string): IDataObject {
	return { type: 'warning', stream, code: warning.code, message: redact(warning.message), fix: redact(warning.fix), at: at.toISOString() };
}
