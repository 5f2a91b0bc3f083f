import { join } from 'node:path';
import { EngineError } from '../engine/errors.js';
import { CACHE_DIR, REPO_ROOT } from './paths.js';

export interface BenchOptions {
	quick: boolean;
	/** Only write BENCHMARKS.md and the charts again from the results.json of an earlier run. */
	reportOnly: boolean;
	/** Measure only this part (its section goes to stdout and the output folder, not into BENCHMARKS.md). */
	only: BenchPart | null;
	/** Timed rounds per contender (after one untimed warm-up pass). */
	rounds: number;
	/** Real time each live trial streams audio for, s. */
	liveSeconds: number;
	/** Live trials after the first two (one stream, the estimate) in the search for the most streams. */
	liveSteps: number;
	/** Extra streams opened to measure memory per stream. */
	memoryStreams: number;
	outDir: string;
	markdownPath: string;
}

/** Parts that can be measured on their own. */
const PARTS = ['sensevoice'] as const;
export type BenchPart = (typeof PARTS)[number];

const USAGE = `npm run bench [-- --quick] [-- --rounds N] [-- --only ${PARTS.join('|')}] [-- --report-only]`;

export function parseOptions(args: readonly string[]): BenchOptions {
	const quick = args.includes('--quick');
	const roundsAt = args.indexOf('--rounds');
	const onlyAt = args.indexOf('--only');
	const known = new Set(['--quick', '--rounds', '--only', '--report-only']);
	const unknown = args.filter(
		(arg, i) =>
			!known.has(arg) && (roundsAt < 0 || i !== roundsAt + 1) && (onlyAt < 0 || i !== onlyAt + 1),
	);
	if (unknown.length > 0)
		throw new EngineError(
			'BAD_OPTION',
			`Unknown benchmark option ${unknown.join(' ')}.`,
			`Usage: ${USAGE}`,
		);
	const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : quick ? 1 : 5;
	if (!Number.isInteger(rounds) || rounds < 1)
		throw new EngineError(
			'BAD_OPTION',
			`--rounds ${args[roundsAt + 1]} is not a positive integer.`,
			`Usage: ${USAGE}`,
		);
	const only = onlyAt >= 0 ? args[onlyAt + 1] : null;
	if (only !== null && !(PARTS as readonly string[]).includes(only))
		throw new EngineError(
			'BAD_OPTION',
			`--only ${only ?? '(nothing)'} names no part of the benchmark; the parts are ${PARTS.join(', ')}.`,
			`Usage: ${USAGE}`,
		);
	// A quick run's indicative numbers stay out of the repository.
	const outDir = quick ? join(CACHE_DIR, 'bench-quick') : join(REPO_ROOT, 'bench', 'results');
	return {
		quick,
		reportOnly: args.includes('--report-only'),
		only: only as BenchPart | null,
		rounds,
		liveSeconds: 20,
		liveSteps: quick ? 0 : 3,
		memoryStreams: quick ? 4 : 16,
		outDir,
		markdownPath: quick ? join(outDir, 'BENCHMARKS.md') : join(REPO_ROOT, 'BENCHMARKS.md'),
	};
}
