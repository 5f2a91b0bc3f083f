import { FsmnVadModel, StreamingVad } from '../../engine/vad/streaming-vad.js';
import type { SetupMessage } from '../contender-protocol.js';
import { readCorpusAudio, type CorpusSegment } from '../corpus.js';
import { VAD_DIR } from '../paths.js';
import type { Contender } from './contender.js';

/** What ffmpeg hands the pipeline: 100 ms of audio at a time. */
export const CHUNK_SAMPLES = 1600;

/**
 * FSMN-VAD alone, streaming each whole file in chunks of `chunkSamples` (100 ms: live audio; 2 s: a
 * backlog, as VadFeed sends it); its segments are the corpus's segments (any chunking gives the same).
 */
export async function vadContender(
	setup: SetupMessage,
	chunkSamples = CHUNK_SAMPLES,
): Promise<Contender> {
	const model = await FsmnVadModel.load(VAD_DIR, { threads: 1 });
	const audio = readCorpusAudio(setup.corpus);
	return {
		async pass() {
			const segments: CorpusSegment[] = [];
			for (const [file, samples] of audio.entries()) {
				const vad = new StreamingVad(model);
				const found = [];
				for (let offset = 0; offset < samples.length; offset += chunkSamples) {
					found.push(...(await vad.accept(samples.subarray(offset, offset + chunkSamples))));
				}
				found.push(...(await vad.finish()));
				segments.push(...found.map(({ startMs, endMs }) => ({ file, startMs, endMs })));
			}
			return { data: segments };
		},
		close: () => model.release(),
	};
}
