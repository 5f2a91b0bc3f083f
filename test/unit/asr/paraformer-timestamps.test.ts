import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Paraformer } from '../../../engine/asr/paraformer.js';
import { tokenSpans } from '../../../engine/asr/timestamps.js';
import type { FeatureMatrix } from '../../../engine/frontend/feature-matrix.js';
import { fixturePath, readFloat32, sharedPath } from '../../helpers/paths.js';
import { encodeModel } from '../../helpers/tiny-onnx.js';

const TOKENS = ['<blank>', '<s>', '</s>', '你', '好', 'hel@@', 'lo', '<unk>'];
const DIM = 560;
const PEAK_COLUMN = 8;
const ALPHA_COLUMN = 11;

/**
 * A graph with FunASR's timestamp interface whose outputs are read off the features: logits are the
 * first 8 columns, token_num is speech_lengths, and each row's columns 8-10 (11-13) are the
 * us_cif_peak (us_alphas) of its 3 up-sampled frames. `upsampled` frames per row other than 3 make
 * the outputs the wrong length; `withPeaks` false leaves us_cif_peak out.
 */
function writeStandIn(dir: string, upsampled = 3, withPeaks = true) {
	const model = encodeModel({
		opset: 13,
		inputs: [
			{ name: 'speech', type: 'float32', shape: ['batch', 'frames', DIM] },
			{ name: 'speech_lengths', type: 'int32', shape: ['batch'] },
		],
		outputs: [
			{ name: 'logits', type: 'float32', shape: ['batch', 'frames', TOKENS.length] },
			{ name: 'token_num', type: 'int32', shape: ['batch'] },
			{ name: 'us_alphas', type: 'float32', shape: ['batch', 'alphas_length'] },
			...(withPeaks
				? [{ name: 'us_cif_peak', type: 'float32' as const, shape: ['batch', 'alphas_length'] }]
				: []),
		],
		initializers: [
			{ name: 'zero', values: [0] },
			{ name: 'vocab', values: [TOKENS.length] },
			{ name: 'axis', values: [2] },
			{ name: 'peak_from', values: [PEAK_COLUMN] },
			{ name: 'peak_to', values: [PEAK_COLUMN + upsampled] },
			{ name: 'alpha_from', values: [ALPHA_COLUMN] },
			{ name: 'alpha_to', values: [ALPHA_COLUMN + upsampled] },
			{ name: 'flat', values: [0, -1] },
		],
		nodes: [
			{ op: 'Slice', inputs: ['speech', 'zero', 'vocab', 'axis'], outputs: ['logits'] },
			{ op: 'Identity', inputs: ['speech_lengths'], outputs: ['token_num'] },
			...(withPeaks
				? [
						{
							op: 'Slice',
							inputs: ['speech', 'peak_from', 'peak_to', 'axis'],
							outputs: ['peak_rows'],
						},
						{ op: 'Reshape', inputs: ['peak_rows', 'flat'], outputs: ['us_cif_peak'] },
					]
				: []),
			{
				op: 'Slice',
				inputs: ['speech', 'alpha_from', 'alpha_to', 'axis'],
				outputs: ['alpha_rows'],
			},
			{ op: 'Reshape', inputs: ['alpha_rows', 'flat'], outputs: ['us_alphas'] },
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

/** Rows decoding to `ids`, with running integrals 1 (a peak) at `fireFrames` and 0.5 elsewhere, and the given alphas. */
function features(
	ids: number[],
	fireFrames: number[],
	alphas: Record<number, number> = {},
): FeatureMatrix {
	const data = new Float32Array(ids.length * DIM);
	ids.forEach((id, row) => {
		data[row * DIM + id] = 1;
		for (let k = 0; k < 3; k++)
			data[row * DIM + PEAK_COLUMN + k] = fireFrames.includes(row * 3 + k) ? 1 : 0.5;
	});
	for (const [frame, alpha] of Object.entries(alphas))
		data[Math.floor(Number(frame) / 3) * DIM + ALPHA_COLUMN + (Number(frame) % 3)] = alpha;
	return { data, rows: ids.length, dim: DIM };
}

describe('Paraformer with timestamp outputs', () => {
	const dir = mkdtempSync(join(tmpdir(), 'paraformer-timestamps-'));
	let paraformer: Paraformer;
	before(async () => {
		writeStandIn(dir);
		paraformer = await Paraformer.load(dir);
	});
	after(async () => {
		await paraformer.release();
		rmSync(dir, { recursive: true, force: true });
	});

	it('is recognized by its outputs', () => assert.equal(paraformer.givesTimestamps, true));

	it('times the kept words; dropped tokens keep their frames; @@ pieces make one word', async () => {
		// Rows 你 hel@@ lo <unk> 好 </s>: 5 decoded, 6 peaks at frames 2 4 7 9 12 15 of 18 (fires 0.5 … 13.5).
		const [result] = await paraformer.recognizeFeatures([
			features([3, 5, 6, 7, 4, 2], [2, 4, 7, 9, 12, 15]),
		]);
		assert.equal(result.text, '你hello好');
		assert.deepEqual(result.timedTokens, [
			{ text: '你', startMs: 10, endMs: 50 },
			{ text: 'hello', startMs: 50, endMs: 150 },
			{ text: '好', startMs: 210, endMs: 360 },
		]);
	});

	it('rebuilds the peaks from us_alphas when their count is wrong, per item of a batch', async () => {
		const results = await paraformer.recognizeFeatures([
			// No peak fires; alphas 0.5 at frames 1, 4, 7 → rebuilt fires -0.5, 2.5, 5.5 of 9.
			features([3, 4, 2], [], { 1: 0.5, 4: 0.5, 7: 0.5 }),
			features([4, 2], [1, 4]),
		]);
		assert.deepEqual(results[0].timedTokens, [
			{ text: '你', startMs: -10, endMs: 50 },
			// 9 - 5.5 = 3.5 frames of tail: the last token runs to the end.
			{ text: '好', startMs: 50, endMs: 180 },
		]);
		// The shorter item is cut to its own 6 frames: fires -0.5 and 2.5, a 3.5-frame tail.
		assert.deepEqual(results[1].timedTokens, [{ text: '好', startMs: -10, endMs: 120 }]);
	});

	it('gives text without times when no peaks can be had', async () => {
		const [result] = await paraformer.recognizeFeatures([features([3, 4, 2], [])]);
		assert.equal(result.text, '你好');
		assert.equal(result.timedTokens, undefined);
	});
});

describe('Paraformer with timestamp outputs of the wrong length', () => {
	it('fails with the shape it got, the shape FunASR gives and what to use instead', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'paraformer-timestamps-2x-'));
		try {
			writeStandIn(dir, 2);
			const paraformer = await Paraformer.load(dir);
			try {
				await assert.rejects(
					paraformer.recognizeFeatures([features([3, 4, 2, 0], [])]),
					(error: Error & { code?: string; fix?: string }) => {
						assert.equal(error.code, 'MODEL_INTERFACE');
						assert.match(
							error.message,
							/output "us_alphas" as float32 \[1, 8\] for 4 feature rows; FunASR's timestamp export gives float32 \[1, 12\]/,
						);
						assert.match(
							error.fix!,
							/timestamp export .*or a model without the outputs us_alphas and us_cif_peak/,
						);
						return true;
					},
				);
			} finally {
				await paraformer.release();
			}
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe('Paraformer with one timestamp output of the two', () => {
	it('fails to load, naming the output that is missing', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'paraformer-timestamps-half-'));
		try {
			writeStandIn(dir, 3, false);
			await assert.rejects(
				Paraformer.load(dir),
				/has the timestamp output us_alphas but not us_cif_peak\./,
			);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});

interface TimestampItem {
	token_count: number;
	spans: [number, number][] | null;
	rebuild_case: { token_count: number; spans: [number, number][] | null };
}

interface ReferenceRun {
	name: string;
	items: number[];
	token_num: number[];
	us_shape: [number, number];
	us_alphas: number[][];
	us_cif_peak: number[][];
	timestamps: TimestampItem[];
}

describe('the tiny-paraformer-timestamps stand-in against torch', () => {
	const DIR = fixturePath('models', 'tiny-paraformer-timestamps');
	const reference = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as {
		tolerance: number;
		speech: { file: string; shape: number[]; lengths: number[] };
		runs: ReferenceRun[];
	};
	const [, maxRows, dim] = reference.speech.shape as [number, number, number];
	const speech = readFloat32(join(DIR, reference.speech.file));
	const itemFeatures = (item: number): FeatureMatrix => ({
		data: speech.subarray(
			item * maxRows * dim,
			(item * maxRows + reference.speech.lengths[item]) * dim,
		),
		rows: reference.speech.lengths[item],
		dim,
	});
	let paraformer: Paraformer;
	before(async () => (paraformer = await Paraformer.load(DIR)));
	after(async () => paraformer.release());

	for (const run of reference.runs) {
		it(`${run.name}: onnxruntime's us_alphas and us_cif_peak are torch's, and give the python re-implementation's times`, async (t) => {
			const output = await paraformer.infer(run.items.map(itemFeatures));
			assert.deepEqual(output.tokenNum, run.token_num);
			const timestamps = output.timestamps!;
			assert.equal(timestamps.upsampledFrames, run.us_shape[1]);
			let worst = 0;
			run.items.forEach((_, b) => {
				for (let f = 0; f < run.us_shape[1]; f++) {
					worst = Math.max(
						worst,
						Math.abs(timestamps.alphas[b * run.us_shape[1] + f] - run.us_alphas[b][f]),
						Math.abs(timestamps.peaks[b * run.us_shape[1] + f] - run.us_cif_peak[b][f]),
					);
				}
				const frames = reference.speech.lengths[run.items[b]!] * 3;
				const own = {
					alphas: timestamps.alphas.subarray(b * run.us_shape[1], b * run.us_shape[1] + frames),
					peaks: timestamps.peaks.subarray(b * run.us_shape[1], b * run.us_shape[1] + frames),
				};
				const expected = run.timestamps[b];
				assert.deepEqual(
					tokenSpans(own, expected.token_count)?.map((s) => [s.startMs, s.endMs]),
					expected.spans,
				);
				assert.deepEqual(
					tokenSpans(own, expected.rebuild_case.token_count)?.map((s) => [s.startMs, s.endMs]),
					expected.rebuild_case.spans,
				);
			});
			t.diagnostic(
				`largest |onnxruntime - torch| on us_alphas/us_cif_peak: ${worst.toExponential(2)}`,
			);
			assert.ok(worst <= reference.tolerance, `${worst} > ${reference.tolerance}`);
		});
	}

	it('decodes to words whose times rise through the segment', async () => {
		const results = await paraformer.recognizeFeatures(
			reference.speech.lengths.map((_, item) => itemFeatures(item)),
		);
		for (const [item, result] of results.entries()) {
			const words = result.timedTokens ?? [];
			assert.ok(words.length > 0, `item ${item}: ${result.text}`);
			assert.equal(words.map((w) => w.text).join(''), result.text.replace(/ /g, ''));
			for (let i = 0; i < words.length; i++) {
				assert.ok(
					words[i].startMs < words[i].endMs && (i === 0 || words[i].startMs >= words[i - 1].endMs),
					JSON.stringify(words),
				);
			}
			assert.ok(words.at(-1)!.endMs <= reference.speech.lengths[item] * 60);
		}
	});
});
