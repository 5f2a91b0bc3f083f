import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { loadRecognizer } from '../../../engine/asr/recognizer.js';
import { SenseVoice, type SenseVoiceRequest } from '../../../engine/asr/sensevoice.js';
import type { FeatureMatrix } from '../../../engine/frontend/feature-matrix.js';
import { fixturePath, readFloat32 } from '../../helpers/paths.js';

/** torch outputs of the tiny SenseVoice stand-in (tools/stand-ins/sensevoice_dir.py). */
interface ReferenceRun {
	name: string;
	items: number[];
	speech_lengths: number[];
	language: number[];
	textnorm: number[];
	logits_shape: number[];
	encoder_out_lens: number[];
	argmax: number[][];
	row_max: number[][];
	top5_ids: number[][][];
	top5_values: number[][][];
	decoded: { ids: number[]; tokens: string[] }[];
}

interface Reference {
	kind: string;
	speech: { file: string; shape: [number, number, number]; lengths: number[] };
	language_ids: Record<string, number>;
	textnorm_ids: Record<string, number>;
	tolerance: number;
	runs: ReferenceRun[];
}

const DIR = fixturePath('models', 'tiny-sensevoice');
const TAG = /^<\|.+\|>$/;

describe('SenseVoice against the tiny-sensevoice torch reference', () => {
	const reference = JSON.parse(readFileSync(`${DIR}/reference.json`, 'utf8')) as Reference;
	const [items, maxRows, dim] = reference.speech.shape;
	const speech = readFloat32(`${DIR}/${reference.speech.file}`);
	const features: FeatureMatrix[] = reference.speech.lengths.map((rows, item) => ({
		data: speech.subarray(item * maxRows * dim, (item * maxRows + rows) * dim),
		rows,
		dim,
	}));
	const languageOf = Object.fromEntries(
		Object.entries(reference.language_ids).map(([name, value]) => [value, name]),
	);
	const requestOf = (run: ReferenceRun, b: number): SenseVoiceRequest => ({
		language: languageOf[run.language[b]] as SenseVoiceRequest['language'],
		itn: run.textnorm[b] === reference.textnorm_ids.withitn,
	});
	let model: SenseVoice;

	before(async () => {
		const loaded = await loadRecognizer(DIR);
		assert.equal(loaded.family, 'sensevoice', 'the graph, not the folder name, says SenseVoice');
		model = loaded as SenseVoice;
	});
	after(() => model.release());

	it('has the speech and the runs the reference describes', () => {
		assert.equal(reference.kind, 'sensevoice');
		assert.ok(reference.runs.length > 0, 'reference.json lists no runs: no comparison would run');
		assert.equal(speech.length, items * maxRows * dim);
		assert.equal(model.featureDim, dim);
	});

	for (const run of reference.runs) {
		it(`run "${run.name}": same encoder_out_lens, argmax and scores within the tolerance`, async (t) => {
			const output = await model.infer(
				run.items.map((item) => features[item]),
				run.items.map((_, b) => requestOf(run, b)),
			);
			assert.deepEqual([output.batch, output.rows, output.vocabularySize], run.logits_shape);
			assert.deepEqual(output.lengths, run.encoder_out_lens);
			let worst = 0;
			run.items.forEach((_, b) => {
				for (let row = 0; row < output.rows; row++) {
					const offset = (b * output.rows + row) * output.vocabularySize;
					const scores = output.logits.subarray(offset, offset + output.vocabularySize);
					let best = 0;
					for (let id = 1; id < scores.length; id++) if (scores[id] > scores[best]) best = id;
					assert.equal(best, run.argmax[b][row], `argmax of item ${b} row ${row}`);
					worst = Math.max(worst, Math.abs(scores[best] - run.row_max[b][row]));
					run.top5_ids[b][row].forEach((id, k) => {
						worst = Math.max(worst, Math.abs(scores[id] - run.top5_values[b][row][k]));
					});
				}
			});
			t.diagnostic(
				`tiny-sensevoice ${run.name}: largest score difference ${worst.toExponential(2)}`,
			);
			assert.ok(worst <= reference.tolerance, `largest score difference ${worst}`);
		});

		it(`run "${run.name}": decodes torch's CTC tokens into text and tags`, async () => {
			const results = await model.recognizeFeatures(
				run.items.map((item) => features[item]),
				run.items.map((_, b) => requestOf(run, b)),
			);
			results.forEach((result, b) => {
				const expected = run.decoded[b].tokens.filter(
					(token) => !TAG.test(token) && token !== '<s>' && token !== '</s>',
				);
				assert.deepEqual(result.tokens, expected);
				assert.ok(result.text.length > 0);
			});
		});
	}

	it('asks the model through its language and textnorm inputs: they change the scores', async () => {
		const run = async (request: SenseVoiceRequest) =>
			(await model.infer([features[0]], [request])).logits;
		const auto = await run({ language: 'auto', itn: false });
		const english = await run({ language: 'en', itn: false });
		const withItn = await run({ language: 'auto', itn: true });
		assert.notDeepEqual(auto, english);
		assert.notDeepEqual(auto, withItn);
	});

	it('loads model_quant.onnx when quantized and decodes every segment', async () => {
		const quantized = await loadRecognizer(DIR, { quantized: true });
		try {
			assert.equal(quantized.family, 'sensevoice');
			assert.match(quantized.modelPath, /model_quant\.onnx$/);
			const results = await (quantized as SenseVoice).recognizeFeatures(features, [
				{ language: 'auto', itn: false },
				{ language: 'en', itn: true },
			]);
			assert.equal(results.length, 2);
		} finally {
			await quantized.release();
		}
	});

	it('gives a segment without rows empty text and no tags', async () => {
		const [empty] = await model.recognizeFeatures(
			[{ data: new Float32Array(0), rows: 0, dim }],
			[{ language: 'auto', itn: false }],
		);
		assert.deepEqual(empty, { text: '', tokens: [], events: [] });
	});
});
