/** Tokens that carry no text: blank, sentence start/end and unknown. */
export const SILENT_TOKENS = new Set(['<blank>', '<s>', '</s>', '<unk>']);
export const WORD_PIECE_MARK = '@@';
const SPACE = ' ';

/** CJK unified ideographs and ASCII digits: written without spaces between them. */
export function isCjkOrDigit(token: string): boolean {
	if (token.length === 0) return false;
	for (const char of token) {
		const code = char.codePointAt(0)!;
		const isCjk = code >= 0x4e00 && code <= 0x9fff;
		const isDigit = code >= 0x30 && code <= 0x39;
		if (!isCjk && !isDigit) return false;
	}
	return true;
}

/**
 * Joins recognized tokens into text as FunASR's `sentence_postprocess` does: CJK characters and
 * digits concatenate, `@@` word pieces join the following piece, words are separated by one space
 * (none before a CJK character), and runs of single letters become one upper-case abbreviation.
 */
export function joinTokens(tokens: readonly string[]): string {
	const pieces: string[] = [];
	let partialWord = '';
	let endsWithSpace = false;
	const closeWord = (word: string) => {
		pieces.push(word, SPACE);
		endsWithSpace = true;
	};
	for (const token of tokens) {
		if (SILENT_TOKENS.has(token)) continue;
		if (isCjkOrDigit(token)) {
			// A word piece cut off by a CJK character stays a word, as in FunASR's C++ runtime (the Python one loses it).
			if (partialWord) {
				closeWord(partialWord);
				partialWord = '';
			}
			if (endsWithSpace) pieces.pop();
			pieces.push(token);
			endsWithSpace = false;
		} else if (token.endsWith(WORD_PIECE_MARK)) {
			partialWord += token.slice(0, -WORD_PIECE_MARK.length);
		} else {
			closeWord(partialWord + token);
			partialWord = '';
		}
	}
	if (partialWord) closeWord(partialWord);
	return mergeLetterRuns(pieces).join('').trim();
}

/** `a b c` (single ASCII letters between single spaces) → `ABC`; the space after the run stays. */
function mergeLetterRuns(pieces: readonly string[]): string[] {
	const merged: string[] = [];
	let i = 0;
	while (i < pieces.length) {
		if (
			!isSingleLetter(pieces[i]) ||
			!(pieces[i + 1] === SPACE && isSingleLetter(pieces[i + 2] ?? ''))
		) {
			merged.push(pieces[i]);
			i++;
			continue;
		}
		let run = pieces[i].toUpperCase();
		i++;
		while (pieces[i] === SPACE && isSingleLetter(pieces[i + 1] ?? '')) {
			run += pieces[i + 1].toUpperCase();
			i += 2;
		}
		merged.push(run);
	}
	return merged;
}

function isSingleLetter(piece: string): boolean {
	return /^[A-Za-z]$/.test(piece);
}
