import type { RecognizerFamily } from '../../engine/asr/recognizer-family.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { RecognitionQueue } from '../../engine/pipeline/recognition-queue.js';
import { recognitionsInFlight } from '../../engine/runtime/batcher.js';
import { InferenceClient } from '../../engine/runtime/inference-client.js';
import type { Layout, Precision, SetupMessage } from '../contender-protocol.js';
import { readCorpusAudio } from '../corpus.js';
import { cpuAccount, machineBusyCores } from '../machine.js';
import { quantile } from '../stats.js';
import type { ThreadCores } from '../thread-cpu.js';
import type { Contender } from './contender.js';
import { pipelineConfig } from './pipeline.js';
import { CHUNK_SAMPLES } from './vad.js';

const CHUNK_MS = (CHUNK_SAMPLES / 16000) * 1000;
/** Silence after each corpus file, so that the VAD closes its last sentence as a speaker's pause would. */
export const PAUSE_SECONDS = 1;
/** How long recognitions may still finish after the audio stops before they count as unfinished. */
const DRAIN_LIMIT_MS = 20_000;

/** One recognized segment: its speech length and how long after the VAD closed it its text came. */
export interface LiveSample {
	seconds: number;
	latencyMs: number;
}

export interface LiveTrial {
	streams: number;
	seconds: number;
	samples: LiveSample[];
	/** Segments closed but not recognized within the drain limit after the audio stopped. */
	unfinished: number;
	/**
	 * How late audio reached the VAD, ms, at the 95th percentile and at worst: through the worker, a
	 * chunk's due time (real-time pace) to the worker's answer; through RTMP, the delay from a
	 * segment's end (in stream time) to the VAD closing it, less the smallest such delay of the trial
	 * (the trailing silence and ffmpeg's own delay, the same for every segment).
	 */
	audioLagMs: { p95: number; max: number };
	/** Cores busy during the trial: the whole machine, and this process (VAD, recognition, messages). */
	busyCores: { machine: number; process: number };
	/**
	 * Through RTMP, cores busy during the trial by process: the pipeline process (its workers
	 * included), all ffmpeg readers, all publishers (stream copy), nginx. Absent in older results.
	 */
	cpu?: { pipeline: number; readers: number; publishers: number; nginx: number };
	/** Through RTMP, the pipeline process's cores busy by thread role. Absent in older results. */
	pipelineThreads?: ThreadCores;
	/** Through RTMP, how far into the trial the CPU figures start (steady state); absent: from its start. */
	cpuFromMs?: number;
	/** 'worker': audio handed to the inference worker directly; 'rtmp': publisher → nginx-rtmp → ffmpeg → LivePipeline. */
	path: 'worker' | 'rtmp';
	/** Whether sentences were recognized during their trailing silence (LivePipeline's earlyRecognition). */
	earlyRecognition: boolean;
	/** Early recognitions started, and those whose text a closed segment took (the rest were wasted). */
	early: { started: number; used: number };
}

interface Queued {
	fbank: Float32Array;
	durationSeconds: number;
	closedAt: number;
}

/**
 * Live streams at real-time pace through the inference worker (the path LivePipeline takes after
 * ffmpeg): every 100 ms each stream sends its next 100 ms chunk (the streams spread over the
 * interval), segments the VAD closes go through the stream's recognition queue, and the time from
 * the close to the recognized text is each segment's latency. Each stream starts at its own place
 * in the corpus (looped), so segments do not all close at once.
 */
export async function liveContender(
	setup: SetupMessage,
	precision: Precision,
	layout: Layout,
	streams: number,
	seconds: number,
	family?: RecognizerFamily,
): Promise<Contender> {
	const client = new InferenceClient();
	const ids = Array.from({ length: streams }, (_, i) => `live-${i}`);
	const config = pipelineConfig(setup.asrDir, precision, layout, family);
	for (const id of ids) await client.open(id, config);
	const corpus = corpusWithPauses(readCorpusAudio(setup.corpus));
	return {
		async pass() {
			const samples: LiveSample[] = [];
			const lags: number[] = [];
			let closed = 0;
			const queues = ids.map(
				(id) =>
					new RecognitionQueue<Queued, string>(
						{ maxSeconds: Number.POSITIVE_INFINITY },
						{
							recognize: async (segment) => (await client.recognize(id, segment.fbank)).textRaw,
							deliver: async (segment, textRaw) => {
								await client.punctuate(id, textRaw);
								samples.push({
									seconds: segment.durationSeconds,
									latencyMs: performance.now() - segment.closedAt,
								});
							},
							dropped: () => undefined,
						},
						recognitionsInFlight(config.models),
					),
			);
			const chunks = Math.floor((seconds * 1000) / CHUNK_MS);
			const started = performance.now();
			const machineBefore = cpuAccount();
			const processBefore = process.cpuUsage();
			const feeders = ids.map(async (id, stream) => {
				const streamQueue = queues[stream];
				const phaseMs = (stream * CHUNK_MS) / streams;
				const firstSample =
					Math.floor((stream / streams) * (corpus.length / CHUNK_SAMPLES)) * CHUNK_SAMPLES;
				let chain: Promise<void> = Promise.resolve();
				for (let k = 0; k < chunks; k++) {
					const dueAt = started + phaseMs + (k + 1) * CHUNK_MS;
					const wait = dueAt - performance.now();
					if (wait > 0) await sleep(wait);
					const chunk = slice(corpus, firstSample + k * CHUNK_SAMPLES, CHUNK_SAMPLES);
					chain = chain.then(async () => {
						const segments = (await client.audio(id, chunk)).closed;
						const now = performance.now();
						lags.push(now - dueAt);
						for (const segment of segments) {
							closed++;
							streamQueue.push({
								fbank: segment.fbank,
								durationSeconds: (segment.endMs - segment.startMs) / 1000,
								closedAt: now,
							});
						}
					});
				}
				await chain;
			});
			await Promise.all(feeders);
			const processCpu = process.cpuUsage(processBefore);
			const machineAfter = cpuAccount();
			const fedSeconds = (performance.now() - started) / 1000;
			await Promise.race([Promise.all(queues.map((q) => q.drain())), sleep(DRAIN_LIMIT_MS)]);
			const trial: LiveTrial = {
				streams,
				seconds,
				samples: [...samples],
				unfinished: closed - samples.length,
				audioLagMs: { p95: quantile(lags, 0.95), max: Math.max(0, ...lags) },
				busyCores: {
					machine: machineBusyCores(machineBefore, machineAfter),
					process: (processCpu.user + processCpu.system) / 1e6 / fedSeconds,
				},
				path: 'worker',
				earlyRecognition: false,
				early: { started: 0, used: 0 },
			};
			return { data: trial };
		},
		async close() {
			await client.terminate();
		},
	};
}

/** The corpus files one after the other, each followed by a pause (silence), looped by the streams. */
export function corpusWithPauses(parts: readonly Float32Array[]): Float32Array {
	const pause = PAUSE_SECONDS * 16000;
	const all = new Float32Array(parts.reduce((total, part) => total + part.length + pause, 0));
	let offset = 0;
	for (const part of parts) {
		all.set(part, offset);
		offset += part.length + pause;
	}
	return all;
}

/** `length` samples from `start`, wrapping around the end: a copy, as ffmpeg's output would be. */
function slice(audio: Float32Array, start: number, length: number): Float32Array {
	const chunk = new Float32Array(length);
	for (let i = 0; i < length; i++) chunk[i] = audio[(start + i) % audio.length];
	return chunk;
}
