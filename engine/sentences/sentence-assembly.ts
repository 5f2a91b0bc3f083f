import type { TimedToken } from '../timed-token.js';
import { splitSentences, type TimedSentence } from './sentences.js';

/** What SenseVoice says of a segment besides its words; every sentence of the segment carries it. Absent for a Paraformer. */
export interface SentenceTags {
	/** The language the model heard: zh, en, yue, ja, ko (nospeech: it heard none). */
	language?: string;
	/** The speaker's emotion: happy, sad, angry, neutral, fearful, disgusted, surprised, unknown. */
	emotion?: string;
	/** Audio events heard besides speech, by SenseVoice's names: BGM, Applause, Laughter, Cry, Sneeze, Breath, Cough, Event_UNK; [] for speech alone. */
	events?: string[];
}

/** One final sentence: what a workflow execution receives. */
export interface Sentence extends SentenceTags {
	text: string;
	/** Before punctuation. */
	textRaw: string;
	/** Continues across reconnects. */
	index: number;
	/** Identifies one connection of the stream. */
	sessionId: string;
	/** Offsets in the stream session: from the first word's start to the last word's end with a timestamp model, else the segment's share. */
	startMs: number;
	endMs: number;
	/** Timestamp models only: each word (a CJK character or an English word) and its offsets in the session. */
	tokens?: TimedToken[];
	/** Wall-clock ISO times. */
	startedAt: string;
	endedAt: string;
	durationMs: number;
	/** From the end of speech (VAD end) to the emit. */
	latencyMs: number;
}

/** A segment's recognized text and where the segment lies in its session. */
export interface SessionSegmentText extends SentenceTags {
	sessionId: string;
	/** Wall-clock ms of the session's first sample. */
	sessionStartedAt: number;
	startMs: number;
	endMs: number;
	text: string;
	textRaw: string;
	/** The words of `textRaw` and their offsets in the session, from a timestamp model. */
	tokens?: readonly TimedToken[];
}

/** Numbers a stream's sentences, across its sessions, in the order their segments are assembled. */
export class SentenceAssembly {
	private nextIndex = 0;

	/**
	 * The final sentences of one segment, timed in its session and on the wall clock. Each is made
	 * when it is taken: its latency counts until then, after the listeners of the one before.
	 */
	/** The index the next sentence will have. */
	get upcomingIndex(): number {
		return this.nextIndex;
	}

	/**
	 * The final sentences of one segment, timed in its session and on the wall clock. Each is made
	 * when it is taken: its latency counts until then, after the listeners of the one before.
	 */
	*sentencesOf(segment: SessionSegmentText): Generator<Sentence> {
		for (const part of splitSentences({
			text: segment.text,
			textRaw: segment.textRaw,
			startMs: segment.startMs,
			endMs: segment.endMs,
			...(segment.tokens ? { tokens: segment.tokens } : {}),
		}))
			yield this.sentence(segment, part);
	}

	/** A sentence that is not cut further (a FunASR server's, whose partials already carried its index). */
	wholeSentence(segment: SessionSegmentText): Sentence {
		return this.sentence(segment, {
			text: segment.text,
			textRaw: segment.textRaw,
			startMs: segment.startMs,
			endMs: segment.endMs,
			...(segment.tokens ? { tokens: [...segment.tokens] } : {}),
		});
	}

	private sentence(segment: SessionSegmentText, part: TimedSentence): Sentence {
		const emittedAt = Date.now();
		return {
			text: part.text,
			textRaw: part.textRaw,
			index: this.nextIndex++,
			sessionId: segment.sessionId,
			startMs: Math.round(part.startMs),
			endMs: Math.round(part.endMs),
			startedAt: new Date(segment.sessionStartedAt + part.startMs).toISOString(),
			endedAt: new Date(segment.sessionStartedAt + part.endMs).toISOString(),
			durationMs: Math.round(part.endMs - part.startMs),
			latencyMs: Math.max(0, Math.round(emittedAt - (segment.sessionStartedAt + segment.endMs))),
			...(part.tokens ? { tokens: part.tokens } : {}),
			...(segment.language !== undefined ? { language: segment.language } : {}),
			...(segment.emotion !== undefined ? { emotion: segment.emotion } : {}),
			...(segment.events ? { events: [...segment.events] } : {}),
		};
	}
}
