import { join } from 'node:path';
import { loadCmvn } from '../../engine/frontend/cmvn.js';
import { computeFeatures } from '../../engine/frontend/feature-extractor.js';
import { loadFrontendOptions } from '../../engine/frontend/frontend-options.js';
import type { SetupMessage } from '../contender-protocol.js';
import { cutSegments, readCorpusAudio } from '../corpus.js';
import type { Contender } from './contender.js';

/** Paraformer's front end alone (fbank, LFR 7/6, CMVN) over every segment. */
export function frontendContender(setup: SetupMessage): Contender {
	const options = loadFrontendOptions(setup.asrDir);
	const cmvn = loadCmvn(join(setup.asrDir, 'am.mvn'));
	const segments = cutSegments(readCorpusAudio(setup.corpus), setup.segments);
	return {
		async pass() {
			let rows = 0;
			for (const samples of segments) rows += computeFeatures(samples, options, cmvn).rows;
			return { data: { rows } };
		},
		async close() {},
	};
}
