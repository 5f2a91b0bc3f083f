import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { realtimeMask } from '../../../engine/punctuation/ct-transformer.js';
import { splitPunctuationWords } from '../../../engine/punctuation/punc-tokenizer.js';
import {
	MAX_CACHE_WORDS,
	punctuateOffline,
	punctuateRealtime,
	type LabelFunction,
} from '../../../engine/punctuation/punctuate-words.js';
import { PunctuationLabels } from '../../../engine/punctuation/punctuation-labels.js';

const MARKS = new PunctuationLabels(['<unk>', '_', ',', '。', '?', '、']);
const [NONE, COMMA, PERIOD, QUESTION, ENUMERATION] = [1, 2, 3, 4, 5];

/** Words whose ids are their positions; CJK characters from U+4E00 on, so that no spaces are involved. */
function cjkWords(count: number): { words: string[]; ids: Int32Array } {
	const words = Array.from({ length: count }, (_, i) => String.fromCodePoint(0x4e00 + i));
	return { words, ids: Int32Array.from(words, (_, i) => i) };
}

/** A fake model: the label of each word is a function of its id only; every call is recorded. */
function fakeModel(labelOf: (id: number) => number) {
	const calls: { ids: number[]; cacheSize: number }[] = [];
	const label: LabelFunction = async (ids, cacheSize) => {
		calls.push({ ids: [...ids], cacheSize });
		return Int32Array.from(ids, labelOf);
	};
	return { calls, label };
}

function expectedText(words: string[], labelOf: (id: number) => number): string {
	return words.map((word, i) => word + MARKS.textOf(labelOf(i))).join('');
}

describe('PunctuationLabels', () => {
	it('writes ASCII , and ? full-width as FunASR does', () => {
		assert.deepEqual(MARKS.marks, ['<unk>', '_', '，', '。', '？', '、']);
		assert.equal(MARKS.textOf(NONE), '');
		assert.equal(MARKS.textOf(0), '');
		assert.equal(MARKS.textOf(COMMA), '，');
	});

	it('rejects a list without a full stop', () => {
		assert.throws(() => new PunctuationLabels(['_', ',']), /lacks "_" or "。"/);
	});
});

describe('punctuateOffline', () => {
	it('appends a full stop to a text that does not end a sentence', async () => {
		const { words, ids } = cjkWords(5);
		const result = await punctuateOffline(words, ids, MARKS, fakeModel(() => NONE).label);
		assert.equal(result.text, words.join('') + '。');
		assert.deepEqual(result.labels, ['_', '_', '_', '_', '。']);
	});

	it('turns a final comma or enumeration comma into a full stop and keeps a final question mark', async () => {
		const { words, ids } = cjkWords(3);
		for (const [last, ending] of [
			[COMMA, '。'],
			[ENUMERATION, '。'],
			[QUESTION, '？'],
			[PERIOD, '。'],
		] as const) {
			const result = await punctuateOffline(
				words,
				ids,
				MARKS,
				fakeModel((id) => (id === 2 ? last : NONE)).label,
			);
			assert.equal(result.text, words.join('') + ending);
			assert.equal(result.labels.at(-1), ending);
		}
	});

	it('puts one space between adjacent English words, also after a mark', async () => {
		const words = splitPunctuationWords('我love new york你们');
		const ids = Int32Array.from(words, (_, i) => i);
		const result = await punctuateOffline(
			words,
			ids,
			MARKS,
			fakeModel((id) => (id === 1 ? COMMA : NONE)).label,
		);
		assert.equal(result.text, '我love， new york你们。');
	});

	it('returns nothing for no words, without running the model', async () => {
		const model = fakeModel(() => NONE);
		assert.deepEqual(await punctuateOffline([], new Int32Array(0), MARKS, model.label), {
			text: '',
			words: [],
			labels: [],
		});
		assert.equal(model.calls.length, 0);
	});

	it('cuts 20-word mini-sentences after their last sentence end and carries the rest', async () => {
		const { words, ids } = cjkWords(45);
		const labelOf = (id: number) => (id % 7 === 6 ? PERIOD : NONE);
		const model = fakeModel(labelOf);
		const result = await punctuateOffline(words, ids, MARKS, model.label);
		const range = (from: number, to: number) =>
			Array.from({ length: to - from }, (_, i) => from + i);
		assert.deepEqual(
			model.calls.map((call) => call.ids),
			[range(0, 20), range(14, 40), range(35, 45)],
		);
		assert.equal(result.text, expectedText(words, labelOf) + '。');
	});

	it('never cuts at the last word of a mini-sentence', async () => {
		const { words, ids } = cjkWords(30);
		const model = fakeModel((id) => (id === 19 ? PERIOD : NONE));
		await punctuateOffline(words, ids, MARKS, model.label);
		assert.equal(
			model.calls[1].ids.length,
			30,
			'the full stop on word 19 is not a cut: all 20 words are carried',
		);
	});

	it('cuts a carried text of more than 200 words without sentence end at its last comma, made a full stop', async () => {
		const { words, ids } = cjkWords(230);
		const labelOf = (id: number) => (id % 50 === 10 ? COMMA : NONE);
		const model = fakeModel(labelOf);
		const result = await punctuateOffline(words, ids, MARKS, model.label);
		const lengths = model.calls.map((call) => call.ids.length);
		assert.deepEqual(lengths.slice(0, 11), [20, 40, 60, 80, 100, 120, 140, 160, 180, 200, 220]);
		assert.equal(
			lengths[11],
			220 - 211 + 10,
			'after the cut at word 210, words 211..219 are carried into the last run',
		);
		const expected =
			words.map((word, i) => word + (i === 210 ? '。' : MARKS.textOf(labelOf(i)))).join('') + '。';
		assert.equal(result.text, expected);
	});
});

describe('punctuateRealtime', () => {
	it('leaves out the final mark and keeps the words after the last sentence end as cache', async () => {
		const words = splitPunctuationWords('今天天气很好我们出去玩');
		const labelOf = (id: number) => (id === 5 || id === 10 ? PERIOD : NONE);
		const result = await punctuateRealtime(
			words,
			Int32Array.from(words, (_, i) => i),
			0,
			MARKS,
			fakeModel(labelOf).label,
		);
		assert.equal(result.text, '今天天气很好。我们出去玩');
		assert.deepEqual(result.cache, ['我', '们', '出', '去', '玩']);
		assert.equal(result.labels.at(-1), '_');
	});

	it('gives the cache as context, prints only the new words and the mark now after the cached ones', async () => {
		const words = ['我', '们', '出', '去', '玩', '吧', '好', '的'];
		const ids = Int32Array.from(words, (_, i) => i);
		const model = fakeModel((id) => (id === 4 ? QUESTION : id === 6 ? COMMA : NONE));
		const result = await punctuateRealtime(words, ids, 5, MARKS, model.label);
		assert.deepEqual(model.calls, [{ ids: [0, 1, 2, 3, 4, 5, 6, 7], cacheSize: 5 }]);
		assert.equal(result.text, '？吧好，的');
		assert.deepEqual(result.words, ['吧', '好', '的']);
		assert.deepEqual(result.cache, ['吧', '好', '的']);
	});

	it('does not start with a space after a cached English word', async () => {
		const words = ['hello', 'world', 'again'];
		const result = await punctuateRealtime(
			words,
			Int32Array.of(0, 1, 2),
			1,
			MARKS,
			fakeModel(() => NONE).label,
		);
		assert.equal(result.text, 'world again');
		assert.deepEqual(result.cache, words);
	});

	it('returns nothing and keeps the cache when there are no new words', async () => {
		const model = fakeModel(() => NONE);
		const result = await punctuateRealtime(
			['我', '们'],
			Int32Array.of(0, 1),
			2,
			MARKS,
			model.label,
		);
		assert.deepEqual(result, { text: '', words: [], labels: [], cache: ['我', '们'] });
		assert.equal(model.calls.length, 0);
	});

	it(`bounds the cache at ${MAX_CACHE_WORDS} words when no sentence ever ends`, async () => {
		const { words, ids } = cjkWords(300);
		const result = await punctuateRealtime(words, ids, 0, MARKS, fakeModel(() => NONE).label);
		assert.equal(result.cache.length, MAX_CACHE_WORDS);
		assert.equal(result.cache.at(-1), words.at(-1));
	});
});

describe('realtimeMask', () => {
	it('hides the new words from the cached words but the last, as FunASR builds vad_mask', () => {
		const rows = (mask: Float32Array, n: number) =>
			Array.from({ length: n }, (_, r) => [...mask.subarray(r * n, (r + 1) * n)]);
		assert.deepEqual(rows(realtimeMask(5, 3), 5), [
			[1, 1, 1, 0, 0],
			[1, 1, 1, 0, 0],
			[1, 1, 1, 1, 1],
			[1, 1, 1, 1, 1],
			[1, 1, 1, 1, 1],
		]);
		assert.ok(realtimeMask(4, 0).every((v) => v === 1));
		assert.ok(realtimeMask(4, 4).every((v) => v === 1));
		assert.ok(
			realtimeMask(4, 1).every((v) => v === 1),
			'one cached word: no row to hide',
		);
	});
});
