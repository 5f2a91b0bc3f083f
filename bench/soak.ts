import { fork } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getHeapCodeStatistics } from 'node:v8';
import { LivePipeline } from '../engine/pipeline/live-pipeline.js';
import { acquireInferenceClient } from '../engine/runtime/inference-client.js';
import { sharedPath } from '../test/helpers/paths.js';
import { ffmpegReadersOf } from '../test/helpers/pipeline-recorder.js';
import { encodedFlv } from '../test/helpers/publisher.js';
import { startRtmpServer } from '../test/helpers/rtmp-server.js';
import { ProcessGroupCpu } from './machine.js';
import type { PublishersReport } from './soak-publishers.js';

/**
 * `npm run soak -- --minutes N [--streams S] [--kill-every M] [--out file.json] [--markdown file.md]`:
 * S live streams (default 8) from one nginx-rtmp through one process's pipelines (the toy model, so
 * that the soak measures leaks and not CPU contention) for N minutes. Each publisher sends
 * pre-encoded FLV/AAC by stream copy and is killed at a random moment about every M minutes
 * (uniformly 0.5–1.5 M apart), then restarted after 5 s. Resident memory, heaps, handles, threads,
 * ffmpeg processes and CPU are sampled every minute. After warm-up, memory, handles and threads
 * must stay flat: the verdict compares the second half with the first.
 */
interface Sample {
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

/** A publisher stays away this long after a kill: longer than the stall time, so each kill is a real disconnect. */
const AWAY_MS = 5000;
const STALL_TIMEOUT_MS = 3000;
const WARM_UP_MINUTES = 2;

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			minutes: { type: 'string', default: '10' },
			streams: { type: 'string', default: '8' },
			'kill-every': { type: 'string', default: '3' },
			'sample-every': { type: 'string', default: '60' },
			out: { type: 'string' },
			markdown: { type: 'string' },
		},
	});
	const minutes = Number(values.minutes);
	const streams = Number(values.streams);
	const killEveryMs = Number(values['kill-every']) * 60_000;
	const sampleEveryMs = Number(values['sample-every']) * 1000;
	if (!(minutes > 0) || !(killEveryMs > 0) || !(sampleEveryMs > 0))
		throw new Error('--minutes, --kill-every and --sample-every take positive numbers.');
	if (!Number.isInteger(streams) || streams < 1)
		throw new Error('--streams takes a whole number of at least 1.');
	const flv = await encodedFlv(sharedPath('audio', 'toy', 'toy_stream.wav'));
	const server = await startRtmpServer();
	const urls = Array.from({ length: streams }, (_, i) => server.url('live', `soak${i}`));
	let sentences = 0;
	let reconnects = 0;
	const sentencesPerStream = urls.map(() => 0);
	const warnings = new Map<string, number>();
	const errors = new Map<string, number>();
	const pipelines = urls.map((url, i) => {
		const pipeline = new LivePipeline({
			url,
			models: {
				asrDir: sharedPath('models', 'toy-paraformer-zh'),
				vadDir: sharedPath('models', 'fsmn-vad'),
			},
			stallTimeoutMs: STALL_TIMEOUT_MS,
			reconnect: { initialDelayMs: 500, maxDelayMs: 5000 },
		});
		pipeline.on('sentence', () => {
			sentences++;
			sentencesPerStream[i]++;
		});
		pipeline.on('status', (status) => {
			if (status.type === 'connected') reconnects++;
		});
		pipeline.on('warning', (warning) =>
			warnings.set(warning.code, (warnings.get(warning.code) ?? 0) + 1),
		);
		pipeline.on('error', (error) => {
			const code = (error as { code?: string }).code ?? error.message;
			errors.set(code, (errors.get(code) ?? 0) + 1);
		});
		return pipeline;
	});
	await Promise.all(pipelines.map((pipeline) => pipeline.start()));
	// The publishers run in a process of their own: their handles are not the product's.
	const publisherProcess = fork(join(__dirname, 'soak-publishers.js'), [
		JSON.stringify({ urls, flv, killEveryMs, awayMs: AWAY_MS }),
	]);
	let publishers: PublishersReport = { kills: 0, pids: [] };
	publisherProcess.on('message', (message) => (publishers = message as PublishersReport));
	const publishersExited = new Promise((resolve) => publisherProcess.once('exit', resolve));

	const startedAt = performance.now();
	const samples: Sample[] = [];
	// The pipelines' own workers: the shared client, held for the run.
	const workers = acquireInferenceClient();
	const cpu = {
		pipeline: new ProcessGroupCpu(),
		readers: new ProcessGroupCpu(),
		publishers: new ProcessGroupCpu(),
		nginx: new ProcessGroupCpu(),
	};
	let lastSampleAt = performance.now();
	const readerPids = () => urls.map((url) => ffmpegReadersOf(url));
	const countCpu = (readers: number[][]) => {
		const seconds = (performance.now() - lastSampleAt) / 1000;
		lastSampleAt = performance.now();
		const cores = (group: ProcessGroupCpu, pids: number[]) =>
			Math.round((group.update(pids) / seconds) * 1000) / 1000;
		return {
			pipeline: cores(cpu.pipeline, [process.pid]),
			readers: cores(cpu.readers, readers.flat()),
			publishers: cores(cpu.publishers, publishers.pids),
			nginx: cores(cpu.nginx, server.pid === undefined ? [] : [server.pid]),
		};
	};
	countCpu(readerPids());
	const sample = async () => {
		// With --expose-gc the heap is measured after a full collection: growth, not garbage.
		(globalThis as { gc?: () => void }).gc?.();
		const memory = process.memoryUsage();
		const code = getHeapCodeStatistics();
		const readers = readerPids();
		const entry: Sample = {
			minute: Math.round((performance.now() - startedAt) / 600) / 100,
			rssMb: megabytes(memory.rss),
			heapMb: megabytes(memory.heapUsed),
			heapCodeMb: megabytes(code.code_and_metadata_size + code.bytecode_and_metadata_size),
			workerHeapMb: Object.fromEntries(
				Object.entries(await workers.client.workerHeapBytes()).map(([role, bytes]) => [
					role,
					megabytes(bytes),
				]),
			),
			handles: process.getActiveResourcesInfo().length,
			readers: readers.reduce((total, pids) => total + pids.length, 0),
			maxReadersPerStream: Math.max(...readers.map((pids) => pids.length)),
			publishers: publishers.pids.filter(alive).length,
			threads: readdirSync('/proc/self/task').length,
			sentences,
			reconnects,
			cores: countCpu(readers),
		};
		samples.push(entry);
		console.log(JSON.stringify(entry));
	};
	const sampler = setInterval(() => void sample(), sampleEveryMs);
	const sentencesAtHalf = { value: [] as number[] };
	const halfway = setTimeout(
		() => (sentencesAtHalf.value = [...sentencesPerStream]),
		(minutes * 60_000) / 2,
	);
	await new Promise((resolve) => setTimeout(resolve, minutes * 60_000));
	clearInterval(sampler);
	clearTimeout(halfway);
	await sample();
	publisherProcess.send('stop');
	await publishersExited;
	await Promise.all(pipelines.map((pipeline) => pipeline.close()));
	await workers.release();
	await server.stop();
	const leftoverReaders = urls.reduce((total, url) => total + ffmpegReadersOf(url).length, 0);
	const report = verdict(samples, {
		minutes,
		streams,
		killEveryMinutes: killEveryMs / 60_000,
		kills: publishers.kills,
		reconnects,
		sentences,
		secondHalfSentencesPerStream: sentencesPerStream.map(
			(count, i) => count - (sentencesAtHalf.value[i] ?? 0),
		),
		warnings: Object.fromEntries(warnings),
		errors: Object.fromEntries(errors),
		leftoverReaders,
	});
	console.log(JSON.stringify(report, null, 2));
	if (values.out) writeFileSync(values.out, JSON.stringify({ report, samples }, null, 2));
	if (values.markdown) writeFileSync(values.markdown, markdown(report, samples));
}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

type NumericKey = { [K in keyof Sample]: Sample[K] extends number ? K : never }[keyof Sample];
type Measure = NumericKey | ((entry: Sample) => number);

const oneDecimal = (value: number) => Math.round(value * 10) / 10;
const megabytes = (bytes: number) => oneDecimal(bytes / 1e6);

/**
 * Flat: after warm-up, the second half's mean within 10 % of the first half's for resident memory
 * and for the main heap without its compiled code, and within 2 for handles and for threads.
 * Clean: never two readers for one stream, none left after close, and every stream still
 * recognizing in the second half.
 */
interface Totals {
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

function verdict(samples: Sample[], totals: Totals) {
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

function markdown(report: ReturnType<typeof verdict>, samples: Sample[]): string {
	const roles = Object.keys(samples[0]?.workerHeapMb ?? {});
	const lines = [
		`# Soak: ${report.streams} live streams, ${report.minutes} minutes`,
		'',
		`Verdict: **${report.flat ? 'flat' : 'NOT flat'}**, **${report.clean ? 'clean' : 'NOT clean'}** ` +
			`(second half after ${WARM_UP_MINUTES} min of warm-up against the first).`,
		'',
		`- resident memory ${report.rssMb.first} → ${report.rssMb.second} MB (max ${report.rssMb.max})`,
		`- main heap without code ${report.dataHeapMb.first} → ${report.dataHeapMb.second} MB; code ${report.heapCodeMb.first} → ${report.heapCodeMb.second} MB`,
		...roles.map(
			(role) =>
				`- ${role} worker heap (garbage included) ${report.workerHeapMb[role].first} → ${report.workerHeapMb[role].second} MB`,
		),
		`- handles ${report.handles.first} → ${report.handles.second}; threads ${report.threads.first} → ${report.threads.second} (min ${report.threads.min}, max ${report.threads.max})`,
		`- readers at most ${report.maxReaders} (${report.maxReadersPerStream} per stream), ${report.leftoverReaders} left after close`,
		`- ${report.kills} publisher kills, ${report.reconnects} connections, ${report.sentences} sentences; second half per stream: ${report.secondHalfSentencesPerStream.join(', ')}`,
		`- warnings ${JSON.stringify(report.warnings)}, errors ${JSON.stringify(report.errors)}`,
		`- cores busy (first → second half): pipeline ${report.cores.pipeline.first} → ${report.cores.pipeline.second}, readers ${report.cores.readers.first} → ${report.cores.readers.second}, publishers ${report.cores.publishers.first} → ${report.cores.publishers.second}, nginx ${report.cores.nginx.first} → ${report.cores.nginx.second}`,
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

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exitCode = 1;
});
