export interface TimedSentence {
	text: string;
	startMs: number;
	endMs: number;
}

/** A sentence ends after a run of these marks; the marks stay with it. */
const SENTENCE_END = /[^。？！]*[。？！]+|[^。？！]+$/gu;
/** What is spoken: letters (CJK characters included) and digits, not spaces or marks. */
const SPOKEN = /[\p{L}\p{N}]/gu;

/**
 * The final sentences of one recognised (and punctuated) segment. The offline Paraformer gives no
 * timestamps, so the segment's time is shared out by each sentence's share of spoken characters: in
 * Mandarin one character is one syllable, which makes the share a fair estimate of speaking time.
 * Pieces with nothing spoken (a lone mark the realtime punctuator carried over) are dropped.
 */
export function splitSentences(text: string, startMs: number, endMs: number): TimedSentence[] {
	const pieces = (text.match(SENTENCE_END) ?? [])
		.map((piece) => ({ text: piece.trim(), weight: spokenCharacters(piece) }))
		.filter((piece) => piece.weight > 0);
	const total = pieces.reduce((sum, piece) => sum + piece.weight, 0);
	const duration = endMs - startMs;
	const sentences: TimedSentence[] = [];
	let before = 0;
	for (const piece of pieces) {
		const after = before + piece.weight;
		sentences.push({
			text: piece.text,
			startMs: startMs + Math.round((duration * before) / total),
			endMs: startMs + Math.round((duration * after) / total),
		});
		before = after;
	}
	return sentences;
}

function spokenCharacters(text: string): number {
	return text.match(SPOKEN)?.length ?? 0;
}
