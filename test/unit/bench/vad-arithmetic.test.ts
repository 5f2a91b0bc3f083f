import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fsmnVadOpsPerAudioSecond } from '../../../bench/vad-arithmetic.js';
import {
	readModelConfig,
	yamlNumber,
	yamlSection,
} from '../../../engine/model-dir/model-config.js';
import { sharedPath } from '../../helpers/paths.js';

test("the FSMN-VAD's ops counted from its graph match its architecture in config.yaml", () => {
	const vadDir = sharedPath('models', 'fsmn-vad');
	const config = readModelConfig(vadDir, 'VAD model');
	const encoder = yamlSection(config, 'encoder_conf');
	const frontend = yamlSection(config, 'frontend_conf');
	const size = (key: string) => yamlNumber(encoder, key, Number.NaN);
	// FunASR's FSMN encoder: input affine and linear, then per layer a projection, a depthwise
	// memory of lorder taps and rorder look-ahead, and an affine back; then output affine and output.
	const perLayer =
		size('linear_dim') * size('proj_dim') +
		size('proj_dim') * (size('lorder') + size('rorder')) +
		size('proj_dim') * size('linear_dim');
	const multiplyAddsPerFrame =
		size('input_dim') * size('input_affine_dim') +
		size('input_affine_dim') * size('linear_dim') +
		size('fsmn_layers') * perLayer +
		size('linear_dim') * size('output_affine_dim') +
		size('output_affine_dim') * size('output_dim');
	const framesPerSecond =
		1000 /
		(yamlNumber(frontend, 'frame_shift', Number.NaN) * yamlNumber(frontend, 'lfr_n', Number.NaN));
	assert.equal(fsmnVadOpsPerAudioSecond(vadDir), 2 * multiplyAddsPerFrame * framesPerSecond);
});
