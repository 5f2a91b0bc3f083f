import type { TimedToken } from '../timed-token.js';

/** A segment's recognized text (punctuated, and the recognizer's own if known) and its time. */
export interface SegmentText {
	text: string;
	/** Before punctuation; derived from `text` when absent. */
	textRaw?: string;
	startMs: number;
	endMs: number;
	/** The words of `textRaw` with their times, from a timestamp model. */
	tokens?: readonly TimedToken[];
}

export interface TimedSentence {
	text: string;
	/** The same words before punctuation. */
	textRaw: string;
	startMs: number;
	endMs: number;
	/** Its words and their times, when the segment had them. */
	tokens?: TimedToken[];
}

/** A sentence ends after a run of these marks; the marks stay with it. */
const CJK_SENTENCE_END = /[。？！]/u;
/** The same in Latin script (SenseVoice's own punctuation), where they end a sentence only before a space or the end: `3.5` stays whole. */
const LATIN_SENTENCE_END = /[.?!]/u;
const SPACE = /\s/u;
/** What is spoken: letters (CJK characters included) and digits, not spaces or marks. */
const SPOKEN = /[\p{L}\p{N}]/u;
/** The marks a CT-Transformer writes. */
const PUNCTUATION_MARKS = /[，。？、！]/gu;

/**
 * The final sentences of one recognized (and punctuated) segment. With the words' times of a
 * timestamp model, each sentence takes its words and lasts from its first word's start to its
 * last word's end. Without them, the segment's time is shared out by each sentence's share of
 * spoken characters: in Mandarin one character is one syllable, which makes the share a fair
 * estimate of speaking time. Pieces with nothing spoken (a lone mark the realtime punctuator
 * carried over) are dropped.
 */
export function splitSentences(segment: SegmentText): TimedSentence[] {
	const pieces = sentencePieces(segment.text)
		.map((piece) => ({ text: piece.trim(), weight: spokenCharacters(piece) }))
		.filter((piece) => piece.weight > 0);
	const raw = segment.textRaw ?? segment.text.replace(PUNCTUATION_MARKS, '');
	const rawParts = cutBySpokenCharacters(
		raw,
		pieces.map((piece) => piece.weight),
	);
	const total = pieces.reduce((sum, piece) => sum + piece.weight, 0);
	const duration = segment.endMs - segment.startMs;
	const tokenParts = segment.tokens
		? cutTokensBySpokenCharacters(
				segment.tokens,
				pieces.map((piece) => piece.weight),
			)
		: null;
	const sentences: TimedSentence[] = [];
	let before = 0;
	pieces.forEach((piece, i) => {
		const after = before + piece.weight;
		const tokens = tokenParts?.[i];
		sentences.push({
			text: piece.text,
			textRaw: rawParts[i],
			...(tokens
				? { startMs: tokens[0].startMs, endMs: tokens[tokens.length - 1].endMs, tokens }
				: {
						startMs: segment.startMs + Math.round((duration * before) / total),
						endMs: segment.startMs + Math.round((duration * after) / total),
					}),
		});
		before = after;
	});
	return sentences;
}

/**
 * The tokens of each sentence, by the same count of spoken characters; null when the tokens do not
 * spell the text (then no sentence gets times it might not own).
 */
function cutTokensBySpokenCharacters(
	tokens: readonly TimedToken[],
	counts: readonly number[],
): TimedToken[][] | null {
	const parts: TimedToken[][] = [];
	let next = 0;
	for (const count of counts) {
		const part: TimedToken[] = [];
		let spoken = 0;
		while (spoken < count && next < tokens.length) {
			const token = tokens[next++];
			spoken += spokenCharacters(token.text);
			if (spoken > count) return null;
			part.push({ text: token.text, startMs: token.startMs, endMs: token.endMs });
		}
		if (spoken !== count || part.length === 0) return null;
		parts.push(part);
	}
	return next === tokens.length ? parts : null;
}

/** The text cut after each run of sentence-ending marks. */
function sentencePieces(text: string): string[] {
	const chars = [...text];
	const isEnd = (char: string) => CJK_SENTENCE_END.test(char) || LATIN_SENTENCE_END.test(char);
	const pieces: string[] = [];
	let start = 0;
	for (let i = 0; i < chars.length; i++) {
		if (!isEnd(chars[i])) continue;
		let last = i;
		while (last + 1 < chars.length && isEnd(chars[last + 1])) last++;
		const run = chars.slice(i, last + 1);
		const next = chars[last + 1];
		if (run.some((char) => CJK_SENTENCE_END.test(char)) || next === undefined || SPACE.test(next)) {
			pieces.push(chars.slice(start, last + 1).join(''));
			start = last + 1;
		}
		i = last;
	}
	if (start < chars.length) pieces.push(chars.slice(start).join(''));
	return pieces;
}

function spokenCharacters(text: string): number {
	let count = 0;
	for (const char of text) if (SPOKEN.test(char)) count++;
	return count;
}

/** Consecutive parts of `text` holding `counts[i]` spoken characters each; the last part takes the rest. */
function cutBySpokenCharacters(text: string, counts: readonly number[]): string[] {
	const chars = [...text];
	const parts: string[] = [];
	let position = 0;
	counts.forEach((count, i) => {
		const start = position;
		if (i === counts.length - 1) {
			position = chars.length;
		} else {
			for (let spoken = 0; position < chars.length && spoken < count; position++) {
				if (SPOKEN.test(chars[position])) spoken++;
			}
			// Marks right after the last word (SenseVoice's own punctuation) stay with it.
			while (
				position < chars.length &&
				!SPOKEN.test(chars[position]) &&
				!SPACE.test(chars[position])
			)
				position++;
		}
		parts.push(chars.slice(start, position).join('').trim());
	});
	return parts;
}
