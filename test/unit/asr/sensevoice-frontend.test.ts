import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadRecognizer } from '../../../engine/asr/recognizer.js';
import { ctcGreedy } from '../../../engine/asr/sensevoice-decoding.js';
import type { SenseVoice } from '../../../engine/asr/sensevoice.js';
import { loadCmvn } from '../../../engine/frontend/cmvn.js';
import { computeFbank } from '../../../engine/frontend/fbank.js';
import { computeFeatures, featuresFromFbank } from '../../../engine/frontend/feature-extractor.js';
import { loadFrontendOptions } from '../../../engine/frontend/frontend-options.js';
import { readWav } from '../../../engine/source/wav.js';
import { fixturePath, readFloat32, sharedPath } from '../../helpers/paths.js';

// SenseVoiceSmall's config.yaml says `cmvn_file: null`, but FunASR's runtimes apply the model's
// am.mvn all the same: funasr_onnx/sensevoice_bin.py sets frontend_conf.cmvn_file to am.mvn and
// calls lfr_cmvn; the C++ runtime and sherpa-onnx (neg_mean/inv_stddev from am.mvn) do too.
const SENSEVOICE = fixturePath('models', 'tiny-sensevoice');
const PARAFORMER = sharedPath('models', 'paraformer-large-zh-vocab8404');
const TOLERANCE = 1e-3;

interface GoldenEntry {
	wav: string;
	asr_lfr_cmvn: { file: string; shape: [number, number] };
}
const golden = JSON.parse(readFileSync(sharedPath('golden', 'index.json'), 'utf8')) as Record<
	string,
	GoldenEntry
>;

test("SenseVoice's front end settings (config.yaml frontend_conf) are Paraformer's", () => {
	assert.deepEqual(loadFrontendOptions(SENSEVOICE), loadFrontendOptions(PARAFORMER));
});

for (const [name, entry] of Object.entries(golden)) {
	test(`${name}: SenseVoice's fbank + LFR 7/6 + am.mvn match FunASR's features (torchaudio Kaldi fbank)`, (t) => {
		const { samples } = readWav(sharedPath('audio', entry.wav));
		const features = computeFeatures(
			samples,
			loadFrontendOptions(SENSEVOICE),
			loadCmvn(`${SENSEVOICE}/am.mvn`),
		);
		const expected = readFloat32(sharedPath('golden', entry.asr_lfr_cmvn.file));
		assert.deepEqual([features.rows, features.dim], entry.asr_lfr_cmvn.shape);
		let worst = 0;
		for (let i = 0; i < expected.length; i++)
			worst = Math.max(worst, Math.abs(features.data[i] - expected[i]));
		t.diagnostic(`${name}: max abs diff ${worst.toExponential(3)}`);
		assert.ok(worst <= TOLERANCE, `max abs diff ${worst}`);
	});
}

test('SenseVoice recognizes from LFR + CMVN features: the rows it is given are normalised by am.mvn first', async () => {
	const model = (await loadRecognizer(SENSEVOICE)) as SenseVoice;
	try {
		const { samples } = readWav(sharedPath('audio', 'a_cn_16k.wav'));
		const options = loadFrontendOptions(SENSEVOICE);
		const fbank = computeFbank(samples.subarray(0, 3 * 16000), options);
		const request = { language: 'auto', itn: false } as const;
		const [viaFbank] = await model.recognizeFbank([fbank], [request]);
		const idsOf = async (features: Parameters<SenseVoice['infer']>[0][number]) => {
			const output = await model.infer([features], [request]);
			return ctcGreedy(output.logits, 0, output.lengths[0], output.vocabularySize);
		};
		const withCmvn = await idsOf(
			computeFeatures(samples.subarray(0, 3 * 16000), options, loadCmvn(`${SENSEVOICE}/am.mvn`)),
		);
		const withoutCmvn = await idsOf(featuresFromFbank(fbank, options, null));
		const tokens = (ids: number[]) =>
			ids.map((id) => model.tokens[id]).filter((token) => !/^<.*>$/.test(token));
		assert.deepEqual(viaFbank!.tokens, tokens(withCmvn));
		assert.notDeepEqual(tokens(withCmvn), tokens(withoutCmvn), 'CMVN changes what the model sees');
	} finally {
		await model.release();
	}
});
