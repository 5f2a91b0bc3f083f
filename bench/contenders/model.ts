import { join } from 'node:path';
import { Paraformer } from '../../engine/asr/paraformer.js';
import { loadCmvn } from '../../engine/frontend/cmvn.js';
import { computeFeatures } from '../../engine/frontend/feature-extractor.js';
import { loadFrontendOptions } from '../../engine/frontend/frontend-options.js';
import type { Precision, SetupMessage } from '../contender-protocol.js';
import { cutSegments, readCorpusAudio } from '../corpus.js';
import type { Contender } from './contender.js';

/** Paraformer alone: one onnxruntime run per segment on features computed beforehand, then argmax. */
export async function modelContender(setup: SetupMessage, precision: Precision, threads: number): Promise<Contender> {
	const paraformer = await Paraformer.load(setup.asrDir, { quantized: precision === 'int8', threads });
	const options = loadFrontendOptions(setup.asrDir);
	const cmvn = loadCmvn(join(setup.asrDir, 'am.mvn'));
	const features = cutSegments(readCorpusAudio(setup.corpus), setup.segments).map((samples) => computeFeatures(samples, options, cmvn));
	return {
		async pass() {
			const inferenceBefore = paraformer.stats.inferenceMs;
			const texts: string[] = [];
			for (const matrix of features) texts.push((await paraformer.recognizeFeatures([matrix]))[0]!.text);
			return { texts, data: { inferenceMs: paraformer.stats.inferenceMs - inferenceBefore } };
		},
		close: () => paraformer.release(),
	};
}
