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
import { describeMachine, ProcessGroupCpu } from './machine.js';
import type { PublishersReport } from './soak-publishers.js';
import {
	AWAY_MS,
	markdown,
	megabytes,
	verdict,
	type Sample,
	type SoakRecord,
} from './soak-verdict.js';

/**
 * `npm run soak -- --minutes N [--streams S] [--kill-every M] [--out file.json] [--markdown file.md]`:
 * S live streams (default 8) from one nginx-rtmp through one process's pipelines (the toy model, so
 * that the soak measures leaks and not CPU contention) for N minutes. Each publisher sends
 * pre-encoded FLV/AAC by stream copy and is killed at a random moment about every M minutes
 * (uniformly 0.5–1.5 M apart), then restarted after 5 s. Resident memory, heaps, handles, threads,
 * ffmpeg processes and CPU are sampled every minute. After warm-up, memory, handles and threads
 * must stay flat: the verdict compares the second half with the first.
 */

const STALL_TIMEOUT_MS = 3000;

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
	const record: SoakRecord = { machine: describeMachine(), report, samples };
	if (values.out) writeFileSync(values.out, JSON.stringify(record, null, 2));
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

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exitCode = 1;
});
