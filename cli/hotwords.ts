import { readFileSync } from 'node:fs';
import { EngineError, errorMessage } from '../engine/index.js';

/** A trailing number on a hotwords-file line: FunASR's `word weight` format. */
const WEIGHT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export interface HotwordOptions {
	hotwords: string[];
	/** Lines of the file that carried a weight, which NN hotwords ignore. */
	weighted: number;
}

/**
 * `--hotwords "词一 词二"` (space-separated, as FunASR's runtimes take them) and `--hotwords-file F`
 * (one hotword a line; FunASR's `word weight` lines too, the weight dropped: it only steers FunASR's
 * FST hotwords, not NN hotwords). Null when neither is given.
 */
export function readHotwordOptions(
	inline: string | undefined,
	file: string | undefined,
): HotwordOptions | null {
	if (inline === undefined && file === undefined) return null;
	const hotwords: string[] = [];
	let weighted = 0;
	if (inline !== undefined) {
		const words = inline.split(' ').filter((word) => word.length > 0);
		if (words.length === 0)
			throw new EngineError(
				'BAD_OPTION',
				'--hotwords is empty.',
				'Give the hotwords separated by spaces, e.g. --hotwords "魔搭 达摩院", or leave the option out.',
			);
		hotwords.push(...words);
	}
	if (file !== undefined) {
		const fromFile = parseHotwordsFile(readHotwordsFile(file));
		if (fromFile.hotwords.length === 0)
			throw new EngineError(
				'BAD_OPTION',
				`The hotwords file "${file}" has no hotwords.`,
				'Write one hotword a line (FunASR\'s "word weight" lines work too), or leave --hotwords-file out.',
			);
		hotwords.push(...fromFile.hotwords);
		weighted = fromFile.weighted;
	}
	return { hotwords, weighted };
}

export function parseHotwordsFile(text: string): HotwordOptions {
	const hotwords: string[] = [];
	let weighted = 0;
	for (const line of text.split(/\r?\n/)) {
		const fields = line
			.trim()
			.split(/\s+/)
			.filter((field) => field.length > 0);
		if (fields.length === 0) continue;
		if (fields.length > 1 && WEIGHT.test(fields.at(-1)!)) {
			fields.pop();
			weighted++;
		}
		hotwords.push(fields.join(' '));
	}
	return { hotwords, weighted };
}

function readHotwordsFile(file: string): string {
	try {
		return readFileSync(file, 'utf8');
	} catch (cause) {
		throw new EngineError(
			'BAD_OPTION',
			`The hotwords file "${file}" cannot be read (${errorMessage(cause)}).`,
			'Give the path of a text file with one hotword a line.',
			{ cause },
		);
	}
}
