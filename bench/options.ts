import { join } from 'node:path';
import { EngineError } from '../engine/errors.js';
import { CACHE_DIR, REPO_ROOT } from './paths.js';

export interface BenchOptions {
	quick: boolean;
	/** Only write BENCHMARKS.md and the charts again from the results.json of an earlier run. */
	reportOnly: boolean;
	/** Timed rounds per contender (after one untimed warm-up pass). */
	rounds: number;
	/** Real time each live trial streams audio for, s. */
	liveSeconds: number;
	/** Live trials after the first two (one stream, the estimate) in the search for the most streams. */
	liveSteps: number;
	/** Extra streams opened to measure memory per stream. */
	memoryStreams: number;
	/**
	 * Measure only this part; its section goes to stdout and the output folder, not into
	 * BENCHMARKS.md. sensevoice: SenseVoice beside Paraformer; remote: the n8n main's CPU per
	 * stream, recognition remote against local.
	 */
	only: BenchPart | null;
	/** Stream counts of the main's CPU trials (each remote and local), and how long each streams, s. */
	remoteStreams: number[];
	remoteSeconds: number;
	outDir: string;
	markdownPath: string;
}

/** Parts that can be measured on their own. */
const PARTS = ['sensevoice', 'remote'] as const;
export type BenchPart = (typeof PARTS)[number];

const USAGE = `npm run bench [-- --quick] [-- --rounds N] [-- --report-only] [-- --only ${PARTS.join('|')}] [-- --remote-streams 4,8] [-- --remote-seconds S]`;
const VALUED = ['--rounds', '--only', '--remote-streams', '--remote-seconds'];

export function parseOptions(args: readonly string[]): BenchOptions {
	const value = (name: string) => {
		const at = args.indexOf(name);
		return at >= 0 ? args[at + 1] : undefined;
	};
	const unknown = args.filter(
		(arg, i) =>
			!['--quick', '--report-only', ...VALUED].includes(arg) && !VALUED.includes(args[i - 1]),
	);
	if (unknown.length > 0)
		throw new EngineError(
			'BAD_OPTION',
			`Unknown benchmark option ${unknown.join(' ')}.`,
			`Usage: ${USAGE}`,
		);
	const quick = args.includes('--quick');
	const rounds = positiveInteger('--rounds', value('--rounds') ?? (quick ? '1' : '5'));
	const only = value('--only');
	if (args.includes('--only') && !(PARTS as readonly (string | undefined)[]).includes(only))
		throw new EngineError(
			'BAD_OPTION',
			`--only ${only ?? '(nothing)'} names no part of the benchmark; the parts are ${PARTS.join(', ')}.`,
			`Usage: ${USAGE}`,
		);
	const remoteStreams = (value('--remote-streams') ?? (quick ? '2' : '4,8'))
		.split(',')
		.map((count) => positiveInteger('--remote-streams', count));
	const remoteSeconds = positiveInteger(
		'--remote-seconds',
		value('--remote-seconds') ?? (quick ? '20' : '60'),
	);
	// A quick run's indicative numbers, and a part run alone, stay out of the repository.
	const outDir = quick
		? join(CACHE_DIR, 'bench-quick')
		: only
			? join(CACHE_DIR, `bench-${only}`)
			: join(REPO_ROOT, 'bench', 'results');
	return {
		quick,
		reportOnly: args.includes('--report-only'),
		rounds,
		only: (only as BenchPart | undefined) ?? null,
		remoteStreams,
		remoteSeconds,
		liveSeconds: 20,
		liveSteps: quick ? 0 : 3,
		memoryStreams: quick ? 4 : 16,
		outDir,
		markdownPath: quick ? join(outDir, 'BENCHMARKS.md') : join(REPO_ROOT, 'BENCHMARKS.md'),
	};
}

function positiveInteger(option: string, text: string | undefined): number {
	const number = Number(text);
	if (!Number.isInteger(number) || number < 1)
		throw new EngineError(
			'BAD_OPTION',
			`${option} ${text} is not a positive integer.`,
			`Usage: ${USAGE}`,
		);
	return number;
}
