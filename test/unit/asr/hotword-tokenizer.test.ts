import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
	MAX_HOTWORD_TOKENS,
	MAX_HOTWORDS,
	parseSegDict,
	skippedHotwordsWarning,
	tokenizeHotwords,
	withOptionalHotwords,
} from '../../../engine/asr/hotword-tokenizer.js';
import { EngineError } from '../../../engine/errors.js';

// Rules of FunASR's C++ runtime, Paraformer::CompileHotwordEmbedding (runtime/onnxruntime/src/paraformer.cpp).
const TOKENS = [
	'<blank>',
	'<s>',
	'</s>',
	'魔',
	'搭',
	'热',
	'词',
	'一',
	'二',
	'三',
	'四',
	'五',
	'六',
	'七',
	'八',
	'九',
	'十',
	'百',
	'hel@@',
	'lo',
	'world',
	'<unk>',
];
const vocabulary = new Map(TOKENS.map((token, id) => [token, id]));
const id = (token: string): number => vocabulary.get(token)!;
const segDict = parseSegDict('hello\thel@@ lo\nworld\tworld\nrtmp\trt@@ mp\nno tab here\n');

/** Row r of the [rows, 10] matrix, trailing zeros dropped. */
function row(ids: Int32Array, r: number): number[] {
	const values = Array.from(ids.subarray(r * MAX_HOTWORD_TOKENS, (r + 1) * MAX_HOTWORD_TOKENS));
	while (values.length > 0 && values.at(-1) === 0) values.pop();
	return values;
}

describe('hotword tokenisation (FunASR C++ runtime rules)', () => {
	it('an empty list is the <s> row alone, of length 1', () => {
		for (const list of [[], [''], ['  ']]) {
			const rows = tokenizeHotwords(list, vocabulary, segDict);
			assert.deepEqual(rows.words, []);
			assert.deepEqual(rows.lengths, [1]);
			assert.equal(rows.ids.length, MAX_HOTWORD_TOKENS);
			assert.deepEqual(row(rows.ids, 0), [1]);
			assert.deepEqual(rows.skipped, []);
		}
	});

	it('splits entries on spaces and Chinese words into characters, the <s> row last; lengths index the last token', () => {
		const rows = tokenizeHotwords(['魔搭 热词', '一二三'], vocabulary, null);
		assert.deepEqual(rows.words, ['魔搭', '热词', '一二三']);
		assert.deepEqual(
			[0, 1, 2, 3].map((r) => row(rows.ids, r)),
			[[id('魔'), id('搭')], [id('热'), id('词')], [id('一'), id('二'), id('三')], [1]],
		);
		assert.deepEqual(rows.lengths, [2, 2, 3, 1]);
		assert.equal(rows.ids.length, 4 * MAX_HOTWORD_TOKENS, 'int32 [hotwords + 1, 10], zero-padded');
	});

	it('skips a hotword with a character the vocabulary lacks, whole, and names it', () => {
		const rows = tokenizeHotwords(['魔搭 热门 热词'], vocabulary, null);
		assert.deepEqual(rows.words, ['魔搭', '热词']);
		assert.deepEqual(rows.skipped, [{ word: '热门', reason: '"门" is not in the vocabulary' }]);
		assert.deepEqual(rows.lengths, [2, 2, 1]);
	});

	it('keeps the first 10 tokens of a longer hotword; an unknown token past the 10th does not skip it', () => {
		const rows = tokenizeHotwords(
			['一二三四五六七八九十百', '一二三四五六七八九十门'],
			vocabulary,
			null,
		);
		assert.deepEqual(rows.words, ['一二三四五六七八九十百', '一二三四五六七八九十门']);
		assert.deepEqual(rows.lengths, [10, 10, 1]);
		assert.deepEqual(row(rows.ids, 0), [...'一二三四五六七八九十'].map(id));
	});

	it('English words go through seg_dict; a word it lacks, or whose pieces the vocabulary lacks, is skipped', () => {
		const rows = tokenizeHotwords(['hello world', 'Hello', 'rtmp'], vocabulary, segDict);
		assert.deepEqual(rows.words, ['hello', 'world']);
		assert.deepEqual(row(rows.ids, 0), [id('hel@@'), id('lo')]);
		assert.deepEqual(rows.lengths, [2, 1, 1]);
		assert.deepEqual(rows.skipped, [
			{ word: 'Hello', reason: 'seg_dict has no pieces for it' },
			{ word: 'rtmp', reason: '"rt@@" is not in the vocabulary' },
		]);
	});

	it('without seg_dict, every word that is not all Chinese is skipped, mixed ones included', () => {
		const rows = tokenizeHotwords(['hello 魔搭 n8n热词'], vocabulary, null);
		assert.deepEqual(rows.words, ['魔搭']);
		assert.deepEqual(
			rows.skipped.map(({ word, reason }) => [word, reason]),
			[
				['hello', 'it is not Chinese and the model has no seg_dict'],
				['n8n热词', 'it is not Chinese and the model has no seg_dict'],
			],
		);
	});

	it(`refuses more than ${MAX_HOTWORDS} hotwords, with the limit and the fix`, () => {
		const list = Array.from({ length: MAX_HOTWORDS + 1 }, () => '魔搭');
		assert.doesNotThrow(() => tokenizeHotwords(list.slice(1), vocabulary, null));
		assert.throws(
			() => tokenizeHotwords([list.join(' ')], vocabulary, null),
			(error: unknown) =>
				error instanceof EngineError &&
				error.code === 'BAD_OPTION' &&
				/1001 hotwords/.test(error.message) &&
				/at most 1000/.test(error.message) &&
				/Keep the 1000/.test(error.fix),
		);
	});

	it("adds optional hotwords (the node's keywords) not given already, whole entries, as long as the list stays within the limit", () => {
		assert.deepEqual(withOptionalHotwords(['魔搭'], ['魔搭', '报警', '火灾 地震']), {
			hotwords: ['魔搭', '报警', '火灾 地震'],
			left: 0,
		});
		const given = Array.from({ length: MAX_HOTWORDS - 2 }, () => '魔搭');
		const { hotwords, left } = withOptionalHotwords(given, [
			'火灾 地震 台风',
			'报警',
			'警报',
			'停电',
		]);
		assert.deepEqual(
			hotwords.slice(given.length),
			['报警', '警报'],
			'the three-word entry does not fit; two one-word ones do',
		);
		assert.equal(left, 2);
		assert.deepEqual(
			withOptionalHotwords([...given, '一 二 三'], ['报警']),
			{ hotwords: [...given, '一 二 三'], left: 1 },
			'given hotwords are never cut',
		);
	});

	it('reports skipped hotwords once, each by name, and says when none is left', () => {
		const rows = tokenizeHotwords(['门门 hello'], vocabulary, null);
		const warning = skippedHotwordsWarning(rows.skipped, rows.words.length, 'model X');
		assert.ok(warning);
		assert.equal(warning.fatal, false);
		assert.match(
			warning.message,
			/2 hotword\(s\) skipped for model X: "门门" \("门" is not in the vocabulary\), "hello" \(it is not Chinese/,
		);
		assert.match(warning.message, /No hotword is left: recognition runs unbiased/);
		assert.match(warning.fix, /tokens\.json/);
		assert.equal(skippedHotwordsWarning([], 3, 'model X'), null);
	});
});
