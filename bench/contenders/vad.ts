import { FsmnVadModel, StreamingVad } from '../../engine/vad/streaming-vad.js';
import type { SetupMessage } from '../contender-protocol.js';
import { readCorpusAudio, type Segment } from '../corpus.js';
import { VAD_DIR } from '../paths.js';
import type { Contender } from './contender.js';

/** What ffmpeg hands the pipeline: 100 ms of audio at a time. */
export const CHUNK_SAMPLES = 1600;

/** FSMN-VAD alone, streaming each whole file in 100 ms chunks; its segments are the corpus's segments. */
export async function vadContender(setup: SetupMessage): Promise<Contender> {
	const model = await FsmnVadModel.load(VAD_DIR, { threads: 1 });
	const audio = readCorpusAudio(setup.corpus);
	return {
		async pass() {
			const segments: Segment[] = [];
			for (const [file, samples] of audio.entries()) {
				const vad = new StreamingVad(model);
				const found = [];
				for (let offset = 0; offset < samples.length; offset += CHUNK_SAMPLES) {
					found.push(...(await vad.accept(samples.subarray(offset, offset + CHUNK_SAMPLES))));
				}
				found.push(...(await vad.finish()));
				segments.push(...found.map(({ startMs, endMs }) => ({ file, startMs, endMs })));
			}
			return { data: segments };
		},
		close: () => model.release(),
	};
}
