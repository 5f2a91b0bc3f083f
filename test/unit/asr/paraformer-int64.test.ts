import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Paraformer } from '../../../engine/asr/paraformer.js';
import type { FeatureMatrix } from '../../../engine/frontend/feature-matrix.js';
import { sharedPath } from '../../helpers/paths.js';
import { encodeModel, type ElementType } from '../../helpers/tiny-onnx.js';

const TOKENS = ['<blank>', '<s>', '</s>', '你', '好', 'hel@@', 'lo', '<unk>'];
const DIM = 560;

/**
 * A stand-in with Paraformer's interface whose logits are the first columns of the features and whose
 * token_num is speech_lengths: what a row says is what it decodes to.
 */
function writeStandIn(dir: string, lengthType: ElementType) {
	const model = encodeModel({
		opset: 13,
		inputs: [
			{ name: 'speech', type: 'float32', shape: ['batch', 'frames', DIM] },
			{ name: 'speech_lengths', type: lengthType, shape: ['batch'] },
		],
		outputs: [
			{ name: 'logits', type: 'float32', shape: ['batch', 'frames', TOKENS.length] },
			{ name: 'token_num', type: lengthType, shape: ['batch'] },
		],
		initializers: [
			{ name: 'starts', values: [0] },
			{ name: 'ends', values: [TOKENS.length] },
			{ name: 'axes', values: [2] },
		],
		nodes: [
			{ op: 'Slice', inputs: ['speech', 'starts', 'ends', 'axes'], outputs: ['logits'] },
			{ op: 'Identity', inputs: ['speech_lengths'], outputs: ['token_num'] },
		],
	});
	writeFileSync(join(dir, 'model.onnx'), model);
	writeFileSync(join(dir, 'tokens.json'), JSON.stringify(TOKENS));
	writeFileSync(
		join(dir, 'config.yaml'),
		'frontend_conf:\n    n_mels: 80\n    lfr_m: 7\n    lfr_n: 6\nmodel_conf:\n    predictor_bias: 1\n',
	);
	copyFileSync(sharedPath('models', 'toy-paraformer-zh', 'am.mvn'), join(dir, 'am.mvn'));
}

/** Rows whose largest of the first columns is the given token id. */
function features(ids: number[]): FeatureMatrix {
	const data = new Float32Array(ids.length * DIM);
	ids.forEach((id, row) => (data[row * DIM + id] = 1));
	return { data, rows: ids.length, dim: DIM };
}

for (const lengthType of ['int64', 'int32'] as const) {
	describe(`Paraformer with ${lengthType} speech_lengths and token_num`, () => {
		const dir = mkdtempSync(join(tmpdir(), `paraformer-${lengthType}-`));
		let paraformer: Paraformer;
		before(async () => {
			writeStandIn(dir, lengthType);
			paraformer = await Paraformer.load(dir);
		});
		after(async () => {
			await paraformer.release();
			rmSync(dir, { recursive: true, force: true });
		});

		it('feeds lengths in the declared type and reads token_num back', async () => {
			const output = await paraformer.infer([features([3, 4, 2]), features([5, 6, 3, 7, 2])]);
			assert.deepEqual(output.tokenNum, [3, 5]);
		});

		it('decodes token_num - predictor_bias rows of each padded item, dropping specials and <unk>', async () => {
			const results = await paraformer.recognizeFeatures([
				features([3, 4, 2]),
				features([1, 5, 6, 3, 7, 0, 2]),
				features([]),
			]);
			assert.deepEqual(results, [
				{ text: '你好', tokens: ['你', '好'] },
				{ text: 'hello你', tokens: ['hel@@', 'lo', '你'] },
				{ text: '', tokens: [] },
			]);
		});
	});
}
