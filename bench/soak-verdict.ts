import type { Machine } from './machine.js';

/** The soak's measurements are compared after this warm-up. */
const WARM_UP_MINUTES = 2;
/** A publisher stays away this long after a kill: longer than the soak's stall time, so each kill is a real disconnect. */
export const AWAY_MS = 5000;

export interface Sample {
	minute: number;
	rssMb: number;
	heapMb: number;
	/** Compiled code and bytecode within heapMb: V8 keeps optimising hot functions for a while, which is not data held. */
	heapCodeMb: number;
	/** Each inference worker's heap in use, garbage included (no collection can be forced there). */
	workerHeapMb: Record<string, number>;
	handles: number;
	/** ffmpeg readers of all streams, and the most any one stream had (more than 1 is a leak). */
	readers: number;
	maxReadersPerStream: number;
	publishers: number;
	threads: number;
	sentences: number;
	reconnects: number;
	/** Cores busy since the previous sample: this process, the readers, the publishers, nginx. */
	cores: { pipeline: number; readers: number; publishers: number; nginx: number };
}

type NumericKey = { [K in keyof Sample]: Sample[K] extends number ? K : never }[keyof Sample];
type Measure = NumericKey | ((entry: Sample) => number);

const oneDecimal = (value: number) => Math.round(value * 10) / 10;
export const megabytes = (bytes: number) => oneDecimal(bytes / 1e6);

export interface Totals {
	minutes: number;
	streams: number;
	killEveryMinutes: number;
	kills: number;
	reconnects: number;
	sentences: number;
	/** Sentences of each stream in the run's second half: a stream that stopped recognizing shows 0. */
	secondHalfSentencesPerStream: number[];
	warnings: Record<string, number>;
	errors: Record<string, number>;
	leftoverReaders: number;
}

/**
 * Flat: after warm-up, the second half's mean within 10 % of the first half's for resident memory
 * and for the main heap without its compiled code, and within 2 for handles and for threads.
 * Clean: never two readers for one stream, none left after close, and every stream still
 * recognizing in the second half.
 */

export function verdict(samples: Sample[], totals: Totals) {
	const afterWarmUp = samples.filter((entry) => entry.minute >= WARM_UP_MINUTES);
	const half = Math.floor(afterWarmUp.length / 2);
	const mean = (entries: Sample[], key: Measure) =>
		entries.reduce((sum, entry) => sum + (typeof key === 'function' ? key(entry) : entry[key]), 0) /
		Math.max(1, entries.length);
	const first = afterWarmUp.slice(0, half);
	const second = afterWarmUp.slice(half);
	const growth = (key: Measure) => mean(second, key) - mean(first, key);
	const halves = (key: Measure, round = oneDecimal) => ({
		first: round(mean(first, key)),
		second: round(mean(second, key)),
	});
	const thousandths = (value: number) => Math.round(value * 1000) / 1000;
	const dataHeap = (entry: Sample) => entry.heapMb - entry.heapCodeMb;
	const maxReadersPerStream = Math.max(...samples.map((entry) => entry.maxReadersPerStream));
	const flat =
		half > 0 &&
		growth('rssMb') <= 0.1 * mean(first, 'rssMb') &&
		growth(dataHeap) <= 0.1 * mean(first, dataHeap) &&
		growth('handles') <= 2 &&
		growth('threads') <= 2;
	const clean =
		maxReadersPerStream <= 1 &&
		totals.leftoverReaders === 0 &&
		totals.secondHalfSentencesPerStream.every((count) => count > 0);
	return {
		...totals,
		rssMb: {
			first: Math.round(mean(first, 'rssMb')),
			second: Math.round(mean(second, 'rssMb')),
			max: Math.max(...samples.map((entry) => entry.rssMb)),
		},
		heapMb: halves('heapMb'),
		dataHeapMb: halves(dataHeap),
		heapCodeMb: halves('heapCodeMb'),
		workerHeapMb: Object.fromEntries(
			Object.keys(samples[0]?.workerHeapMb ?? {}).map((role) => [
				role,
				halves((entry) => entry.workerHeapMb[role] ?? 0),
			]),
		),
		handles: halves('handles'),
		threads: {
			...halves('threads'),
			min: Math.min(...samples.map((entry) => entry.threads)),
			max: Math.max(...samples.map((entry) => entry.threads)),
		},
		maxReaders: Math.max(...samples.map((entry) => entry.readers)),
		maxReadersPerStream,
		cores: {
			pipeline: halves((entry) => entry.cores.pipeline, thousandths),
			readers: halves((entry) => entry.cores.readers, thousandths),
			publishers: halves((entry) => entry.cores.publishers, thousandths),
			nginx: halves((entry) => entry.cores.nginx, thousandths),
		},
		flat,
		clean,
	};
}

/** The verdict and its figures, one line each: the soak's own report and BENCHMARKS.md show them. */
export function summaryLines(report: SoakReport): string[] {
	return [
		`Verdict: **${report.flat ? 'flat' : 'NOT flat'}**, **${report.clean ? 'clean' : 'NOT clean'}** ` +
			`(second half after ${WARM_UP_MINUTES} min of warm-up against the first).`,
		'',
		`- resident memory ${report.rssMb.first} → ${report.rssMb.second} MB (max ${report.rssMb.max})`,
		`- main heap without code ${report.dataHeapMb.first} → ${report.dataHeapMb.second} MB; code ${report.heapCodeMb.first} → ${report.heapCodeMb.second} MB`,
		...Object.entries(report.workerHeapMb).map(
			([role, heap]) =>
				`- ${role} worker heap (garbage included) ${heap.first} → ${heap.second} MB`,
		),
		`- handles ${report.handles.first} → ${report.handles.second}; threads ${report.threads.first} → ${report.threads.second} (min ${report.threads.min}, max ${report.threads.max})`,
		`- readers at most ${report.maxReaders} (${report.maxReadersPerStream} per stream), ${report.leftoverReaders} left after close`,
		`- ${report.kills} publisher kills, ${report.reconnects} connections, ${report.sentences} sentences; second half per stream: ${report.secondHalfSentencesPerStream.join(', ')}`,
		`- warnings ${JSON.stringify(report.warnings)}, errors ${JSON.stringify(report.errors)}`,
		`- cores busy (first → second half): pipeline ${report.cores.pipeline.first} → ${report.cores.pipeline.second}, readers ${report.cores.readers.first} → ${report.cores.readers.second}, publishers ${report.cores.publishers.first} → ${report.cores.publishers.second}, nginx ${report.cores.nginx.first} → ${report.cores.nginx.second}`,
	];
}

export function markdown(report: SoakReport, samples: Sample[]): string {
	const roles = Object.keys(samples[0]?.workerHeapMb ?? {});
	const lines = [
		`# Soak: ${report.streams} live streams, ${report.minutes} minutes`,
		'',
		...summaryLines(report),
		'',
		`| minute | RSS MB | heap MB | code MB | ${roles.map((role) => `${role} heap MB`).join(' | ')} | handles | threads | readers | publishers | sentences | pipeline cores | readers cores |`,
		`|---|---|---|---|${roles.map(() => '---|').join('')}---|---|---|---|---|---|---|`,
		...samples.map(
			(entry) =>
				`| ${entry.minute} | ${entry.rssMb} | ${entry.heapMb} | ${entry.heapCodeMb} | ${roles.map((role) => entry.workerHeapMb[role]).join(' | ')} | ${entry.handles} | ${entry.threads} | ${entry.readers} | ${entry.publishers} | ${entry.sentences} | ${entry.cores.pipeline} | ${entry.cores.readers} |`,
		),
		'',
	];
	return lines.join('\n');
}

export type SoakReport = ReturnType<typeof verdict>;

/** What `npm run soak -- --out` writes: BENCHMARKS.md reports bench/results/soak.json. */
export interface SoakRecord {
	machine: Machine;
	report: SoakReport;
	samples: Sample[];
}
