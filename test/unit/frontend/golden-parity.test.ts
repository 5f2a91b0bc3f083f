import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { loadCmvn } from '../../../engine/frontend/cmvn.js';
import { computeFbank } from '../../../engine/frontend/fbank.js';
import { computeFeatures } from '../../../engine/frontend/feature-extractor.js';
import type { FeatureMatrix } from '../../../engine/frontend/feature-matrix.js';
import { loadFrontendOptions } from '../../../engine/frontend/frontend-options.js';
import { readWav } from '../../../engine/source/wav.js';
import { readFloat32, sharedPath } from '../../helpers/paths.js';

interface GoldenEntry {
	wav: string;
	samples: number;
	fbank: { file: string; shape: [number, number] };
	asr_lfr_cmvn: { file: string; shape: [number, number] };
	vad_lfr_cmvn: { file: string; shape: [number, number] };
}

const TOLERANCE = 1e-3;
const index = JSON.parse(readFileSync(sharedPath('golden', 'index.json'), 'utf8')) as Record<
	string,
	GoldenEntry
>;
const paraformerDir = sharedPath('models', 'paraformer-large-zh-vocab8404');
const vadDir = sharedPath('models', 'fsmn-vad');

function assertMatchesGolden(
	t: TestContext,
	actual: FeatureMatrix,
	golden: { file: string; shape: [number, number] },
	label: string,
): void {
	const expected = readFloat32(sharedPath('golden', golden.file));
	assert.deepEqual([actual.rows, actual.dim], golden.shape, `${label}: shape`);
	let maxDiff = 0;
	for (let i = 0; i < expected.length; i++)
		maxDiff = Math.max(maxDiff, Math.abs(actual.data[i] - expected[i]));
	t.diagnostic(`${label}: max abs diff ${maxDiff.toExponential(3)} over ${golden.shape.join('×')}`);
	assert.ok(maxDiff <= TOLERANCE, `${label}: max abs diff ${maxDiff} > ${TOLERANCE}`);
}

test('the golden index lists recordings to compare', () => {
	assert.ok(Object.keys(index).length > 0, 'golden/index.json is empty: no parity test would run');
});

for (const [name, entry] of Object.entries(index)) {
	test(`${name}: fbank, Paraformer LFR+CMVN and VAD LFR+CMVN match torchaudio's Kaldi features`, (t) => {
		const audio = readWav(sharedPath('audio', entry.wav));
		assert.equal(audio.samples.length, entry.samples);
		const asrOptions = loadFrontendOptions(paraformerDir);
		assertMatchesGolden(t, computeFbank(audio.samples, asrOptions), entry.fbank, `${name} fbank`);
		assertMatchesGolden(
			t,
			computeFeatures(audio.samples, asrOptions, loadCmvn(`${paraformerDir}/am.mvn`)),
			entry.asr_lfr_cmvn,
			`${name} asr_lfr_cmvn`,
		);
		assertMatchesGolden(
			t,
			computeFeatures(audio.samples, loadFrontendOptions(vadDir), loadCmvn(`${vadDir}/am.mvn`)),
			entry.vad_lfr_cmvn,
			`${name} vad_lfr_cmvn`,
		);
	});
}
