/** Subtitle cues from final sentences, and their SRT and WebVTT text. */
import type { TimedToken } from '../engine/index.js';

/** A sentence as the engine emits it; `tokens` (its words' times) only from a timestamp model. */
export interface SubtitleSentence {
	text: string;
	startMs: number;
	endMs: number;
	tokens?: readonly TimedToken[];
}

export interface Cue {
	startMs: number;
	endMs: number;
	/** One or two lines. */
	lines: string[];
}

/** A line of at most 42 columns (a CJK character takes two), the common broadcast limit. */
export const MAX_LINE_COLUMNS = 42;
export const MAX_CUE_MS = 7000;

const SPOKEN = /[\p{L}\p{N}]/u;
const WIDE =
	/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u;
/** A cue may end after these (a clause or sentence end), in preference to anywhere else. */
const CLAUSE_END = /[，。？！、；：,.?!;:]\s*$/u;

/**
 * The cues of one sentence: the whole sentence when it fits in two lines and 7 s; otherwise cut
 * into cues that do, at the last clause mark (，、。…) that keeps them in bounds, or between
 * words when a clause alone is too long. Times come from the words' own times when the sentence
 * has them, else from each word's share of the sentence's spoken characters.
 */
export function buildCues(sentence: SubtitleSentence): Cue[] {
	const words = timedWords(sentence);
	const cues: Cue[] = [];
	let first = 0;
	while (first < words.length) {
		let last = first;
		while (last + 1 < words.length && fits(words.slice(first, last + 2))) last++;
		if (last + 1 < words.length) {
			// Back up to the last clause end inside the cue, when there is one.
			for (let i = last; i > first; i--) {
				if (CLAUSE_END.test(words[i].text)) {
					last = i;
					break;
				}
			}
		}
		const part = words.slice(first, last + 1);
		cues.push({
			startMs: part[0].startMs,
			endMs: part[part.length - 1].endMs,
			lines: breakLines(part),
		});
		first = last + 1;
	}
	return cues;
}

export function formatSrtCue(cue: Cue, number: number): string {
	return `${number}\n${clock(cue.startMs, ',')} --> ${clock(cue.endMs, ',')}\n${cue.lines.join('\n')}\n\n`;
}

export const VTT_HEADER = 'WEBVTT\n\n';

export function formatVttCue(cue: Cue): string {
	return `${clock(cue.startMs, '.')} --> ${clock(cue.endMs, '.')}\n${cue.lines.join('\n')}\n\n`;
}

/** HH:MM:SS,mmm (SRT) or HH:MM:SS.mmm (WebVTT). */
export function clock(ms: number, separator: ',' | '.'): string {
	const whole = Math.max(0, Math.round(ms));
	const hours = Math.floor(whole / 3_600_000);
	const minutes = Math.floor(whole / 60_000) % 60;
	const seconds = Math.floor(whole / 1000) % 60;
	const pad = (n: number, width = 2) => String(n).padStart(width, '0');
	return `${pad(hours)}:${pad(minutes)}:${pad(seconds)}${separator}${pad(whole % 1000, 3)}`;
}

export function columns(text: string): number {
	let width = 0;
	for (const char of text) width += WIDE.test(char) ? 2 : 1;
	return width;
}

function fits(words: readonly TimedToken[]): boolean {
	return (
		words[words.length - 1].endMs - words[0].startMs <= MAX_CUE_MS &&
		breakLines(words).every((line) => columns(line) <= MAX_LINE_COLUMNS)
	);
}

/** One line if it fits, else two, broken between words as near the middle as possible. */
function breakLines(words: readonly TimedToken[]): string[] {
	const whole = words
		.map((word) => word.text)
		.join('')
		.trim();
	if (columns(whole) <= MAX_LINE_COLUMNS || words.length < 2) return [whole];
	let best: string[] = [whole];
	let bestLonger = Infinity;
	for (let cut = 1; cut < words.length; cut++) {
		const lines = [words.slice(0, cut), words.slice(cut)].map((part) =>
			part
				.map((word) => word.text)
				.join('')
				.trim(),
		);
		const longer = Math.max(...lines.map(columns));
		if (longer < bestLonger) {
			best = lines;
			bestLonger = longer;
		}
	}
	return best;
}

/**
 * The sentence's text cut into words (a CJK character or a Latin word, with the marks and spaces
 * after it), each with a time: its token's when the tokens spell the text, else a share of the
 * sentence's time by spoken characters.
 */
function timedWords(sentence: SubtitleSentence): TimedToken[] {
	const spelled = sentence.tokens ? piecesOfTokens(sentence.text, sentence.tokens) : null;
	if (spelled) return spelled;
	const pieces = wordPieces(sentence.text);
	const total = pieces.reduce((sum, piece) => sum + spokenOf(piece).length, 0);
	const duration = sentence.endMs - sentence.startMs;
	let before = 0;
	return pieces.map((text) => {
		const after = before + spokenOf(text).length;
		const word = {
			text,
			startMs: sentence.startMs + Math.round((duration * before) / total),
			endMs: sentence.startMs + Math.round((duration * after) / total),
		};
		before = after;
		return word;
	});
}

/** The text cut after each token's letters and the marks and spaces that follow; null when the tokens do not spell it. */
function piecesOfTokens(text: string, tokens: readonly TimedToken[]): TimedToken[] | null {
	const chars = [...text];
	const pieces: TimedToken[] = [];
	let position = 0;
	for (const token of tokens) {
		let piece = '';
		for (const letter of spokenOf(token.text).toLowerCase()) {
			while (position < chars.length && !SPOKEN.test(chars[position])) piece += chars[position++];
			if (chars[position]?.toLowerCase() !== letter) return null;
			piece += chars[position++];
		}
		while (position < chars.length && !SPOKEN.test(chars[position])) piece += chars[position++];
		pieces.push({ text: piece, startMs: token.startMs, endMs: token.endMs });
	}
	return position === chars.length && pieces.length > 0 ? pieces : null;
}

/** Each CJK character, or run of Latin letters and digits, with what follows it up to the next one. */
function wordPieces(text: string): string[] {
	const pieces: string[] = [];
	let current = '';
	let previous = '';
	for (const char of text) {
		const spoken = SPOKEN.test(char);
		const startsWord = spoken && (WIDE.test(char) || !SPOKEN.test(previous) || WIDE.test(previous));
		if (startsWord && spokenOf(current).length > 0) {
			pieces.push(current);
			current = '';
		}
		current += char;
		previous = char;
	}
	if (spokenOf(current).length > 0) pieces.push(current);
	else if (pieces.length > 0) pieces[pieces.length - 1] += current;
	return pieces;
}

function spokenOf(text: string): string {
	return [...text].filter((char) => SPOKEN.test(char)).join('');
}
