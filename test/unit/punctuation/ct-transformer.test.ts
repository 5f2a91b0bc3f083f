import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EngineErrorCode } from '../../../engine/errors.js';
import {
	PunctuationCache,
	Punctuator,
	realtimeMask,
} from '../../../engine/punctuation/ct-transformer.js';
import { splitPunctuationWords } from '../../../engine/punctuation/punc-tokenizer.js';
import { createSession, ort } from '../../../engine/onnx/onnx-session.js';
import { assertLoadFails, ModelCopies } from '../../helpers/model-copies.js';
import { fixturePath, sharedPath } from '../../helpers/paths.js';

/** torch outputs of the tiny stand-in CT-Transformers (test/fixtures/models/README.md). */
interface ReferenceCase {
	name: string;
	text?: string;
	cache?: string;
	tokens?: string[];
	cache_size?: number;
	inputs: number[][];
	text_lengths: number[];
	vad_masks?: number[][];
	sub_masks?: number[][];
	logits: number[][][];
	argmax: number[][];
	labels: string[][];
}

const OFFLINE_DIR = fixturePath('models', 'tiny-punc');
const REALTIME_DIR = fixturePath('models', 'tiny-punc-realtime');
const TOLERANCE = 1e-4;

function referenceCases(dir: string): Map<string, ReferenceCase> {
	const reference = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as {
		cases: ReferenceCase[];
	};
	return new Map(reference.cases.map((entry) => [entry.name, entry]));
}

function largestDifference(actual: Float32Array, expected: number[][]): number {
	const flat = expected.flat();
	assert.equal(actual.length, flat.length);
	return flat.reduce((worst, value, i) => Math.max(worst, Math.abs(actual[i] - value)), 0);
}

const flatMask = (rows: number[][]) => Float32Array.from(rows.flat());

/** FunASR's realtime output for one mini-sentence, written out from labels: marks after words, spaces between English words. */
function realtimeText(words: string[], labels: string[], cacheSize: number): string {
	let text = '';
	words.forEach((word, i) => {
		if (i >= cacheSize)
			text +=
				(i > cacheSize && /^[\x00-\x7f]/.test(word) && /[\x00-\x7f]$/.test(words[i - 1])
					? ' '
					: '') + word;
		if (i >= cacheSize - 1 && i < words.length - 1 && labels[i] !== '_') text += labels[i];
	});
	return text;
}

describe('Punctuator, offline tiny-punc', () => {
	const cases = referenceCases(OFFLINE_DIR);
	let punctuator: Punctuator;
	before(async () => {
		punctuator = await Punctuator.load(OFFLINE_DIR);
	});
	after(() => punctuator.release());

	it('is detected as the offline variant', () => {
		assert.equal(punctuator.kind, 'offline');
		assert.deepEqual(punctuator.labels.marks, ['<unk>', '_', '，', '。', '？', '、']);
	});

	it('tokenises the reference text into the reference ids', () => {
		const entry = cases.get('text')!;
		const words = splitPunctuationWords(entry.text!);
		assert.deepEqual(words, entry.tokens);
		assert.deepEqual([...punctuator.vocabulary.encode(words)], entry.inputs[0]);
	});

	it('matches the torch logits and labels of the reference text', async (t) => {
		const entry = cases.get('text')!;
		const ids = Int32Array.from(entry.inputs[0]);
		const { logits, classes } = await punctuator.run(ids, 0);
		assert.equal(classes, 6);
		const worst = largestDifference(logits, entry.logits[0]);
		t.diagnostic(`tiny-punc text: largest logit difference ${worst.toExponential(2)}`);
		assert.ok(worst <= TOLERANCE, `largest logit difference ${worst}`);
		assert.deepEqual([...(await punctuator.labelWords(ids, 0))], entry.argmax[0]);
	});

	it('matches each row of the padded reference batch when run alone at its length', async () => {
		const entry = cases.get('batch')!;
		for (const [row, length] of entry.text_lengths.entries()) {
			const ids = Int32Array.from(entry.inputs[row].slice(0, length));
			const { logits } = await punctuator.run(ids, 0);
			assert.ok(
				largestDifference(logits, entry.logits[row].slice(0, length)) <= TOLERANCE,
				`row ${row}`,
			);
		}
	});

	it('punctuates a long text: every word kept, marks between, a full stop at the end', async () => {
		const text = cases.get('text')!.text!;
		const result = await punctuator.punctuate(text);
		assert.deepEqual(result.words, splitPunctuationWords(text));
		assert.equal(result.labels.length, result.words.length);
		assert.equal(result.text.replace(/[，。？、 ]/g, ''), text.replace(/ /g, ''));
		assert.match(result.text, /[。？]$/);
		assert.match(result.text, /hello[，。？、]? world/);
		assert.equal(
			result.text.replace(/[^，。？、]/g, '').length,
			result.labels.filter((label) => label !== '_').length,
		);
	});

	it('ignores a cache', async () => {
		const cache = new PunctuationCache();
		const text = '今天天气很好 我们 去 公园';
		assert.deepEqual(await punctuator.punctuate(text, cache), await punctuator.punctuate(text));
		assert.deepEqual(cache.words, []);
	});
});

describe('Punctuator, vad_realtime tiny-punc-realtime', () => {
	const cases = referenceCases(REALTIME_DIR);
	let punctuator: Punctuator;
	before(async () => {
		punctuator = await Punctuator.load(REALTIME_DIR);
	});
	after(() => punctuator.release());

	it('is detected as the realtime variant', () => {
		assert.equal(punctuator.kind, 'vad_realtime');
	});

	for (const name of ['no_cache', 'with_cache']) {
		it(`case "${name}": builds the reference masks and matches the torch logits`, async (t) => {
			const entry = cases.get(name)!;
			const words = splitPunctuationWords(`${entry.cache ?? ''} ${entry.text!}`);
			assert.deepEqual(words, entry.tokens);
			const ids = punctuator.vocabulary.encode(words);
			assert.deepEqual([...ids], entry.inputs[0]);
			const mask = realtimeMask(ids.length, entry.cache_size!);
			assert.deepEqual(mask, flatMask(entry.vad_masks!));
			assert.deepEqual(mask, flatMask(entry.sub_masks!));
			const { logits } = await punctuator.run(ids, entry.cache_size!);
			const worst = largestDifference(logits, entry.logits[0]);
			t.diagnostic(
				`tiny-punc-realtime ${name}: largest logit difference ${worst.toExponential(2)}`,
			);
			assert.ok(worst <= TOLERANCE, `largest logit difference ${worst}`);
			assert.deepEqual([...(await punctuator.labelWords(ids, entry.cache_size!))], entry.argmax[0]);
		});
	}

	it('onnxruntime honours distinct vad_masks and sub_masks as torch does', async () => {
		const entry = cases.get('distinct_masks')!;
		const session = await createSession(join(REALTIME_DIR, 'model.onnx'), 'Punctuation model');
		try {
			const length = entry.text_lengths[0];
			const outputs = await session.run({
				inputs: new ort.Tensor('int32', Int32Array.from(entry.inputs[0]), [1, length]),
				text_lengths: new ort.Tensor('int32', Int32Array.of(length), [1]),
				vad_masks: new ort.Tensor('float32', flatMask(entry.vad_masks!), [1, 1, length, length]),
				sub_masks: new ort.Tensor('float32', flatMask(entry.sub_masks!), [1, 1, length, length]),
			});
			assert.ok(
				largestDifference(outputs.logits!.data as Float32Array, entry.logits[0]) <= TOLERANCE,
			);
		} finally {
			await session.release();
		}
	});

	it('punctuates text without a cache as the reference labels say, leaving the final mark and the unfinished sentence for later', async () => {
		const entry = cases.get('no_cache')!;
		const cache = new PunctuationCache();
		const result = await punctuator.punctuate(entry.text!, cache);
		const labels = entry.labels[0];
		assert.equal(result.text, realtimeText(entry.tokens!, labels, 0));
		const lastEnd = labels
			.slice(0, -1)
			.findLastIndex((label, i) => i > 0 && (label === '。' || label === '？'));
		assert.deepEqual(cache.words, entry.tokens!.slice(lastEnd + 1));
		assert.ok(cache.words.length > 0 && cache.words.length < entry.tokens!.length);
	});

	it('carries the cache into the next call as context', async () => {
		const first = cases.get('no_cache')!;
		const cache = new PunctuationCache();
		await punctuator.punctuate(first.text!, cache);
		const cached = [...cache.words];
		const next = '我们 去 公园';
		const result = await punctuator.punctuate(next, cache);
		const words = [...cached, ...splitPunctuationWords(next)];
		const labels = [
			...(await punctuator.labelWords(punctuator.vocabulary.encode(words), cached.length)),
		].map((l) => punctuator.labels.marks[l]);
		assert.equal(result.text, realtimeText(words, labels, cached.length));
		assert.deepEqual(result.words, splitPunctuationWords(next));
		const lastEnd = labels
			.slice(0, -1)
			.findLastIndex((label, i) => i > 0 && (label === '。' || label === '？'));
		assert.deepEqual(cache.words, words.slice(lastEnd + 1));
	});

	it('runs calls on one cache in call order', async () => {
		const cache = new PunctuationCache();
		const [a, b] = await Promise.all([
			punctuator.punctuate('明天 开会吗 请 注意', cache),
			punctuator.punctuate('我们 去 公园', cache),
		]);
		const sequential = new PunctuationCache();
		assert.equal(a.text, (await punctuator.punctuate('明天 开会吗 请 注意', sequential)).text);
		assert.equal(b.text, (await punctuator.punctuate('我们 去 公园', sequential)).text);
		assert.deepEqual(cache.words, sequential.words);
	});

	it('returns nothing for empty text and keeps the cache', async () => {
		const cache = new PunctuationCache();
		cache.words = ['你', '好'];
		assert.deepEqual(await punctuator.punctuate('  ', cache), { text: '', words: [], labels: [] });
		assert.deepEqual(cache.words, ['你', '好']);
	});
});

describe('Punctuator, quantized', () => {
	for (const [dir, kind] of [
		[OFFLINE_DIR, 'offline'],
		[REALTIME_DIR, 'vad_realtime'],
	] as const) {
		it(`loads model_quant.onnx of the ${kind} variant`, async () => {
			const punctuator = await Punctuator.load(dir, { quantized: true });
			try {
				assert.equal(punctuator.kind, kind);
				assert.match(punctuator.modelPath, /model_quant\.onnx$/);
				const result = await punctuator.punctuate('今天天气很好 我们 去 公园');
				assert.deepEqual(result.words, splitPunctuationWords('今天天气很好 我们 去 公园'));
			} finally {
				await punctuator.release();
			}
		});
	}
});

describe('Punctuator.load errors', () => {
	const copies = new ModelCopies(OFFLINE_DIR);
	after(() => copies.remove());

	const loadFails = (dir: string, code: EngineErrorCode, message: RegExp) =>
		assertLoadFails(Punctuator.load(dir), code, message);

	it('names a missing model.onnx', () =>
		loadFails(copies.copy({ without: ['model.onnx'] }), 'MODEL_MISSING', /lacks model\.onnx/));
	it('names missing tokens', () =>
		loadFails(
			copies.copy({ without: ['tokens.json'] }),
			'MODEL_MISSING',
			/tokens\.json \/ tokens\.txt/,
		));

	it('rejects a corrupt model.onnx', async () => {
		const dir = copies.copy({ write: { 'model.onnx': Buffer.alloc(4096, 0xa5) } });
		await loadFails(dir, 'MODEL_INVALID', /could not be loaded by onnxruntime/);
	});

	it('rejects a config.yaml without punc_list', async () => {
		const dir = copies.copy({
			write: { 'config.yaml': 'model: CTTransformer\nmodel_conf:\n    ignore_id: 0\n' },
		});
		await loadFails(dir, 'MODEL_INVALID', /no model_conf\.punc_list/);
	});

	it('rejects a Paraformer model in a punctuation directory, naming the models expected', async () => {
		const dir = copies.copy({
			write: {
				'model.onnx': readFileSync(sharedPath('models', 'toy-paraformer-zh', 'model.onnx')),
			},
		});
		await loadFails(
			dir,
			'MODEL_INTERFACE',
			/punc_ct-transformer_zh-cn-common-vocab272727-onnx.*has no input "inputs"/,
		);
	});
});
