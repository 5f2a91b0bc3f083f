import { isCjkOrDigit, SILENT_TOKENS, WORD_PIECE_MARK } from './sentence-postprocess.js';
import type { TimedToken } from '../timed-token.js';
import type { TokenSpan } from './timestamps.js';

/**
 * The words `joinTokens` makes of the same tokens, each timed from its first piece's start to its
 * last piece's end, as FunASR's `PostProcess` (util.cpp) merges the times of `@@` pieces. Runs of
 * single letters, which the text writes as one abbreviation, are one word.
 */
export function timedWords(tokens: readonly string[], spans: readonly TokenSpan[]): TimedToken[] {
	const words: Array<TimedToken & { english: boolean }> = [];
	let pending: TimedToken | null = null;
	const closePending = () => {
		if (pending) words.push({ ...pending, english: true });
		pending = null;
	};
	tokens.forEach((token, i) => {
		const span = spans[i];
		if (SILENT_TOKENS.has(token)) return;
		if (isCjkOrDigit(token)) {
			closePending();
			words.push({ text: token, startMs: span.startMs, endMs: span.endMs, english: false });
		} else if (token.endsWith(WORD_PIECE_MARK)) {
			const piece = token.slice(0, -WORD_PIECE_MARK.length);
			pending = pending
				? { ...pending, text: pending.text + piece, endMs: span.endMs }
				: { text: piece, ...span };
		} else {
			const word: TimedToken = pending
				? { ...pending, text: pending.text + token, endMs: span.endMs }
				: { text: token, ...span };
			pending = null;
			words.push({ ...word, english: true });
		}
	});
	closePending();
	return mergeLetterRuns(words);
}

function mergeLetterRuns(words: ReadonlyArray<TimedToken & { english: boolean }>): TimedToken[] {
	const merged: TimedToken[] = [];
	for (let i = 0; i < words.length; i++) {
		const word = words[i];
		let end = i;
		while (isLetter(words[end]) && end + 1 < words.length && isLetter(words[end + 1])) end++;
		if (end === i) {
			merged.push({ text: word.text, startMs: word.startMs, endMs: word.endMs });
			continue;
		}
		const run = words.slice(i, end + 1);
		merged.push({
			text: run.map((letter) => letter.text.toUpperCase()).join(''),
			startMs: word.startMs,
			endMs: words[end].endMs,
		});
		i = end;
	}
	return merged;
}

function isLetter(word: { text: string; english: boolean }): boolean {
	return word.english && /^[A-Za-z]$/.test(word.text);
}

/** Times from a segment's start → offsets in its session; a first token's lead-in before the session began is cut at 0. */
export function inSession(tokens: readonly TimedToken[], segmentStartMs: number): TimedToken[] {
	return tokens.map((token) => ({
		text: token.text,
		startMs: Math.max(0, segmentStartMs + token.startMs),
		endMs: Math.max(0, segmentStartMs + token.endMs),
	}));
}
