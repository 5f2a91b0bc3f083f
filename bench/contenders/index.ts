import type { SetupMessage } from '../contender-protocol.js';
import type { Contender } from './contender.js';
import { flopsContender } from './flops.js';
import { frontendContender } from './frontend.js';
import { hotwordsContender } from './hotwords.js';
import { int8WeightsContender } from './int8-weights.js';
import { liveContender } from './live.js';
import { mainCpuContender } from './main-cpu.js';
import { matmulContender } from './matmul.js';
import { memoryContender } from './memory.js';
import { modelContender } from './model.js';
import { pipelineContender } from './pipeline.js';
import { punctuationContender } from './punctuation.js';
import { rtmpLiveContender } from './rtmp-live.js';
import { sherpaContender } from './sherpa.js';
import { vadContender } from './vad.js';

export type { Contender } from './contender.js';

export async function createContender(setup: SetupMessage): Promise<Contender> {
	const { spec } = setup;
	switch (spec.kind) {
		case 'segments':
			return vadContender(setup);
		case 'vad':
			return vadContender(setup, spec.chunkSamples);
		case 'frontend':
			return frontendContender(setup);
		case 'punctuation':
			return punctuationContender(setup, spec.precision);
		case 'model':
			return modelContender(setup, spec.precision, spec);
		case 'pipeline':
			return pipelineContender(setup, spec.precision, spec, spec.family);
		case 'sherpa':
			return sherpaContender(setup, spec.precision, spec, spec.family);
		case 'flops':
			return flopsContender(setup, spec.precision);
		case 'int8-weights':
			return int8WeightsContender(setup);
		case 'hotwords':
			return hotwordsContender(setup, spec.precision, spec.threads);
		case 'matmul':
			return matmulContender(
				spec.modelPath,
				spec.threads,
				spec.rows,
				spec.inner,
				spec.outer,
				spec.pairs,
			);
		case 'memory':
			return memoryContender(setup, spec.precision, spec.threads, spec.streams);
		case 'live':
			return liveContender(setup, spec.precision, spec, spec.streams, spec.seconds, spec.family);
		case 'rtmp-live':
			return rtmpLiveContender(
				setup,
				spec.precision,
				spec,
				spec.streams,
				spec.seconds,
				spec.earlyRecognition,
				spec.family,
			);
		case 'main-cpu':
			return mainCpuContender(
				setup,
				spec.recognition,
				spec.precision,
				spec,
				spec.streams,
				spec.seconds,
			);
	}
}
