import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { InferenceClient } from '../engine/runtime/inference-client.js';
import { corpusWithPauses } from './contenders/live.js';
import { pipelineConfig } from './contenders/pipeline.js';
import { CHUNK_SAMPLES } from './contenders/vad.js';
import { prepareCorpus, readCorpusAudio } from './corpus.js';
import { STAND_IN_DIR } from './paths.js';

/**
 * `node dist/bench/vad-beat.js [--streams N] [--seconds S] [--rounds R]`: the CPU per stream-second
 * of N live streams' audio through the VAD worker (100 ms chunks at real-time pace, messages, fbank,
 * FSMN-VAD; no recognition), side by side in one run, rounds alternating: every stream's chunk sent
 * on one beat (as live VadFeeds do), against the streams spread evenly over the 100 ms.
 */
async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			streams: { type: 'string', default: '16' },
			seconds: { type: 'string', default: '15' },
			rounds: { type: 'string', default: '4' },
		},
	});
	const streams = Number(values.streams);
	const seconds = Number(values.seconds);
	const rounds = Number(values.rounds);
	const audio = corpusWithPauses(readCorpusAudio(prepareCorpus()));
	const client = new InferenceClient();
	const config = pipelineConfig(STAND_IN_DIR, 'int8', { threads: 1, recognizers: 1 });
	const ids = Array.from({ length: streams }, (_, i) => `s${i}`);
	for (const id of ids) await client.open(id, config);
	const chunkMs = (CHUNK_SAMPLES / 16000) * 1000;
	const pass = async (onBeat: boolean) => {
		const started = performance.now();
		const before = process.cpuUsage();
		const chunks = Math.floor((seconds * 1000) / chunkMs);
		await Promise.all(
			ids.map(async (id, stream) => {
				const phaseMs = onBeat ? 0 : (stream * chunkMs) / streams;
				const first =
					Math.floor((stream / streams) * (audio.length / CHUNK_SAMPLES)) * CHUNK_SAMPLES;
				let chain: Promise<unknown> = Promise.resolve();
				for (let k = 0; k < chunks; k++) {
					const wait = started + phaseMs + (k + 1) * chunkMs - performance.now();
					if (wait > 0) await sleep(wait);
					const start = (first + k * CHUNK_SAMPLES) % (audio.length - CHUNK_SAMPLES);
					const chunk = audio.slice(start, start + CHUNK_SAMPLES);
					chain = chain.then(() => client.audio(id, chunk));
				}
				await chain;
			}),
		);
		const cpu = process.cpuUsage(before);
		return (cpu.user + cpu.system) / 1e6 / ((performance.now() - started) / 1000) / streams;
	};
	await pass(true);
	const results = { onBeat: [] as number[], spread: [] as number[] };
	for (let round = 0; round < rounds; round++)
		for (const onBeat of round % 2 === 0 ? [true, false] : [false, true])
			results[onBeat ? 'onBeat' : 'spread'].push(await pass(onBeat));
	const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
	console.log(
		JSON.stringify({
			streams,
			seconds,
			rounds,
			cpuPerStreamSecond: { onBeat: median(results.onBeat), spread: median(results.spread) },
			spreadOverOnBeat: Number((median(results.spread) / median(results.onBeat)).toFixed(2)),
		}),
	);
	await client.terminate();
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exitCode = 1;
});
