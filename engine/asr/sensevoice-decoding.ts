import { SILENT_TOKENS } from './sentence-postprocess.js';

/** SentencePiece's word-start mark: a piece that begins a word carries it. */
export const WORD_START = '\u2581';
/** The CTC blank: id 0 (SenseVoice's `<unk>` piece). */
export const BLANK_ID = 0;

const TAG = /^<\|([^|]+)\|>$/;
const EMOTIONS: Readonly<Record<string, string>> = {
	HAPPY: 'happy',
	SAD: 'sad',
	ANGRY: 'angry',
	NEUTRAL: 'neutral',
	FEARFUL: 'fearful',
	DISGUSTED: 'disgusted',
	SURPRISED: 'surprised',
	EMO_UNKNOWN: 'unknown',
};
/** `<|Speech|>` says only that there is speech: it is no event of its own. */
const SPEECH_EVENT = 'Speech';
const ITN_TAGS: Readonly<Record<string, boolean>> = { withitn: true, woitn: false };
/** Marks that end a sentence: with ITN on the model writes them itself. */
const FINAL_MARK = /[。？！.?!]$/u;

/** What SenseVoice says about one segment besides its words. */
export interface SenseVoiceTags {
	/** Language tag: zh, en, yue, ja, ko, or nospeech; absent when the model gave none. */
	language?: string;
	/** Emotion tag, lower case: happy, sad, angry, neutral, fearful, disgusted, surprised, unknown. */
	emotion?: string;
	/** Audio events heard besides speech, by their tag names: BGM, Applause, Laughter, Cry, Sneeze, Breath, Cough, Event_UNK. */
	events: string[];
	/** The ITN tag: the model wrote numbers and punctuation (`<|withitn|>`) or not (`<|woitn|>`). */
	itn?: boolean;
}

export interface SenseVoiceText extends SenseVoiceTags {
	text: string;
	/** The text's pieces, tags left out. */
	tokens: string[];
}

/**
 * CTC greedy search as FunASR's runtimes do it: the argmax of each of the first `frames` rows,
 * repeats collapsed, the blank dropped.
 */
export function ctcGreedy(
	logits: Float32Array,
	offset: number,
	frames: number,
	vocabularySize: number,
): number[] {
	const ids: number[] = [];
	let previous = -1;
	for (let frame = 0; frame < frames; frame++) {
		const row = offset + frame * vocabularySize;
		let best = 0;
		let bestScore = logits[row];
		for (let id = 1; id < vocabularySize; id++) {
			if (logits[row + id] > bestScore) {
				bestScore = logits[row + id];
				best = id;
			}
		}
		if (best !== previous && best !== BLANK_ID) ids.push(best);
		previous = best;
	}
	return ids;
}

/**
 * Tags and text of a decoded id sequence. SenseVoice writes four tags first (language, emotion,
 * event, ITN: FunASR's C++ runtime reads them as tokens[0..3]); they are read here by their names,
 * as FunASR's `rich_transcription_postprocess` does, so a tag the model left out costs no word.
 * The rest is the text: pieces joined, a `▁` piece starting a new word (FunASR's C++ rule, from
 * tokens.json: no SentencePiece model needed). With ITN the text gets a final mark when the model
 * wrote none (。 after `<|zh|>`, `.` otherwise), as FunASR's C++ runtime adds one.
 */
export function decodeSenseVoice(
	ids: readonly number[],
	vocabulary: readonly string[],
): SenseVoiceText {
	const tags: SenseVoiceTags = { events: [] };
	const tokens: string[] = [];
	for (const id of ids) {
		const token = vocabulary[id];
		const tag = TAG.exec(token);
		if (tag) readTag(tag[1], tags);
		else if (!SILENT_TOKENS.has(token)) tokens.push(token);
	}
	let text = joinPieces(tokens);
	if (tags.itn && text.length > 0 && !FINAL_MARK.test(text))
		text += tags.language === 'zh' ? '。' : '.';
	return { text, tokens, ...tags };
}

/** Pieces → text: a `▁` begins a word (a space before it), other pieces continue the one before. */
export function joinPieces(pieces: readonly string[]): string {
	let text = '';
	for (const piece of pieces)
		text += piece.startsWith(WORD_START) ? ` ${piece.slice(WORD_START.length)}` : piece;
	return text.replace(/\s+/gu, ' ').trim();
}

function readTag(name: string, tags: SenseVoiceTags): void {
	if (Object.hasOwn(EMOTIONS, name)) {
		tags.emotion ??= EMOTIONS[name];
	} else if (Object.hasOwn(ITN_TAGS, name)) {
		tags.itn ??= ITN_TAGS[name];
	} else if (/^[a-z]+$/u.test(name)) {
		tags.language ??= name;
	} else if (name !== SPEECH_EVENT && !tags.events.includes(name)) {
		tags.events.push(name);
	}
}
