import { parseArgs } from 'node:util';
import { FsmnVadModel, StreamingVad } from '../engine/vad/streaming-vad.js';
import { prepareCorpus, readCorpusAudio } from './corpus.js';
import { VAD_DIR } from './paths.js';
import { CHUNK_SAMPLES } from './contenders/vad.js';

/**
 * `node dist/bench/vad-batch.js [--streams N] [--rounds R]`: the VAD's CPU per stream-second (the
 * fbank included) for N live streams of 100 ms chunks, side by side in one run, rounds alternating:
 * each round's chunks of all streams given together (as when they reach the VAD worker together:
 * FSMN-VAD runs as many as the chunks' distinct row counts), against one stream after another (a
 * run each). Each stream starts elsewhere in the corpus.
 */
async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			streams: { type: 'string', default: '8' },
			rounds: { type: 'string', default: '3' },
			// 1860: five AAC frames of 1024 samples at 44.1 kHz, what VadFeed sends of an RTMP stream.
			chunk: { type: 'string', default: String(CHUNK_SAMPLES) },
		},
	});
	const streams = Number(values.streams);
	const rounds = Number(values.rounds);
	const chunkSamples = Number(values.chunk);
	const audio = joined(readCorpusAudio(prepareCorpus()));
	const model = await FsmnVadModel.load(VAD_DIR, { threads: 1 });
	const offsets = Array.from(
		{ length: streams },
		(_, i) => Math.floor((i / streams) * audio.length) + i * 37,
	);
	const lead = (stream: number) => (stream * 61) % 160;
	const chunks = Math.floor((audio.length - Math.max(...offsets)) / chunkSamples);
	const pass = async (together: boolean) => {
		const vads = offsets.map(() => new StreamingVad(model));
		const runsBefore = model.runs;
		const before = process.cpuUsage();
		for (let k = 0; k < chunks; k++) {
			// A first chunk shorter by a few samples per stream puts the streams' frames out of step,
			// so that their chunks' row counts differ as live streams' do.
			const chunkOf = (stream: number) =>
				audio.subarray(
					offsets[stream] + Math.max(0, k * chunkSamples - lead(stream)),
					offsets[stream] + (k + 1) * chunkSamples - lead(stream),
				);
			if (together) await Promise.all(vads.map((vad, stream) => vad.accept(chunkOf(stream))));
			else for (const [stream, vad] of vads.entries()) await vad.accept(chunkOf(stream));
		}
		const cpu = process.cpuUsage(before);
		const streamSeconds = (streams * chunks * chunkSamples) / 16000;
		return {
			cpuPerStreamSecond: (cpu.user + cpu.system) / 1e6 / streamSeconds,
			runsPerChunk: (model.runs - runsBefore) / (streams * chunks),
		};
	};
	await pass(true);
	await pass(false);
	const results: Record<
		'together' | 'apart',
		{ cpuPerStreamSecond: number; runsPerChunk: number }[]
	> = { together: [], apart: [] };
	for (let round = 0; round < rounds; round++) {
		for (const together of round % 2 === 0 ? [true, false] : [false, true])
			results[together ? 'together' : 'apart'].push(await pass(together));
	}
	const median = (values: number[]) =>
		[...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
	const summary = Object.fromEntries(
		Object.entries(results).map(([name, passes]) => [
			name,
			{
				cpuPerStreamSecond: Number(median(passes.map((p) => p.cpuPerStreamSecond)).toFixed(5)),
				runsPerChunk: Number(median(passes.map((p) => p.runsPerChunk)).toFixed(3)),
			},
		]),
	);
	console.log(
		JSON.stringify({
			streams,
			rounds,
			chunkMs: (chunkSamples / 16000) * 1000,
			...summary,
			apartOverTogether: Number(
				(summary.apart.cpuPerStreamSecond / summary.together.cpuPerStreamSecond).toFixed(2),
			),
		}),
	);
	await model.release();
}

function joined(parts: readonly Float32Array[]): Float32Array {
	const all = new Float32Array(parts.reduce((total, part) => total + part.length, 0));
	let offset = 0;
	for (const part of parts) {
		all.set(part, offset);
		offset += part.length;
	}
	return all;
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exitCode = 1;
});
