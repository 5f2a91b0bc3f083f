import { EngineError } from '../errors.js';
import { isAsciiChar } from './punc-tokenizer.js';
import type { PunctuationLabels } from './punctuation-labels.js';

/** Words the model sees at once, besides the words carried from the previous mini-sentence. */
export const MINI_SENTENCE_WORDS = 20;
/** A carried text longer than this without a sentence end is cut at its last comma. */
export const CUT_AT_COMMA_OVER = 200;
/**
 * Bound of the realtime context. FunASR's runtimes let it grow until the model predicts a sentence
 * end; a stream of text that never gets one would otherwise grow memory and inference time forever.
 */
export const MAX_CACHE_WORDS = CUT_AT_COMMA_OVER;

/** Label per id of one mini-sentence; its first `cacheSize` words are context from earlier calls. */
export type LabelFunction = (ids: Int32Array, cacheSize: number) => Promise<ArrayLike<number>>;

export interface PunctuatedWords {
	text: string;
	words: string[];
	/** The mark after each word ('_' for none). */
	labels: string[];
}

export interface RealtimePunctuatedWords extends PunctuatedWords {
	/** Words after the last sentence end: the context of the next call. */
	cache: string[];
}

interface LabelledWords {
	words: string[];
	labels: number[];
}

/**
 * Offline CT-Transformer: labels mini-sentences, carrying the words after the last sentence end
 * into the next one, and ends the text with a full stop.
 */
export async function punctuateOffline(
	words: readonly string[],
	ids: Int32Array,
	marks: PunctuationLabels,
	label: LabelFunction,
): Promise<PunctuatedWords> {
	if (words.length === 0) return { text: '', words: [], labels: [] };
	const parts = await labelMiniSentences(words, ids, 0, marks, label);
	let text = '';
	const labels: number[] = [];
	for (const part of parts) {
		// Spaces only within a mini-sentence: a cut always follows a sentence-end mark.
		part.words.forEach((word, i) => {
			const spaced = i > 0 && isAsciiChar(part.words[i - 1].at(-1)) && isAsciiChar(word[0]);
			text += (spaced ? ' ' : '') + word + marks.textOf(part.labels[i]);
		});
		labels.push(...part.labels);
	}
	const lastChar = text.at(-1);
	if (lastChar === marks.marks[marks.comma] || lastChar === marks.marks[marks.enumerationComma]) {
		text = text.slice(0, -1) + marks.marks[marks.period];
		labels[labels.length - 1] = marks.period;
	} else if (lastChar !== marks.marks[marks.period] && lastChar !== marks.marks[marks.question]) {
		text += marks.marks[marks.period];
		labels[labels.length - 1] = marks.period;
	}
	return { text, words: [...words], labels: labels.map((l) => marks.marks[l]) };
}

/**
 * Realtime CT-Transformer (FunASR `CT_Transformer_VadRealtime`, `ct-transformer-online.cpp`): the
 * first `cacheSize` words are the previous call's unfinished sentence, given again as context and not
 * printed again, except for the mark the model now puts after the last of them. The mark after the
 * last new word is left out: only the next call's words can confirm it.
 */
export async function punctuateRealtime(
	words: readonly string[],
	ids: Int32Array,
	cacheSize: number,
	marks: PunctuationLabels,
	label: LabelFunction,
): Promise<RealtimePunctuatedWords> {
	if (words.length <= cacheSize)
		return { text: '', words: [], labels: [], cache: words.slice(0, cacheSize) };
	const parts = await labelMiniSentences(words, ids, cacheSize, marks, label);
	const allWords = parts.flatMap((part) => part.words);
	const allLabels = parts.flatMap((part) => part.labels);
	let text = '';
	const outWords: string[] = [];
	const outLabels: number[] = [];
	allWords.forEach((word, i) => {
		if (i >= cacheSize) {
			const spaced = i > cacheSize && isAsciiChar(allWords[i - 1].at(-1)) && isAsciiChar(word[0]);
			text += (spaced ? ' ' : '') + word;
			outWords.push(word);
			outLabels.push(allLabels[i]);
		}
		if (i >= cacheSize - 1) text += marks.textOf(allLabels[i]);
	});
	const trailingMark = marks.textOf(outLabels.at(-1)!);
	if (trailingMark) {
		text = text.slice(0, -trailingMark.length);
		outLabels[outLabels.length - 1] = marks.none;
	}
	const end = lastSentenceEnd(allLabels, marks);
	return {
		text,
		words: outWords,
		labels: outLabels.map((l) => marks.marks[l]),
		cache: allWords.slice(end + 1).slice(-MAX_CACHE_WORDS),
	};
}

/** Mini-sentences of MINI_SENTENCE_WORDS, each prefixed with the unfinished sentence of the one before. */
async function labelMiniSentences(
	words: readonly string[],
	ids: Int32Array,
	cacheSize: number,
	marks: PunctuationLabels,
	label: LabelFunction,
): Promise<LabelledWords[]> {
	const parts: LabelledWords[] = [];
	let carriedWords: string[] = [];
	let carriedIds = new Int32Array(0);
	for (let start = 0; start < words.length; start += MINI_SENTENCE_WORDS) {
		const end = Math.min(words.length, start + MINI_SENTENCE_WORDS);
		const partWords = carriedWords.concat(words.slice(start, end));
		const partIds = new Int32Array(partWords.length);
		partIds.set(carriedIds);
		partIds.set(ids.subarray(start, end), carriedIds.length);
		const labels = Array.from(await label(partIds, cacheSize));
		if (labels.length !== partWords.length) {
			throw new EngineError(
				'MODEL_INTERFACE',
				`The punctuation model gave ${labels.length} labels for ${partWords.length} words.`,
				'Use a FunASR CT-Transformer export, whose logits have one row per input word.',
			);
		}
		if (end === words.length) {
			parts.push({ words: partWords, labels });
			break;
		}
		const sentenceEnd = cutPoint(labels, marks);
		parts.push({
			words: partWords.slice(0, sentenceEnd + 1),
			labels: labels.slice(0, sentenceEnd + 1),
		});
		carriedWords = partWords.slice(sentenceEnd + 1);
		carriedIds = partIds.slice(sentenceEnd + 1);
	}
	return parts;
}

/** Where to cut a mini-sentence: its last sentence end, or in a long one its last comma (made a full stop); -1 keeps it all. */
function cutPoint(labels: number[], marks: PunctuationLabels): number {
	let lastComma = -1;
	for (let i = labels.length - 2; i > 0; i--) {
		if (marks.endsSentence(labels[i])) return i;
		if (lastComma < 0 && labels[i] === marks.comma) lastComma = i;
	}
	if (labels.length > CUT_AT_COMMA_OVER && lastComma > 0) {
		labels[lastComma] = marks.period;
		return lastComma;
	}
	return -1;
}

/** The last sentence end before the final word (whose mark is not yet certain); -1 if none. */
function lastSentenceEnd(labels: readonly number[], marks: PunctuationLabels): number {
	for (let i = labels.length - 2; i > 0; i--) {
		if (marks.endsSentence(labels[i])) return i;
	}
	return -1;
}
