import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../errors.js';

/** FunASR's C++ runtime (`Paraformer::CompileHotwordEmbedding`) keeps the first 10 tokens of a hotword. */
export const MAX_HOTWORD_TOKENS = 10;
/** FunASR's documented limit (runtime/docs/SDK_advanced_guide_offline_zh.md). */
export const MAX_HOTWORDS = 1000;
/** The `<s>` row FunASR appends after the hotwords: the "no bias" entry. */
const START_ID = 1;
/** English words' BPE pieces, beside the model (FunASR's `seg_dict`: `word<TAB>piece piece…` lines). */
export const SEG_DICT_FILE = 'seg_dict';

export type SegDict = ReadonlyMap<string, readonly string[]>;

export interface SkippedHotword {
	word: string;
	/** Why, for a person: the token missing from the vocabulary, or that seg_dict has no pieces for it. */
	reason: string;
}

/** The model_eb.onnx input for a hotword list: one row per hotword kept, then the `<s>` row. */
export interface HotwordRows {
	/** The hotwords kept, in order; row i is words[i], the last row `<s>`. */
	words: string[];
	skipped: SkippedHotword[];
	/** int32 [words.length + 1, MAX_HOTWORD_TOKENS], zero-padded. */
	ids: Int32Array;
	/** Tokens per row (the `<s>` row: 1); each row's embedding is taken at its last token. */
	lengths: number[];
}

/**
 * The hotwords as FunASR's C++ runtime tokenises them: each entry split on spaces into words; a
 * word of Chinese characters only (U+4E00..U+9FFF) is its characters, any other word the pieces
 * seg_dict lists for it (none without seg_dict); a word without tokens, or with a token among its
 * first 10 that the vocabulary lacks, is skipped; the first 10 tokens are kept.
 */
export function tokenizeHotwords(
	hotwords: readonly string[],
	vocabulary: ReadonlyMap<string, number>,
	segDict: SegDict | null,
): HotwordRows {
	const words = hotwordWords(hotwords);
	if (words.length > MAX_HOTWORDS) {
		throw new EngineError(
			'BAD_OPTION',
			`${words.length} hotwords given; FunASR's hotword models take at most ${MAX_HOTWORDS}.`,
			`Keep the ${MAX_HOTWORDS} that matter most: each one costs recognition time and dilutes the others.`,
		);
	}
	const kept: string[] = [];
	const skipped: SkippedHotword[] = [];
	const rows: number[][] = [];
	for (const word of words) {
		const tokens = (isAllChinese(word) ? [...word] : (segDict?.get(word) ?? [])).slice(
			0,
			MAX_HOTWORD_TOKENS,
		);
		if (tokens.length === 0) {
			skipped.push({
				word,
				reason: segDict
					? 'seg_dict has no pieces for it'
					: 'it is not Chinese and the model has no seg_dict',
			});
			continue;
		}
		const ids = tokens.map((token) => vocabulary.get(token));
		const unknown = ids.indexOf(undefined);
		if (unknown >= 0) {
			skipped.push({ word, reason: `"${tokens[unknown]}" is not in the vocabulary` });
			continue;
		}
		kept.push(word);
		rows.push(ids as number[]);
	}
	rows.push([START_ID]);
	const ids = new Int32Array(rows.length * MAX_HOTWORD_TOKENS);
	rows.forEach((row, r) => ids.set(row, r * MAX_HOTWORD_TOKENS));
	return { words: kept, skipped, ids, lengths: rows.map((row) => row.length) };
}

/** The words of a list: its entries split on spaces, as FunASR splits its hotword string. */
export function hotwordWords(hotwords: readonly string[]): string[] {
	return hotwords.flatMap((entry) => entry.split(' ')).filter((word) => word.length > 0);
}

/**
 * The hotwords given, then as many optional ones (not given already) as fit within MAX_HOTWORDS,
 * whole entries in order; `left` counts the optional entries that did not fit. The given ones are
 * never cut: more than MAX_HOTWORDS of them is the caller's error (tokenizeHotwords says so).
 */
export function withOptionalHotwords(
	given: readonly string[],
	optional: readonly string[],
): { hotwords: string[]; left: number } {
	const hotwords = [...given];
	let room = MAX_HOTWORDS - hotwordWords(given).length;
	let left = 0;
	for (const entry of optional.filter((word) => !given.includes(word))) {
		const count = hotwordWords([entry]).length;
		if (count > room) {
			left++;
			continue;
		}
		hotwords.push(entry);
		room -= count;
	}
	return { hotwords, left };
}

/** Every UTF-16 unit in U+4E00..U+9FFF, as FunASR's `IsAllChineseCharactor`. */
function isAllChinese(word: string): boolean {
	for (let i = 0; i < word.length; i++) {
		const unit = word.charCodeAt(i);
		if (unit < 0x4e00 || unit > 0x9fff) return false;
	}
	return true;
}

/** The model directory's seg_dict, or null when it has none (then only Chinese hotwords are usable). */
export function loadSegDict(modelDir: string): SegDict | null {
	const path = join(modelDir, SEG_DICT_FILE);
	if (!existsSync(path)) return null;
	return parseSegDict(readFileSync(path, 'utf8'));
}

/** `word<TAB>piece piece…` lines; lines without a tab are ignored, as FunASR's SegDict does. */
export function parseSegDict(text: string): SegDict {
	const entries = new Map<string, string[]>();
	for (const line of text.split(/\r?\n/)) {
		const fields = line.split('\t');
		if (fields.length > 1) entries.set(fields[0], fields[1].split(' '));
	}
	return entries;
}

/** What to tell a person about hotwords that were skipped: once per list, each by name. */
export function skippedHotwordsWarning(
	skipped: readonly SkippedHotword[],
	keptCount: number,
	model: string,
): EngineError | null {
	if (skipped.length === 0) return null;
	const named = skipped.map(({ word, reason }) => `"${word}" (${reason})`).join(', ');
	const none = keptCount === 0 ? ' No hotword is left: recognition runs unbiased.' : '';
	return new EngineError(
		'BAD_OPTION',
		`${skipped.length} hotword(s) skipped for ${model}: ${named}.${none}`,
		'Write hotwords in characters the model knows (its tokens.json), English words as its seg_dict lists them, separated by spaces.',
		{ fatal: false },
	);
}
