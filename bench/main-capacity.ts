import { cpus } from 'node:os';
import { runOnce, type Context } from './contender-process.js';
import type { Layout, Precision } from './contender-protocol.js';
import type { MainTrial, Recognition } from './contenders/main-cpu.js';
import type { BenchOptions } from './options.js';

/** Local recognition as the live trials' best layout: two recognitions at once, one thread each. */
const LOCAL_LAYOUT: Layout = { threads: 1, recognizers: 2 };

/** The n8n main's CPU per live stream, recognition remote against local, side by side in one run. */
export interface MainCapacity extends Layout {
	/** Of the local recognition. */
	precision: Precision;
	/** The machine's cores: what the streams-per-box bound divides. */
	cores: number;
	trials: MainTrial[];
}

/** For each stream count, a remote and a local trial, their order alternating from one count to the next. */
export async function measureMainCapacity(
	precision: Precision,
	context: Context,
	options: BenchOptions,
	log: (line: string) => void,
): Promise<MainCapacity> {
	const trials: MainTrial[] = [];
	for (const [i, streams] of options.remoteStreams.entries()) {
		const order: Recognition[] = i % 2 === 0 ? ['remote', 'local'] : ['local', 'remote'];
		for (const recognition of order) {
			log(
				`main CPU, recognition ${recognition}: ${streams} streams for ${options.remoteSeconds} s`,
			);
			const trial = (
				await runOnce(
					{
						kind: 'main-cpu',
						recognition,
						precision,
						...LOCAL_LAYOUT,
						streams,
						seconds: options.remoteSeconds,
					},
					context,
				)
			).data as MainTrial;
			trials.push(trial);
			log(
				`  main ${mainCpuPerStreamSecond(trial).toFixed(4)} CPU per stream-second (process ${(trial.cpu.pipeline / streams).toFixed(4)}, readers ${(trial.cpu.readers / streams).toFixed(4)}), server ${(trial.cpu.server / streams).toFixed(4)}, ${trial.sentences} sentences, latency p95 ${trial.latencyMs.p95.toFixed(0)} ms`,
			);
		}
	}
	return { precision, ...LOCAL_LAYOUT, cores: cpus().length, trials };
}

/** The main's CPU per stream-second: its process (workers included) and its ffmpeg readers. */
export function mainCpuPerStreamSecond(trial: MainTrial): number {
	return (trial.cpu.pipeline + trial.cpu.readers) / trial.streams;
}

/** How many streams the main's CPU alone would allow on `cores`: nothing else on the box. */
export function streamsPerBox(trial: MainTrial, cores: number): number {
	return cores / mainCpuPerStreamSecond(trial);
}
