import type { Segment, StreamConfig } from '../../engine/runtime/inference-protocol.js';
import { WorkerEngine } from '../../engine/runtime/worker-engine.js';
import { handleRequest } from '../../engine/runtime/worker-requests.js';
import type { Precision, SetupMessage } from '../contender-protocol.js';
import { readCorpusAudio } from '../corpus.js';
import type { Contender } from './contender.js';
import { pipelineConfig } from './pipeline.js';
import { CHUNK_SAMPLES } from './vad.js';

/** Audio each extra stream receives before its memory is counted: its VAD state and history fill up. */
const EXTRA_STREAM_SECONDS = 20;

export interface MemoryFigures {
	/** Process resident set before any model is loaded. */
	baselineBytes: number;
	/** After the first stream opened (VAD, Paraformer, punctuation loaded). */
	loadedBytes: number;
	/** After that stream recognized the whole corpus (onnxruntime's arena grown to the longest segment). */
	workingBytes: number;
	streams: number;
	/** After `streams` more streams opened, each in the middle of a session of 20 s of speech. */
	streamsBytes: number;
	perStreamBytes: number;
	/**
	 * JavaScript heap and array buffers per extra stream (VAD caches, fbank history): the resident set
	 * hardly moves when freed heap is reused, this does.
	 */
	perStreamHeapBytes: number;
	/** What a second recognizer worker adds (Parallel Recognitions 2): its own Paraformer, arena grown on the longest segment. */
	secondRecognizerBytes: number;
}

/** Resident memory of the worker engine (in this process): the model loaded, then per extra stream. */
export function memoryContender(
	setup: SetupMessage,
	precision: Precision,
	threads: number,
	streams: number,
): Contender {
	const audio = readCorpusAudio(setup.corpus);
	const longest = audio.reduce((a, b) => (b.length > a.length ? b : a));
	return {
		async pass() {
			const engine: Engines = {
				vad: new WorkerEngine('vad'),
				recognizer: new WorkerEngine('recognizer'),
			};
			const config = pipelineConfig(setup.asrDir, precision, { threads, recognizers: 1 });
			const baselineBytes = settledRss();
			await open(engine, 'first', config);
			const loadedBytes = settledRss();
			for (const samples of audio) await recognizeSession(engine, 'first', samples);
			const workingBytes = settledRss();
			const heapBefore = heapBytes();
			for (let i = 0; i < streams; i++) {
				await open(engine, `extra-${i}`, config);
				await sendAudio(engine, `extra-${i}`, longest.subarray(0, EXTRA_STREAM_SECONDS * 16000));
			}
			const streamsBytes = settledRss();
			const heapAfter = heapBytes();
			const second = new WorkerEngine('recognizer');
			await handleRequest(second, { id: 0, type: 'open', streamId: 'first', config });
			for (const segment of await segmentsOf(engine, 'longest', config, longest))
				await handleRequest(second, {
					id: 0,
					type: 'recognize',
					streamId: 'first',
					fbank: segment.fbank,
				});
			const secondRecognizerBytes = settledRss() - streamsBytes;
			await handleRequest(second, { id: 0, type: 'shutdown' });
			for (let i = 0; i < streams; i++) await close(engine, `extra-${i}`);
			await close(engine, 'first');
			const figures: MemoryFigures = {
				baselineBytes,
				loadedBytes,
				workingBytes,
				streams,
				streamsBytes,
				perStreamBytes: (streamsBytes - workingBytes) / streams,
				perStreamHeapBytes: (heapAfter - heapBefore) / streams,
				secondRecognizerBytes,
			};
			return { data: figures };
		},
		async close() {},
	};
}

/** The two workers' engines, in this process so that one resident set counts both. */
interface Engines {
	vad: WorkerEngine;
	recognizer: WorkerEngine;
}

async function open(engine: Engines, streamId: string, config: StreamConfig): Promise<void> {
	await handleRequest(engine.vad, { id: 0, type: 'open', streamId, config });
	await handleRequest(engine.recognizer, { id: 0, type: 'open', streamId, config });
}

async function close(engine: Engines, streamId: string): Promise<void> {
	await handleRequest(engine.vad, { id: 0, type: 'close', streamId });
	await handleRequest(engine.recognizer, { id: 0, type: 'close', streamId });
}

/** One session: the samples in 100 ms chunks, flushed, every segment recognized. */
async function recognizeSession(
	engine: Engines,
	streamId: string,
	samples: Float32Array,
): Promise<void> {
	const segments = [
		...(await sendAudio(engine, streamId, samples)),
		...(await handleRequest(engine.vad, { id: 0, type: 'flush', streamId })),
	];
	for (const segment of segments)
		await handleRequest(engine.recognizer, {
			id: 0,
			type: 'recognize',
			streamId,
			fbank: segment.fbank,
		});
}

/** The segments of one whole session, cut by a VAD stream of their own. */
async function segmentsOf(
	engine: Engines,
	streamId: string,
	config: StreamConfig,
	samples: Float32Array,
): Promise<Segment[]> {
	await handleRequest(engine.vad, { id: 0, type: 'open', streamId, config });
	const segments = [
		...(await sendAudio(engine, streamId, samples)),
		...(await handleRequest(engine.vad, { id: 0, type: 'flush', streamId })),
	];
	await handleRequest(engine.vad, { id: 0, type: 'close', streamId });
	return segments;
}

/** The samples in 100 ms chunks, as a live stream sends them; the session stays open. */
async function sendAudio(
	engine: Engines,
	streamId: string,
	samples: Float32Array,
): Promise<Segment[]> {
	const segments: Segment[] = [];
	for (let offset = 0; offset < samples.length; offset += CHUNK_SAMPLES) {
		segments.push(
			...(
				await handleRequest(engine.vad, {
					id: 0,
					type: 'audio',
					streamId,
					samples: samples.slice(offset, offset + CHUNK_SAMPLES),
				})
			).closed,
		);
	}
	return segments;
}

function settledRss(): number {
	(globalThis as { gc?: () => void }).gc?.();
	return process.memoryUsage.rss();
}

function heapBytes(): number {
	(globalThis as { gc?: () => void }).gc?.();
	const usage = process.memoryUsage();
	return usage.heapUsed + usage.arrayBuffers;
}
