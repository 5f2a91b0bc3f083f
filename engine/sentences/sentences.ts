/** A segment's recognized text (punctuated, and the recognizer's own if known) and its time. */
export interface SegmentText {
	text: string;
	/** Before punctuation; derived from `text` when absent. */
	textRaw?: string;
	startMs: number;
	endMs: number;
}

export interface TimedSentence {
	text: string;
	/** The same words before punctuation. */
	textRaw: string;
	startMs: number;
	endMs: number;
}

/** A sentence ends after a run of these marks; the marks stay with it. */
const SENTENCE_END = /[^。？！]*[。？！]+|[^。？！]+$/gu;
/** What is spoken: letters (CJK characters included) and digits, not spaces or marks. */
const SPOKEN = /[\p{L}\p{N}]/u;
/** The marks a CT-Transformer writes. */
const PUNCTUATION_MARKS = /[，。？、！]/gu;

/**
 * The final sentences of one recognized (and punctuated) segment. The offline Paraformer gives no
 * timestamps, so the segment's time is shared out by each sentence's share of spoken characters: in
 * Mandarin one character is one syllable, which makes the share a fair estimate of speaking time.
 * Pieces with nothing spoken (a lone mark the realtime punctuator carried over) are dropped.
 */
export function splitSentences(segment: SegmentText): TimedSentence[] {
	const pieces = (segment.text.match(SENTENCE_END) ?? [])
		.map((piece) => ({ text: piece.trim(), weight: spokenCharacters(piece) }))
		.filter((piece) => piece.weight > 0);
	const raw = segment.textRaw ?? segment.text.replace(PUNCTUATION_MARKS, '');
	const rawParts = cutBySpokenCharacters(raw, pieces.map((piece) => piece.weight));
	const total = pieces.reduce((sum, piece) => sum + piece.weight, 0);
	const duration = segment.endMs - segment.startMs;
	const sentences: TimedSentence[] = [];
	let before = 0;
	pieces.forEach((piece, i) => {
		const after = before + piece.weight;
		sentences.push({
			text: piece.text,
			textRaw: rawParts[i],
			startMs: segment.startMs + Math.round((duration * before) / total),
			endMs: segment.startMs + Math.round((duration * after) / total),
		});
		before = after;
	});
	return sentences;
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
		}
		parts.push(chars.slice(start, position).join('').trim());
	});
	return parts;
}
