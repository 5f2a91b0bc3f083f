import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EngineError, errorMessage } from '../engine/index.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Parses a command's arguments strictly: an unknown option or a missing value is a clear error. */
export function parseCommand<T extends OptionSpec>(argv: string[], options: T, usage: string) {
	try {
		return parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>({
			args: argv,
			options,
			allowPositionals: true,
			strict: true,
		});
	} catch (cause) {
		// Node's messages go on to explain `--` for positionals; the first sentence is the problem.
		const reason = errorMessage(cause).split(/\.\s/)[0];
		throw new EngineError('BAD_OPTION', `${reason}.`, `Usage: ${usage}`, { cause });
	}
}

export function requireValue(
	value: string | boolean | undefined,
	name: string,
	usage: string,
): string {
	if (typeof value === 'string' && value.length > 0) return value;
	throw new EngineError('BAD_OPTION', `Missing ${name}.`, `Usage: ${usage}`);
}

export function positiveInteger(
	value: string | boolean | undefined,
	name: string,
	fallback: number,
): number {
	if (value === undefined) return fallback;
	const number = Number(value);
	if (typeof value === 'string' && Number.isInteger(number) && number > 0) return number;
	throw new EngineError(
		'BAD_OPTION',
		`${name} must be a positive whole number, not "${String(value)}".`,
		`Give e.g. ${name} ${fallback}.`,
	);
}
