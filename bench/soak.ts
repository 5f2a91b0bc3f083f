import { readdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { getHeapCodeStatistics } from 'node:v8';
import { LivePipeline } from '../engine/pipeline/live-pipeline.js';
import { acquireInferenceClient } from '../engine/runtime/inference-client.js';
import { sharedPath } from '../test/helpers/paths.js';
import { ffmpegReadersOf } from '../test/helpers/pipeline-recorder.js';
import { startPublisher, type Publisher } from '../test/helpers/publisher.js';
import { startRtmpServer } from '../test/helpers/rtmp-server.js';

/**
 * `npm run soak -- --minutes N [--kill-every M]`: one live stream for N minutes, its publisher killed
 * and restarted every M minutes, sampling resident memory, handles and ffmpeg processes. After
 * warm-up, memory and handles must stay flat: the verdict compares the second half with the first.
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
	readers: number;
	threads: number;
	sentences: number;
}

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			minutes: { type: 'string', default: '10' },
			'kill-every': { type: 'string', default: '3' },
			out: { type: 'string' },
		},
	});
	const minutes = Number(values.minutes);
	const killEveryMs = Number(values['kill-every']) * 60_000;
	if (!(minutes > 0) || !(killEveryMs > 0))
		throw new Error('--minutes and --kill-every take positive numbers.');
	const server = await startRtmpServer();
	const url = server.url('live', 'soak');
	const pipeline = new LivePipeline({
		url,
		models: {
			asrDir: sharedPath('models', 'toy-paraformer-zh'),
			vadDir: sharedPath('models', 'fsmn-vad'),
		},
		stallTimeoutMs: 3000,
		reconnect: { initialDelayMs: 500, maxDelayMs: 5000 },
	});
	let sentences = 0;
	let reconnects = 0;
	const warnings = new Map<string, number>();
	pipeline.on('sentence', () => sentences++);
	pipeline.on('status', (status) => {
		if (status.type === 'connected') reconnects++;
	});
	pipeline.on('warning', (warning) =>
		warnings.set(warning.code, (warnings.get(warning.code) ?? 0) + 1),
	);
	await pipeline.start();
	let publisher: Publisher = startPublisher({
		url,
		file: sharedPath('audio', 'toy', 'toy_stream.wav'),
		loops: -1,
	});
	const startedAt = performance.now();
	const samples: Sample[] = [];
	// The pipeline's own workers: the shared client, held for the run.
	const workers = acquireInferenceClient();
	const sample = async () => {
		// With --expose-gc the heap is measured after a full collection: growth, not garbage.
		(globalThis as { gc?: () => void }).gc?.();
		const memory = process.memoryUsage();
		const code = getHeapCodeStatistics();
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
			readers: ffmpegReadersOf(url).length,
			threads: readdirSync('/proc/self/task').length,
			sentences,
		};
		samples.push(entry);
		console.log(JSON.stringify(entry));
	};
	const sampler = setInterval(() => void sample(), 30_000);
	// The publisher stays away longer than the stall time, so that every kill is a real disconnect.
	const killer = setInterval(() => {
		publisher.kill('SIGKILL');
		void publisher.exited.then(() =>
			setTimeout(() => {
				publisher = startPublisher({
					url,
					file: sharedPath('audio', 'toy', 'toy_stream.wav'),
					loops: -1,
				});
			}, 5000),
		);
	}, killEveryMs);
	await new Promise((resolve) => setTimeout(resolve, minutes * 60_000));
	clearInterval(sampler);
	clearInterval(killer);
	await sample();
	await pipeline.close();
	await workers.release();
	await publisher.stop();
	await server.stop();
	const leftoverReaders = ffmpegReadersOf(url).length;
	const report = verdict(samples, {
		sentences,
		reconnects,
		warnings: Object.fromEntries(warnings),
		leftoverReaders,
		minutes,
	});
	console.log(JSON.stringify(report, null, 2));
	if (values.out) writeFileSync(values.out, JSON.stringify({ report, samples }, null, 2));
}

type NumericKey = { [K in keyof Sample]: Sample[K] extends number ? K : never }[keyof Sample];
type Measure = NumericKey | ((entry: Sample) => number);

const oneDecimal = (value: number) => Math.round(value * 10) / 10;
const megabytes = (bytes: number) => oneDecimal(bytes / 1e6);

/**
 * Flat: the second half's mean within 10 % of the first half's for resident memory and for the main
 * heap without its compiled code, and within 2 for handles, after warm-up.
 */
function verdict(samples: Sample[], totals: Record<string, unknown>) {
	const afterWarmUp = samples.filter((entry) => entry.minute >= 1);
	const half = Math.floor(afterWarmUp.length / 2);
	const mean = (entries: Sample[], key: Measure) =>
		entries.reduce((sum, entry) => sum + (typeof key === 'function' ? key(entry) : entry[key]), 0) /
		Math.max(1, entries.length);
	const first = afterWarmUp.slice(0, half);
	const second = afterWarmUp.slice(half);
	const growth = (key: Measure) => mean(second, key) - mean(first, key);
	const halves = (key: Measure) => ({
		first: oneDecimal(mean(first, key)),
		second: oneDecimal(mean(second, key)),
	});
	const dataHeap = (entry: Sample) => entry.heapMb - entry.heapCodeMb;
	return {
		...totals,
		rssMb: {
			first: Math.round(mean(first, 'rssMb')),
			second: Math.round(mean(second, 'rssMb')),
			max: Math.max(...samples.map((entry) => entry.rssMb)),
		},
		heapMb: halves('heapMb'),
		heapCodeMb: halves('heapCodeMb'),
		workerHeapMb: Object.fromEntries(
			Object.keys(samples[0]?.workerHeapMb ?? {}).map((role) => [
				role,
				halves((entry) => entry.workerHeapMb[role] ?? 0),
			]),
		),
		handles: { first: mean(first, 'handles'), second: mean(second, 'handles') },
		maxReaders: Math.max(...samples.map((entry) => entry.readers)),
		threads: {
			min: Math.min(...samples.map((entry) => entry.threads)),
			max: Math.max(...samples.map((entry) => entry.threads)),
		},
		flat:
			half > 0 &&
			growth('rssMb') <= 0.1 * mean(first, 'rssMb') &&
			growth(dataHeap) <= 0.1 * mean(first, dataHeap) &&
			growth('handles') <= 2,
	};
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exitCode = 1;
});
