import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCmvn, type Cmvn } from '../../../engine/frontend/cmvn.js';
import { OnlineFbank } from '../../../engine/frontend/fbank.js';
import { computeFeatures, FeatureExtractor } from '../../../engine/frontend/feature-extractor.js';
import {
	loadFrontendOptions,
	type FrontendOptions,
} from '../../../engine/frontend/frontend-options.js';
import { readWav } from '../../../engine/source/wav.js';
import { sharedPath } from '../../helpers/paths.js';

const models = {
	paraformer: sharedPath('models', 'paraformer-large-zh-vocab8404'),
	vad: sharedPath('models', 'fsmn-vad'),
};
const samples = readWav(sharedPath('audio', 'a_cn_16k.wav')).samples;

function streamInChunks(options: FrontendOptions, cmvn: Cmvn, chunkSize: number): Float32Array {
	const extractor = new FeatureExtractor(options, cmvn);
	const parts: Float32Array[] = [];
	for (let start = 0; start < samples.length; start += chunkSize)
		parts.push(extractor.accept(samples.subarray(start, start + chunkSize)));
	parts.push(extractor.finish());
	const all = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
	let offset = 0;
	for (const part of parts) {
		all.set(part, offset);
		offset += part.length;
	}
	return all;
}

for (const [name, dir] of Object.entries(models)) {
	test(`${name} features are identical whether audio comes in 1-sample, 37 ms, 100 ms chunks or whole`, () => {
		const options = loadFrontendOptions(dir);
		const cmvn = loadCmvn(`${dir}/am.mvn`);
		const whole = computeFeatures(samples, options, cmvn);
		assert.ok(whole.rows > 0);
		for (const chunkSize of [1, 592, 1600, samples.length]) {
			assert.deepEqual(
				streamInChunks(options, cmvn, chunkSize),
				whole.data,
				`chunks of ${chunkSize} samples`,
			);
		}
	});
}

test('rows are released as soon as their frames exist, not only at finish', () => {
	const options = loadFrontendOptions(models.paraformer);
	const extractor = new FeatureExtractor(options, loadCmvn(`${models.paraformer}/am.mvn`));
	const first = extractor.accept(samples.subarray(0, 16000));
	// 1 s = 98 frames; LFR 7/6 with 3 frames of left padding needs frame 6i+3 for row i: rows 0..15.
	assert.equal(first.length / extractor.dim, 16);
});

test('fewer samples than one frame give no rows; empty chunks are harmless', () => {
	const options = loadFrontendOptions(models.vad);
	const cmvn = loadCmvn(`${models.vad}/am.mvn`);
	assert.equal(computeFeatures(samples.subarray(0, 399), options, cmvn).rows, 0);
	assert.equal(computeFeatures(new Float32Array(0), options, cmvn).rows, 0);
	assert.equal(computeFeatures(samples.subarray(0, 400), options, cmvn).rows, 1);

	const extractor = new FeatureExtractor(options, cmvn);
	assert.equal(extractor.accept(new Float32Array(0)).length, 0);
	assert.equal(extractor.accept(samples.subarray(0, 399)).length, 0);
	assert.equal(extractor.accept(new Float32Array(0)).length, 0);
	assert.equal(extractor.finish().length, 0);
	assert.equal(extractor.finish().length, 0);
});

test('finish() leaves the extractor ready for a new stream', () => {
	const options = loadFrontendOptions(models.paraformer);
	const cmvn = loadCmvn(`${models.paraformer}/am.mvn`);
	const extractor = new FeatureExtractor(options, cmvn);
	extractor.accept(samples.subarray(0, 12345));
	extractor.finish();
	const again = [extractor.accept(samples), extractor.finish()];
	const whole = computeFeatures(samples, options, cmvn).data;
	assert.deepEqual(Float32Array.from([...again[0], ...again[1]]), whole);
});

test('fbank row count follows snip_edges: 1 + floor((n - 400) / 160)', () => {
	const options = loadFrontendOptions(models.vad);
	for (const n of [399, 400, 559, 560, 16000]) {
		const fbank = new OnlineFbank(options);
		const rows = fbank.accept(samples.subarray(0, n)).length / fbank.dim;
		assert.equal(rows, n < 400 ? 0 : 1 + Math.floor((n - 400) / 160), `${n} samples`);
	}
});
