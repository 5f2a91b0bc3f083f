import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Paraformer } from '../../../engine/asr/paraformer.js';
import type { FeatureMatrix } from '../../../engine/frontend/feature-matrix.js';
import { fixturePath, readFloat32 } from '../../helpers/paths.js';

/** torch outputs of the tiny stand-in Paraformer (test/fixtures/models/README.md). */
interface ReferenceRun {
	name: string;
	items: number[];
	speech_lengths: number[];
	logits_shape: number[];
	token_num: number[];
	argmax: number[][];
	row_max: number[][];
	logits_head: number[][][];
	top5_ids: number[][][];
	top5_values: number[][][];
	decoded: { ids: number[]; tokens: string[] }[];
}

interface Reference {
	speech: { file: string; shape: [number, number, number]; lengths: number[] };
	head_columns: number;
	runs: ReferenceRun[];
}

const DIR = fixturePath('models', 'tiny-paraformer');
const TOLERANCE = 1e-4;

describe('Paraformer against the tiny-paraformer torch reference', () => {
	const reference = JSON.parse(readFileSync(`${DIR}/reference.json`, 'utf8')) as Reference;
	const [items, maxRows, dim] = reference.speech.shape;
	const speech = readFloat32(`${DIR}/${reference.speech.file}`);
	const features: FeatureMatrix[] = reference.speech.lengths.map((rows, item) => ({
		data: speech.subarray(item * maxRows * dim, (item * maxRows + rows) * dim),
		rows,
		dim,
	}));
	let paraformer: Paraformer;

	before(async () => {
		paraformer = await Paraformer.load(DIR);
	});
	after(() => paraformer.release());

	it('has the speech and the runs the reference describes', () => {
		assert.ok(reference.runs.length > 0, 'reference.json lists no runs: no comparison would run');
		assert.equal(speech.length, items * maxRows * dim);
		assert.equal(paraformer.featureDim, dim);
	});

	for (const run of reference.runs) {
		it(`run "${run.name}": same token_num, argmax and logits within ${TOLERANCE}`, async (t) => {
			const output = await paraformer.infer(run.items.map((item) => features[item]));
			assert.deepEqual([output.batch, output.rows, output.vocabularySize], run.logits_shape);
			assert.deepEqual(output.tokenNum, run.token_num);
			let worst = 0;
			const compare = (actual: number, expected: number) => {
				worst = Math.max(worst, Math.abs(actual - expected));
			};
			run.items.forEach((_, b) => {
				for (let row = 0; row < output.rows; row++) {
					const scores = output.logits.subarray(
						(b * output.rows + row) * output.vocabularySize,
						(b * output.rows + row + 1) * output.vocabularySize,
					);
					let best = 0;
					for (let id = 1; id < scores.length; id++) if (scores[id] > scores[best]) best = id;
					assert.equal(best, run.argmax[b][row], `argmax of item ${b} row ${row}`);
					compare(scores[best], run.row_max[b][row]);
					run.logits_head[b][row].forEach((value, column) => compare(scores[column], value));
					run.top5_ids[b][row].forEach((id, k) => compare(scores[id], run.top5_values[b][row][k]));
				}
			});
			t.diagnostic(
				`tiny-paraformer ${run.name}: largest logit difference ${worst.toExponential(2)}`,
			);
			assert.ok(worst <= TOLERANCE, `largest logit difference ${worst}`);
		});

		it(`run "${run.name}": decodes the same tokens`, async () => {
			const results = await paraformer.recognizeFeatures(run.items.map((item) => features[item]));
			assert.deepEqual(
				results.map((result) => result.tokens),
				run.decoded.map((decoded) => decoded.tokens),
			);
			assert.ok(results.every((result) => result.text.length > 0));
		});
	}

	it('gives empty text, not an error, when no item of a run fires a token (the decoder fails on nothing)', async () => {
		const tiny = [1, 2].map((rows) => ({
			data: features[0].data.subarray(0, rows * dim),
			rows,
			dim,
		}));
		const emptyRuns = paraformer.stats.emptyRuns;
		const results = await paraformer.recognizeFeatures(tiny);
		assert.deepEqual(results, [
			{ text: '', tokens: [] },
			{ text: '', tokens: [] },
		]);
		assert.equal(paraformer.stats.emptyRuns, emptyRuns + 1);
		const [noise] = await paraformer.recognize([
			Float32Array.from({ length: 1000 }, (_, i) => 300 * Math.sin(i)),
		]);
		assert.equal(noise!.text, '');
		const [, long] = await paraformer.recognizeFeatures([tiny[0], features[1]]);
		assert.ok(long!.tokens.length > 0, 'a batch with a longer item still runs');
	});

	it('loads model_quant.onnx when quantized and gives finite scores over the whole vocabulary', async () => {
		const quantized = await Paraformer.load(DIR, { quantized: true });
		try {
			assert.match(quantized.modelPath, /model_quant\.onnx$/);
			const output = await quantized.infer([features[1]]);
			assert.equal(output.vocabularySize, 8404);
			assert.ok(output.logits.every(Number.isFinite));
		} finally {
			await quantized.release();
		}
	});
});
