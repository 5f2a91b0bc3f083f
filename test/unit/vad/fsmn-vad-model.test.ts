import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { EngineErrorCode } from '../../../engine/errors.js';
import { computeFeatures } from '../../../engine/frontend/feature-extractor.js';
import { readWav } from '../../../engine/source/wav.js';
import { FsmnVadModel, type FsmnVadOutput } from '../../../engine/vad/fsmn-vad-model.js';
import { assertLoadFails, type CopyChanges, ModelCopies } from '../../helpers/model-copies.js';
import { sharedPath } from '../../helpers/paths.js';

const VAD_DIR = sharedPath('models', 'fsmn-vad');
let model: FsmnVadModel;

before(async () => {
	model = await FsmnVadModel.load(VAD_DIR);
});
after(async () => {
	await model.release();
});

test('the model reads its front end, CMVN and endpointing defaults from the model directory', () => {
	assert.equal(model.frontend.lfrM, 5);
	assert.equal(model.frontend.lfrN, 1);
	assert.equal(model.cmvn.shift.length, 400);
	assert.equal(model.classes, 248);
	assert.equal(model.options.maxEndSilenceMs, 800);
	assert.equal(model.options.maxSegmentMs, 60_000);
	assert.equal(model.options.speechNoiseThreshold, 0.6);
});

test('outputs are posteriors: each row sums to 1', async () => {
	const { samples } = readWav(sharedPath('audio', 'a_cn_16k.wav'));
	const features = computeFeatures(samples, model.frontend, model.cmvn);
	const output = await model.run(features.data, model.createCache());
	assert.equal(output.rows, features.rows);
	for (let row = 0; row < output.rows; row++) {
		let sum = 0;
		for (let c = 0; c < output.classes; c++) sum += output.probabilities[row * output.classes + c];
		assert.ok(Math.abs(sum - 1) < 1e-4, `row ${row} sums to ${sum}`);
	}
});

test('chunked runs carrying the caches give bit-identical posteriors to one whole-file run', async () => {
	const { samples } = readWav(sharedPath('audio', 'vad_example.wav'));
	const features = computeFeatures(samples, model.frontend, model.cmvn);
	const dim = features.dim;
	const whole = await model.run(features.data, model.createCache());
	for (const rowsPerChunk of [1, 37, 100]) {
		let cache = model.createCache();
		const chunked = new Float32Array(whole.probabilities.length);
		for (let row = 0; row < features.rows; row += rowsPerChunk) {
			const end = Math.min(row + rowsPerChunk, features.rows);
			const output = await model.run(features.data.subarray(row * dim, end * dim), cache);
			cache = output.cache;
			chunked.set(output.probabilities, row * output.classes);
		}
		assert.deepEqual(chunked, whole.probabilities, `${rowsPerChunk} rows per run`);
	}
});

const copies = new ModelCopies(VAD_DIR);
after(() => copies.remove());

const failures: [string, CopyChanges, EngineErrorCode, RegExp][] = [
	['model.onnx removed', { without: ['model.onnx'] }, 'MODEL_MISSING', /has none of model\.onnx/],
	[
		'model.onnx truncated',
		{ write: { 'model.onnx': readFileSync(join(VAD_DIR, 'model.onnx')).subarray(0, 1000) } },
		'MODEL_INVALID',
		/could not be loaded by onnxruntime/,
	],
	['am.mvn removed', { without: ['am.mvn'] }, 'MODEL_MISSING', /lacks am\.mvn/],
	[
		'am.mvn corrupt',
		{ write: { 'am.mvn': '<Nnet>\n<AddShift> 400 400\n' } },
		'MODEL_INVALID',
		/not a Kaldi am\.mvn/,
	],
	['config.yaml removed', { without: ['config.yaml'] }, 'MODEL_MISSING', /lacks config\.yaml/],
	[
		'config.yaml with a nonsense option',
		{ write: { 'config.yaml': 'model_conf:\n  max_end_silence_time: -1\n' } },
		'MODEL_INVALID',
		/maxEndSilenceMs = -1/,
	],
	[
		'another model in place of model.onnx',
		{
			write: {
				'model.onnx': readFileSync(sharedPath('models', 'toy-paraformer-zh', 'model.onnx')),
			},
		},
		'MODEL_INTERFACE',
		/has no input "in_cache0"/,
	],
];

for (const [what, changes, code, message] of failures) {
	test(`a model directory with ${what} gives a clear ${code} error`, () =>
		assertLoadFails(FsmnVadModel.load(copies.copy(changes)), code, message));
}

test("streams' chunks given together share runs and get the same posteriors and caches as alone", async () => {
	const streams = ['a_cn_16k.wav', 'b_cn_16k.wav', 'c_cn_16k.wav', 'a_cn_16k.wav'].map((file) => {
		const { samples } = readWav(sharedPath('audio', file));
		return computeFeatures(samples, model.frontend, model.cmvn);
	});
	const dim = streams[0].dim;
	// Chunks of different lengths share the rows they have in common: two lengths, two runs, the
	// second of two streams (its inputs stacked where the first run's were).
	const rowsPerChunk = [10, 10, 12, 12];
	const chunks = Math.min(
		...streams.map((features, stream) => Math.floor(features.rows / rowsPerChunk[stream])),
	);
	const chunk = (stream: number, k: number) =>
		streams[stream].data.subarray(
			k * rowsPerChunk[stream] * dim,
			(k + 1) * rowsPerChunk[stream] * dim,
		);
	const alone: FsmnVadOutput[][] = [];
	for (let stream = 0; stream < streams.length; stream++) {
		let cache = model.createCache();
		const outputs: FsmnVadOutput[] = [];
		for (let k = 0; k < chunks; k++) {
			const output = await model.run(chunk(stream, k), cache);
			cache = output.cache;
			outputs.push(output);
		}
		alone.push(outputs);
	}
	let caches = streams.map(() => model.createCache());
	const runsBefore = model.runs;
	for (let k = 0; k < chunks; k++) {
		const together = await Promise.all(
			streams.map((_, stream) => model.run(chunk(stream, k), caches[stream])),
		);
		together.forEach((output, stream) => {
			const expected = alone[stream][k];
			assert.deepEqual(
				output.probabilities,
				expected.probabilities,
				`stream ${stream}, chunk ${k}`,
			);
			output.cache.forEach((tensor, i) =>
				assert.deepEqual(
					tensor.data,
					expected.cache[i].data,
					`stream ${stream}, chunk ${k}, cache ${i}`,
				),
			);
			assert.deepEqual(output.cache[0].dims, expected.cache[0].dims);
		});
		caches = together.map((output) => output.cache);
	}
	assert.equal(model.runs - runsBefore, 2 * chunks, 'one run per distinct length for all streams');
});
