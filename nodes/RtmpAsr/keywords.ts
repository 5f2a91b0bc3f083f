import { EngineError, errorMessage } from '../../engine/errors.js';

export type KeywordMatchMode = 'words' | 'substrings' | 'regex';

export interface KeywordOptions {
	mode?: KeywordMatchMode;
	/** Default false: "Alarm" finds "alarm". */
	caseSensitive?: boolean;
}

/**
 * Characters that join into one word with a neighbouring letter: letters, digits and marks of the
 * scripts written with spaces between words. Scripts written without spaces (Han, kana, Thai, Lao,
 * Khmer, Myanmar) are excluded: without a dictionary nothing says where their words end, and
 * Paraformer writes Chinese without spaces, so any occurrence there counts as a word.
 */
const JOINING = '(?:(?![\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Thai}\\p{Script=Lao}\\p{Script=Khmer}\\p{Script=Myanmar}])[\\p{L}\\p{N}\\p{M}_])';
const JOINING_CHARACTER = new RegExp(`^${JOINING}$`, 'u');
/** Unicode-mode regular expressions reject escapes of anything else (`\-` included). */
const REGEX_SPECIALS = /[.*+?^${}()|[\]\\]/g;

/**
 * Finds which of the configured keywords a sentence contains, in the configured order, each once.
 *
 * - `words`: whole words. A keyword edge that is a letter or digit of a space-delimited script must
 *   not touch another such character ("cat" is not in "concatenate", "AI" is in "讨论AI技术");
 *   an edge in a script without spaces needs no boundary ("会议" is in "明天的会议取消了"). Runs of
 *   spaces inside a keyword match any whitespace. Text and keywords are compared after NFKC, so
 *   full-width "ＡＩ" is "AI".
 * - `substrings`: anywhere, after NFKC.
 * - `regex`: each keyword is a JavaScript regular expression (Unicode mode), tested on the text as is.
 */
export class KeywordMatcher {
	readonly keywords: readonly string[];
	private readonly patterns: readonly RegExp[];
	/** NFKC applies to words and substrings; a regular expression sees the text as the recogniser wrote it. */
	private readonly normalizes: boolean;

	constructor(keywords: readonly string[], options: KeywordOptions = {}) {
		const mode = options.mode ?? 'words';
		const flags = options.caseSensitive ? 'u' : 'iu';
		this.keywords = [...new Set(keywords.map((keyword) => (mode === 'regex' ? keyword : keyword.trim())).filter((keyword) => keyword !== ''))];
		this.patterns = this.keywords.map((keyword) => compile(keyword, mode, flags));
		this.normalizes = mode !== 'regex';
	}

	get empty(): boolean {
		return this.keywords.length === 0;
	}

	/**
	 * The keywords found in any of `texts` (a sentence with and without punctuation, so that a mark
	 * inside a keyword does not hide it), as configured, in configured order.
	 */
	match(...texts: string[]): string[] {
		const subjects = this.normalizes ? texts.map((text) => text.normalize('NFKC')) : texts;
		return this.keywords.filter((_, index) => subjects.some((subject) => this.patterns[index].test(subject)));
	}
}

function compile(keyword: string, mode: KeywordMatchMode, flags: string): RegExp {
	switch (mode) {
		case 'regex':
			try {
				return new RegExp(keyword, flags);
			} catch (cause) {
				throw new EngineError('BAD_OPTION', `The keyword /${keyword}/ is not a valid regular expression: ${errorMessage(cause)}.`, 'Fix the expression (JavaScript syntax, Unicode mode: escape only characters that need it), or switch the match mode to words or substrings.', { cause });
			}
		case 'substrings':
			return new RegExp(escape(keyword.normalize('NFKC')), flags);
		case 'words':
			return new RegExp(wordPattern(keyword.normalize('NFKC')), flags);
		default:
			throw new EngineError('BAD_OPTION', `Unknown keyword match mode "${String(mode)}".`, 'Use words, substrings or regex.');
	}
}

function wordPattern(keyword: string): string {
	const characters = [...keyword];
	const body = keyword.split(/\s+/u).map(escape).join('\\s+');
	const before = JOINING_CHARACTER.test(characters[0]) ? `(?<!${JOINING})` : '';
	const after = JOINING_CHARACTER.test(characters[characters.length - 1]) ? `(?!${JOINING})` : '';
	return before + body + after;
}

function escape(text: string): string {
	return text.replace(REGEX_SPECIALS, '\\$&');
}
