import { RecognitionQueue } from '../../engine/pipeline/recognition-queue.js';
import { InferenceClient } from '../../engine/runtime/inference-client.js';
import type { SegmentAudio, StreamConfig } from '../../engine/runtime/inference-protocol.js';
import type { Precision, SetupMessage } from '../contender-protocol.js';
import { readCorpusAudio } from '../corpus.js';
import { PUNCTUATION_DIR, VAD_DIR } from '../paths.js';
import type { Contender } from './contender.js';
import { CHUNK_SAMPLES } from './vad.js';

interface Queued {
	samples: Float32Array;
	durationSeconds: number;
}

export function pipelineConfig(asrDir: string, precision: Precision, threads: number): StreamConfig {
	return { models: { asrDir, vadDir: VAD_DIR, puncDir: PUNCTUATION_DIR, quantized: precision === 'int8', threads } };
}

/**
 * The whole pipeline as LivePipeline drives it, fed as fast as it goes: 100 ms chunks through the
 * inference worker (VAD), closed segments into the recognition queue, each recognised (Paraformer,
 * then punctuation) in the worker — every message crossing the thread boundary. One stream; each
 * corpus file is one session (flushed at its end).
 *
 * `vadApart` emulates the VAD on a thread of its own, without changing the engine: two inference
 * workers with the stream open in both, audio to one, recognitions to the other.
 */
export async function pipelineContender(setup: SetupMessage, precision: Precision, threads: number, vadApart: boolean): Promise<Contender> {
	const vadClient = new InferenceClient();
	const recognitionClient = vadApart ? new InferenceClient() : vadClient;
	const streamId = 'bench';
	await vadClient.open(streamId, pipelineConfig(setup.asrDir, precision, threads));
	if (vadApart) await recognitionClient.open(streamId, pipelineConfig(setup.asrDir, precision, threads));
	const audio = readCorpusAudio(setup.corpus);
	return {
		async pass() {
			const texts: string[] = [];
			const punctuated: string[] = [];
			const queue = new RecognitionQueue<Queued>({ maxSeconds: Number.POSITIVE_INFINITY }, {
				recognize: async (segment) => {
					const result = await recognitionClient.recognize(streamId, segment.samples);
					texts.push(result.textRaw);
					punctuated.push(result.text);
				},
				dropped: () => {
					throw new Error('the benchmark queue never drops');
				},
			});
			const enqueue = (segments: SegmentAudio[]) => {
				for (const segment of segments) queue.push({ samples: segment.samples, durationSeconds: segment.samples.length / 16000 });
			};
			for (const samples of audio) {
				for (let offset = 0; offset < samples.length; offset += CHUNK_SAMPLES) {
					// A copy, as ffmpeg's output would be: the chunk is transferred to the worker.
					enqueue(await vadClient.audio(streamId, samples.slice(offset, offset + CHUNK_SAMPLES)));
				}
				enqueue(await vadClient.flush(streamId));
			}
			await queue.drain();
			return { texts, data: { punctuated } };
		},
		async close() {
			await vadClient.terminate();
			if (vadApart) await recognitionClient.terminate();
		},
	};
}
