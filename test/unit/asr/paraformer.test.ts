import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Paraformer } from '../../../engine/asr/paraformer.js';
import type { EngineErrorCode } from '../../../engine/errors.js';
import { readWav } from '../../../engine/source/wav.js';
import { assertLoadFails, ModelCopies } from '../../helpers/model-copies.js';
import { sharedPath } from '../../helpers/paths.js';
import { characterErrorRate } from '../../helpers/text.js';

const TOY_DIR = sharedPath('models', 'toy-paraformer-zh');

function shortToyFiles(): { file: string; text: string }[] {
	const transcripts = JSON.parse(
		readFileSync(sharedPath('audio', 'toy', 'transcripts.json'), 'utf8'),
	) as Record<string, unknown>;
	return Object.entries(transcripts)
		.filter((entry): entry is [string, string] => typeof entry[1] === 'string')
		.map(([file, text]) => ({ file, text }));
}

describe('Paraformer on the toy recognizer', () => {
	let paraformer: Paraformer;
	const files = shortToyFiles();
	const audio = files.map(({ file }) => readWav(sharedPath('audio', 'toy', file)).samples);

	before(async () => {
		paraformer = await Paraformer.load(TOY_DIR);
	});
	after(() => paraformer.release());

	it('recognizes the 8 short synthetic files (CER ≤ 5 %)', async () => {
		assert.equal(files.length, 8);
		const results = await paraformer.recognize(audio);
		for (const result of results)
			assert.equal(result.tokens.join(''), result.text, 'CJK tokens concatenate into the text');
		const cer = characterErrorRate(
			files.map((f) => f.text),
			results.map((r) => r.text),
		);
		assert.ok(cer <= 0.05, `CER ${cer}`);
	});

	it('gives the same text for a batch of 3 as one by one', async () => {
		const three = [audio[0], audio[2], audio[7]];
		const batched = await paraformer.recognize(three);
		const single = [];
		for (const samples of three) single.push(...(await paraformer.recognize([samples])));
		assert.deepEqual(
			batched.map((r) => r.text),
			single.map((r) => r.text),
		);
		assert.ok(batched.every((r) => r.text.length > 0));
	});

	it('splits a large batch into runs of maxBatch and keeps the order', async () => {
		const small = await Paraformer.load(TOY_DIR, { maxBatch: 3 });
		try {
			const results = await small.recognize(audio);
			assert.equal(small.stats.runs, 3);
			assert.deepEqual(
				results.map((r) => r.text),
				(await paraformer.recognize(audio)).map((r) => r.text),
			);
		} finally {
			await small.release();
		}
	});

	it('returns empty text for segments without a single frame, without running the model', async () => {
		const runs = paraformer.stats.runs;
		const results = await paraformer.recognize([new Float32Array(0), new Float32Array(399)]);
		assert.deepEqual(results, [
			{ text: '', tokens: [] },
			{ text: '', tokens: [] },
		]);
		assert.equal(paraformer.stats.runs, runs);
		const mixed = await paraformer.recognize([new Float32Array(10), audio[1]]);
		assert.equal(mixed[0].text, '');
		assert.equal(mixed[1].text, files[1].text);
	});

	it('counts time for benchmarks', () => {
		const { featureMs, inferenceMs, segments } = paraformer.stats;
		assert.ok(featureMs > 0 && inferenceMs > 0 && segments >= 8);
	});
});

describe('Paraformer.load errors', () => {
	const copies = new ModelCopies(TOY_DIR);
	after(() => copies.remove());

	const loadFails = (dir: string, code: EngineErrorCode, message: RegExp, options = {}) =>
		assertLoadFails(Paraformer.load(dir, options), code, message);

	it('names a missing model.onnx', () =>
		loadFails(copies.copy({ without: ['model.onnx'] }), 'MODEL_MISSING', /lacks model\.onnx/));
	it('names a missing model_quant.onnx when quantized', () =>
		loadFails(copies.copy(), 'MODEL_MISSING', /lacks model_quant\.onnx/, { quantized: true }));
	it('names missing tokens', () =>
		loadFails(
			copies.copy({ without: ['tokens.json'] }),
			'MODEL_MISSING',
			/tokens\.json \/ tokens\.txt/,
		));
	it('names a missing am.mvn', () =>
		loadFails(copies.copy({ without: ['am.mvn'] }), 'MODEL_MISSING', /lacks am\.mvn/));

	it('rejects a corrupt model.onnx', async () => {
		const dir = copies.copy({
			write: { 'model.onnx': 'this is not an onnx model, just garbage bytes \x00\x01\x02' },
		});
		await loadFails(dir, 'MODEL_INVALID', /could not be loaded by onnxruntime/);
	});

	it('rejects an FSMN-VAD model in a Paraformer directory, naming the model expected', async () => {
		const dir = copies.copy({
			write: { 'model.onnx': readFileSync(sharedPath('models', 'fsmn-vad', 'model.onnx')) },
		});
		await loadFails(
			dir,
			'MODEL_INTERFACE',
			/speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-onnx.*has no input "speech_lengths"/,
		);
	});

	it('rejects a token list that does not fit the model', async () => {
		const dir = copies.copy({
			write: { 'tokens.json': JSON.stringify(['<blank>', '<s>', '</s>', '<unk>']) },
		});
		await loadFails(dir, 'MODEL_INTERFACE', /scores 8404 tokens but the token list has 4/);
	});

	it('rejects a nonsense maxBatch', () =>
		loadFails(copies.copy(), 'BAD_OPTION', /maxBatch 0/, { maxBatch: 0 }));
});
