import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EngineError, errorMessage } from '../../engine/index.js';
import type { KeywordRequest, KeywordWorkerData } from './keyword-worker.js';

export type KeywordMatchMode = 'words' | 'substrings' | 'regex';
type LiteralMatchMode = Exclude<KeywordMatchMode, 'regex'>;

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
const JOINING =
	'(?:(?![\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Thai}\\p{Script=Lao}\\p{Script=Khmer}\\p{Script=Myanmar}])[\\p{L}\\p{N}\\p{M}_])';
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
 *
 * Both build their expressions from escaped text, which cannot backtrack catastrophically, so they
 * match synchronously. Regular expressions written by the user go to {@link RegexKeywordMatcher}.
 */
export class KeywordMatcher {
	readonly keywords: readonly string[];
	private readonly patterns: readonly RegExp[];

	constructor(
		keywords: readonly string[],
		options: KeywordOptions & { mode?: LiteralMatchMode } = {},
	) {
		const mode = options.mode ?? 'words';
		const flags = options.caseSensitive ? 'u' : 'iu';
		this.keywords = unique(keywords.map((keyword) => keyword.trim()));
		this.patterns = this.keywords.map((keyword) => literalPattern(keyword, mode, flags));
	}

	get empty(): boolean {
		return this.keywords.length === 0;
	}

	/**
	 * The keywords found in any of `texts` (a sentence with and without punctuation, so that a mark
	 * inside a keyword does not hide it), as configured, in configured order.
	 */
	match(...texts: string[]): string[] {
		const subjects = texts.map((text) => text.normalize('NFKC'));
		return this.keywords.filter((_, index) =>
			subjects.some((subject) => this.patterns[index].test(subject)),
		);
	}
}

export interface RegexMatch {
	keywords: string[];
	/** One per expression that could not be tested in time (or at all): it counts as not found. */
	warnings: EngineError[];
}

/** Ample for any expression that does not backtrack catastrophically: those take microseconds on a sentence. */
export const REGEX_DEADLINE_MS = 1000;
const WORKER_SCRIPT = join(__dirname, 'keyword-worker.js');
/** A regular expression needs little memory; a runaway one must not take n8n's. */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 };

/**
 * `regex` mode: each keyword is a JavaScript regular expression (Unicode mode), tested on the text
 * as the recognizer wrote it.
 *
 * V8 runs regular expressions by backtracking, and a natural expression such as `^(\p{L}+\s?)+$`
 * takes seconds on a 24-character sentence, four times longer per two more characters. So the
 * expressions run in a worker thread, one at a time, each against a deadline: n8n's main thread
 * never waits for them, and an expression that overruns is reported in a warning and counts as not
 * found for that sentence (its worker is terminated, which is safe for pure JavaScript, and a fresh
 * one tests the next). Invalid expressions are rejected when the matcher is built, at activation.
 */
export class RegexKeywordMatcher {
	readonly keywords: readonly string[];
	private readonly workerData: KeywordWorkerData;
	private readonly deadlineMs: number;
	private worker: Promise<Worker> | null = null;
	private readonly stopping = new Set<Promise<number>>();
	/** Matches run one after another: the worker answers one request at a time. */
	private previous: Promise<unknown> = Promise.resolve();
	private closed = false;

	constructor(keywords: readonly string[], options: KeywordOptions & { deadlineMs?: number } = {}) {
		const flags = options.caseSensitive ? 'u' : 'iu';
		this.keywords = unique(keywords);
		for (const keyword of this.keywords) compileRegex(keyword, flags);
		this.workerData = { sources: [...this.keywords], flags };
		this.deadlineMs = options.deadlineMs ?? REGEX_DEADLINE_MS;
	}

	get empty(): boolean {
		return this.keywords.length === 0;
	}

	/** Like {@link KeywordMatcher.match}, off the main thread; never rejects. */
	match(...texts: string[]): Promise<RegexMatch> {
		const result = this.previous.then(() => this.matchNow(texts));
		this.previous = result;
		return result;
	}

	/** Terminates the worker; a match still running counts its remaining expressions as not found, silently. */
	async close(): Promise<void> {
		this.closed = true;
		if (this.worker) this.stop(this.worker);
		await Promise.all(this.stopping);
	}

	private async matchNow(texts: string[]): Promise<RegexMatch> {
		const result: RegexMatch = { keywords: [], warnings: [] };
		for (const [index, keyword] of this.keywords.entries()) {
			if (this.closed) break;
			const outcome = await this.test(index, texts);
			if (outcome === true) result.keywords.push(keyword);
			else if (outcome !== false && !this.closed)
				result.warnings.push(unmatchedWarning(keyword, texts[0] ?? '', outcome));
		}
		return result;
	}

	/** true or false, or why the expression could not say. */
	private async test(
		index: number,
		texts: string[],
	): Promise<boolean | { slowerThanMs: number } | { failed: string }> {
		const running = (this.worker ??= this.start());
		let worker: Worker;
		try {
			worker = await running;
		} catch (error) {
			if (this.worker === running) this.worker = null;
			return { failed: errorMessage(error) };
		}
		return new Promise((resolve) => {
			const done = (outcome: boolean | { slowerThanMs: number } | { failed: string }) => {
				clearTimeout(timer);
				worker.off('message', answered);
				worker.off('exit', exited);
				resolve(outcome);
			};
			const answered = (found: boolean) => done(found);
			const exited = (code: number) => {
				if (this.worker === running) this.worker = null;
				done({ failed: `the keyword worker stopped (exit code ${code})` });
			};
			const timer = setTimeout(() => {
				this.stop(running);
				done({ slowerThanMs: this.deadlineMs });
			}, this.deadlineMs);
			worker.on('message', answered);
			worker.on('exit', exited);
			worker.postMessage({ index, texts } satisfies KeywordRequest);
		});
	}

	/** A worker that has compiled the expressions: the deadline must not count its start-up. */
	private start(): Promise<Worker> {
		return new Promise((resolve, reject) => {
			const worker = new Worker(WORKER_SCRIPT, {
				workerData: this.workerData,
				name: 'rtmp-asr keywords',
				resourceLimits: WORKER_LIMITS,
			});
			let lastError: unknown;
			// Without a listener, a worker's error (out of memory…) would be thrown in n8n's main thread.
			worker.on('error', (error) => (lastError = error));
			worker.once('message', () => resolve(worker));
			worker.once('exit', (code) => reject(lastError ?? new Error(`exit code ${code}`)));
		});
	}

	private stop(worker: Promise<Worker>): void {
		if (this.worker === worker) this.worker = null;
		const stopped = worker.then((running) => running.terminate()).catch(() => 0);
		this.stopping.add(stopped);
		void stopped.finally(() => this.stopping.delete(stopped));
	}
}

/** The matcher for the configured mode; throws a BAD_OPTION for an invalid regular expression. */
export function createKeywordMatcher(
	keywords: readonly string[],
	options: KeywordOptions = {},
): KeywordMatcher | RegexKeywordMatcher {
	const mode = options.mode ?? 'words';
	if (mode === 'regex') return new RegexKeywordMatcher(keywords, options);
	return new KeywordMatcher(keywords, { ...options, mode });
}

function unmatchedWarning(
	keyword: string,
	text: string,
	outcome: { slowerThanMs: number } | { failed: string },
): EngineError {
	const sentence = [...text].length > 40 ? `${[...text].slice(0, 40).join('')}…` : text;
	const why =
		'slowerThanMs' in outcome
			? `took longer than ${outcome.slowerThanMs / 1000} s`
			: `could not be tested (${outcome.failed})`;
	return new EngineError(
		'BAD_OPTION',
		`The keyword /${keyword}/ ${why} on the sentence "${sentence}"; it counts as not found there.`,
		'Simplify the expression: nested repetition such as (a+)+ or (\\p{L}+\\s?)+ backtracks exponentially on text it does not match; or switch the match mode to words or substrings.',
		{ fatal: false },
	);
}

function unique(keywords: readonly string[]): string[] {
	return [...new Set(keywords.filter((keyword) => keyword !== ''))];
}

/** Parsing only (linear in the expression's length): the main thread may do it. */
function compileRegex(keyword: string, flags: string): RegExp {
	try {
		return new RegExp(keyword, flags);
	} catch (cause) {
		throw invalidRegex(keyword, cause);
	}
}

function invalidRegex(keyword: string, cause: unknown): EngineError {
	return new EngineError(
		'BAD_OPTION',
		`The keyword /${keyword}/ is not a valid regular expression: ${errorMessage(cause)}.`,
		'Fix the expression (JavaScript syntax, Unicode mode: escape only characters that need it), or switch the match mode to words or substrings.',
		{ cause },
	);
}

function literalPattern(keyword: string, mode: LiteralMatchMode, flags: string): RegExp {
	switch (mode) {
		case 'substrings':
			return new RegExp(escape(keyword.normalize('NFKC')), flags);
		case 'words':
			return new RegExp(wordPattern(keyword.normalize('NFKC')), flags);
		default:
			throw new EngineError(
				'BAD_OPTION',
				`Unknown keyword match mode "${String(mode)}".`,
				'Use words, substrings or regex.',
			);
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
