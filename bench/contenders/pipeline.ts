import type { RecognizerFamily } from '../../engine/asr/recognizer-family.js';
import { RecognitionQueue } from '../../engine/pipeline/recognition-queue.js';
import { InferenceClient } from '../../engine/runtime/inference-client.js';
import { VadFeed } from '../../engine/pipeline/vad-feed.js';
import { recognitionsInFlight } from '../../engine/runtime/batcher.js';
import type {
	RecognizerOutput,
	Segment,
	StreamConfig,
} from '../../engine/runtime/inference-protocol.js';
import type { Layout, Precision, SetupMessage } from '../contender-protocol.js';
import { readCorpusAudio } from '../corpus.js';
import { PUNCTUATION_DIR, VAD_DIR } from '../paths.js';
import type { Contender } from './contender.js';
import { SENSEVOICE_REQUEST } from './recognize-text.js';
import { CHUNK_SAMPLES } from './vad.js';

interface Queued {
	fbank: Float32Array;
	durationSeconds: number;
}

/** The pipeline's models as the node sets them up; SenseVoice punctuates itself (ITN on), without a punctuation model. */
export function pipelineConfig(
	asrDir: string,
	precision: Precision,
	{ threads, recognizers }: Layout,
	family: RecognizerFamily = 'paraformer',
): StreamConfig {
	const models = {
		asrDir,
		vadDir: VAD_DIR,
		quantized: precision === 'int8',
		threads,
		recognizers,
	};
	return family === 'sensevoice'
		? { models, ...SENSEVOICE_REQUEST }
		: { models: { ...models, puncDir: PUNCTUATION_DIR } };
}

/**
 * One session of a file as LivePipeline feeds it to the VAD worker: ffmpeg's 100 ms reads as fast as
 * they come (paused while the VAD is far behind), through a VadFeed, then the flush.
 */
async function feedAsFfmpeg(
	client: InferenceClient,
	streamId: string,
	samples: Float32Array,
	enqueue: (segments: Segment[]) => void,
): Promise<void> {
	let failure: unknown = null;
	let resume: (() => void) | null = null;
	let paused = false;
	const feed = new VadFeed(client, streamId, {
		segmented: ({ closed }) => enqueue(closed),
		failed: (error) => (failure ??= error),
		pressure: (full) => {
			paused = full;
			if (!full) resume?.();
		},
	});
	for (let offset = 0; offset < samples.length; offset += CHUNK_SAMPLES) {
		if (paused) await new Promise<void>((resolve) => (resume = resolve));
		// A copy, as ffmpeg's output would be: the chunk is transferred to the worker.
		feed.push(samples.slice(offset, offset + CHUNK_SAMPLES));
	}
	await feed.drain();
	if (failure) throw failure;
	enqueue(await client.flush(streamId));
}

/**
 * The whole pipeline as LivePipeline drives it, fed as fast as it goes: ffmpeg's reads through the
 * VAD worker (fbank, VAD), closed segments with their fbank rows into the recognition queue, each
 * recognized (LFR, CMVN, Paraformer) in a recognizer worker and punctuated in the VAD worker — every message crossing
 * a thread boundary; a backlog goes to the worker together and is batched there, as LivePipeline's. One stream; each corpus file is one session (flushed at its end).
 */
export async function pipelineContender(
	setup: SetupMessage,
	precision: Precision,
	layout: Layout,
	family: RecognizerFamily = 'paraformer',
): Promise<Contender> {
	const client = new InferenceClient();
	const streamId = 'bench';
	const config = pipelineConfig(setup.asrDir, precision, layout, family);
	await client.open(streamId, config);
	const audio = readCorpusAudio(setup.corpus);
	return {
		async pass() {
			const texts: string[] = [];
			const punctuated: string[] = [];
			const queue = new RecognitionQueue<Queued, RecognizerOutput>(
				{ maxSeconds: Number.POSITIVE_INFINITY },
				{
					recognize: (segment) => client.recognize(streamId, segment.fbank),
					deliver: async (_, result) => {
						texts.push(result.textRaw);
						punctuated.push(await client.punctuate(streamId, result.textRaw));
					},
					dropped: () => {
						throw new Error('the benchmark queue never drops');
					},
				},
				recognitionsInFlight(config.models),
			);
			const enqueue = (segments: Segment[]) => {
				for (const segment of segments)
					queue.push({
						fbank: segment.fbank,
						durationSeconds: (segment.endMs - segment.startMs) / 1000,
					});
			};
			for (const samples of audio) await feedAsFfmpeg(client, streamId, samples, enqueue);
			await queue.drain();
			return { texts, data: { punctuated } };
		},
		async close() {
			await client.terminate();
		},
	};
}
