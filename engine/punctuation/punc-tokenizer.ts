import { tokenIds } from '../model-dir/tokens.js';

const UNKNOWN_TOKEN = '<unk>';

/**
 * CT-Transformer words, as FunASR's runtimes split text: pieces between spaces; within a piece
 * every non-ASCII character is a word and every maximal run of ASCII characters is one word.
 */
export function splitPunctuationWords(text: string): string[] {
	const words: string[] = [];
	for (const piece of text.split(/\s+/)) {
		let ascii = '';
		for (const char of piece) {
			if (char.codePointAt(0)! < 0x80) {
				ascii += char;
				continue;
			}
			if (ascii) words.push(ascii);
			ascii = '';
			words.push(char);
		}
		if (ascii) words.push(ascii);
	}
	return words;
}

export function isAsciiChar(char: string | undefined): boolean {
	return char !== undefined && char.length > 0 && char.codePointAt(0)! < 0x80;
}

/** Word → id with the model's token list; English words are looked up lower-cased, unknown ones are <unk>. */
export class PunctuationVocabulary {
	readonly unknownId: number;
	private readonly ids: Map<string, number>;

	constructor(readonly tokens: readonly string[]) {
		this.ids = tokenIds(tokens);
		// FunASR's Python runtime takes the last token as <unk>, which is where its exports put it.
		this.unknownId = this.ids.get(UNKNOWN_TOKEN) ?? tokens.length - 1;
	}

	encode(words: readonly string[]): Int32Array {
		const ids = new Int32Array(words.length);
		words.forEach((word, i) => {
			const key = isAsciiChar(word[0]) ? word.toLowerCase() : word;
			ids[i] = this.ids.get(key) ?? this.unknownId;
		});
		return ids;
	}
}
