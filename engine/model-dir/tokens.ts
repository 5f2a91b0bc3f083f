import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../errors.js';

/** Token files FunASR exports ship, newest first. */
export const TOKEN_FILES = ['tokens.json', 'tokens.txt'] as const;

/**
 * The vocabulary of a FunASR model directory, index = token id: `tokens.json` (a JSON array, newer
 * exports) or `tokens.txt` (one token a line, older exports; sherpa-onnx's `token id` lines too).
 */
export function loadTokens(modelDir: string, what: string): string[] {
	const file = TOKEN_FILES.find((name) => existsSync(join(modelDir, name)));
	if (!file) {
		throw new EngineError(
			'MODEL_MISSING',
			`${what} directory "${modelDir}" has none of ${TOKEN_FILES.join(' / ')}.`,
			'Copy the token list shipped with the model (tokens.json) back into the directory.',
		);
	}
	const path = join(modelDir, file);
	const text = readFileSync(path, 'utf8');
	const tokens = file === 'tokens.json' ? parseTokensJson(text, path) : parseTokensTxt(text, path);
	if (tokens.length === 0) throw invalid(path, 'it lists no tokens');
	return tokens;
}

export function parseTokensJson(text: string, source: string): string[] {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch (cause) {
		throw invalid(source, 'it is not valid JSON', cause);
	}
	if (!Array.isArray(parsed) || parsed.some((token) => typeof token !== 'string')) {
		throw invalid(source, 'it is not a JSON array of strings');
	}
	return parsed as string[];
}

export function parseTokensTxt(text: string, source: string): string[] {
	const lines = text.split(/\r?\n/).filter((line) => line.trim().length > 0);
	const numbered = lines.map((line) => /^(\S+)\s+(\d+)$/.exec(line.trim()));
	if (lines.length === 0 || numbered.some((match) => match === null))
		return lines.map((line) => line.trim());
	const tokens: string[] = [];
	for (const match of numbered) {
		const id = Number(match![2]);
		if (tokens[id] !== undefined) throw invalid(source, `token id ${id} appears twice`);
		tokens[id] = match![1];
	}
	const gap = tokens.findIndex((token) => token === undefined);
	if (gap >= 0 || tokens.length !== lines.length)
		throw invalid(source, `token ids are not 0..${lines.length - 1} (id ${gap} is missing)`);
	return tokens;
}

/** Token → id, for encoding text; the first occurrence wins if a token repeats. */
export function tokenIds(tokens: readonly string[]): Map<string, number> {
	const ids = new Map<string, number>();
	tokens.forEach((token, id) => {
		if (!ids.has(token)) ids.set(token, id);
	});
	return ids;
}

function invalid(source: string, problem: string, cause?: unknown): EngineError {
	return new EngineError(
		'MODEL_INVALID',
		`Token list "${source}" is unusable: ${problem}.`,
		'Restore the token file shipped with the model.',
		{ cause },
	);
}
