import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Paraformer } from '../../../engine/asr/paraformer.js';
import { EngineError } from '../../../engine/errors.js';
import type { FeatureMatrix } from '../../../engine/frontend/feature-matrix.js';
import { fixturePath, readFloat32 } from '../../helpers/paths.js';

/** torch outputs of the contextual stand-in (tools/stand-ins/contextual.py; test/fixtures/models/README.md). */
interface HotwordCase {
	name: string;
	hotwords: string[];
	kept: string[];
	skipped: string[];
	ids: number[][];
	lengths: number[];
	embedding: number[][];
	logits_shape: [number, number, number];
	token_num: number[];
	argmax: number[][];
	logits: number[][][];
}

interface Reference {
	speech: { file: string; shape: [number, number, number]; lengths: number[] };
	tolerance: number;
	cases: HotwordCase[];
}

const DIR = fixturePath('models', 'tiny-contextual-paraformer');

function maxDifference(actual: ArrayLike<number>, expected: readonly number[]): number {
	assert.equal(actual.length, expected.length);
	let max = 0;
	for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(actual[i] - expected[i]));
	return max;
}

describe('contextual Paraformer (model_eb.onnx + bias_embed) against the torch reference', () => {
	const reference = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as Reference;
	const [, maxRows, dim] = reference.speech.shape;
	const speech = readFloat32(join(DIR, reference.speech.file));
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

	it('is taken for hotword-capable from its graphs; the plain stand-in is not', async () => {
		assert.ok(paraformer.hotwords, 'model.onnx takes bias_embed and model_eb.onnx is beside it');
		const plain = await Paraformer.load(fixturePath('models', 'tiny-paraformer'));
		try {
			assert.equal(plain.hotwords, null);
			await assert.rejects(
				plain.infer(features.slice(0, 1), paraformer.hotwords.none),
				/takes no hotwords/,
			);
		} finally {
			await plain.release();
		}
	});

	it('has lists whose bias changes the output, so the comparisons below can fail', () => {
		assert.ok(reference.cases.length >= 4);
		const empty = reference.cases[0];
		assert.deepEqual(empty.hotwords, []);
		assert.ok(
			reference.cases.some((c) => JSON.stringify(c.argmax) !== JSON.stringify(empty.argmax)),
		);
	});

	for (const name of ['empty', 'chinese', 'mixed', 'long']) {
		it(`"${name}": tokenises as FunASR, picks torch's embedding rows and gives torch's biased logits`, async () => {
			const testCase = reference.cases.find((c) => c.name === name)!;
			const { bias, skipped } = await paraformer.hotwords!.embed(testCase.hotwords);
			assert.deepEqual(bias.words, [...testCase.kept, '<s>']);
			assert.deepEqual(
				skipped.map((s) => s.word),
				testCase.skipped,
			);
			assert.equal(bias.rows, testCase.ids.length);
			const embeddingError = maxDifference(bias.data, testCase.embedding.flat());
			assert.ok(
				embeddingError <= reference.tolerance,
				`embedding rows differ by ${embeddingError}`,
			);
			const output = await paraformer.infer(features, bias);
			assert.deepEqual([output.batch, output.rows, output.vocabularySize], testCase.logits_shape);
			assert.deepEqual(output.tokenNum, testCase.token_num);
			const logitsError = maxDifference(output.logits, testCase.logits.flat(2));
			assert.ok(logitsError <= reference.tolerance, `logits differ by ${logitsError}`);
		});
	}

	it('its int8 form takes the same hotwords, through the same float model_eb.onnx', async () => {
		const quantized = await Paraformer.load(DIR, { quantized: true });
		try {
			const mixed = reference.cases.find((c) => c.name === 'mixed')!;
			const { bias } = await quantized.hotwords!.embed(mixed.hotwords);
			const output = await quantized.infer(features, bias);
			assert.deepEqual(output.tokenNum, mixed.token_num);
			assert.deepEqual([output.batch, output.rows, output.vocabularySize], mixed.logits_shape);
		} finally {
			await quantized.release();
		}
	});

	it('runs with the <s> row alone when no hotwords are given, as FunASR does with an empty list', async () => {
		const empty = reference.cases.find((c) => c.name === 'empty')!;
		const output = await paraformer.infer(features);
		assert.ok(maxDifference(output.logits, empty.logits.flat(2)) <= reference.tolerance);
	});

	it('skips hotwords with only unknown characters, leaving the <s> row', async () => {
		const { bias, skipped } = await paraformer.hotwords!.embed(['吗呢 门']);
		assert.deepEqual(bias.words, ['<s>']);
		assert.deepEqual(
			skipped.map((s) => s.reason),
			['"吗" is not in the vocabulary', '"门" is not in the vocabulary'],
		);
	});

	it('refuses an oversized list with the limit and what to do', async () => {
		await assert.rejects(
			paraformer.hotwords!.embed(Array.from({ length: 1001 }, () => '魔搭')),
			(error: unknown) =>
				error instanceof EngineError && /1001 hotwords given; .* at most 1000/.test(error.message),
		);
	});
});

describe('a contextual Paraformer directory that does not fit', () => {
	let scratch: string;
	before(() => {
		scratch = mkdtempSync(join(tmpdir(), 'rtmp-asr-contextual-'));
	});
	after(() => rmSync(scratch, { recursive: true, force: true }));

	function copy(name: string): string {
		const dir = join(scratch, name);
		cpSync(DIR, dir, { recursive: true });
		return dir;
	}

	it('model_eb.onnx missing beside a graph that takes bias_embed: names the file and where to put it', async () => {
		const dir = copy('no-embedder');
		rmSync(join(dir, 'model_eb.onnx'));
		await assert.rejects(
			Paraformer.load(dir),
			(error: unknown) =>
				error instanceof EngineError &&
				error.code === 'MODEL_MISSING' &&
				/no model_eb\.onnx/.test(error.message) &&
				error.fix.includes(dir),
		);
	});

	it("a model_eb.onnx whose interface is not FunASR's: says what differs", async () => {
		const dir = copy('wrong-embedder');
		copyFileSync(fixturePath('models', 'tiny-punc', 'model.onnx'), join(dir, 'model_eb.onnx'));
		await assert.rejects(
			Paraformer.load(dir),
			(error: unknown) =>
				error instanceof EngineError &&
				error.code === 'MODEL_INTERFACE' &&
				/it has 2 inputs \(inputs, text_lengths\), not 1/.test(error.message) &&
				/model_eb\.onnx exported together/.test(error.fix),
		);
	});
});
