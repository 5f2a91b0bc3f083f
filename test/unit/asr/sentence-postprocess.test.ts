import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isCjkOrDigit, joinTokens } from '../../../engine/asr/sentence-postprocess.js';

describe('joinTokens (FunASR sentence_postprocess)', () => {
	it('concatenates CJK characters', () => {
		assert.equal(joinTokens(['欢', '迎', '大', '家']), '欢迎大家');
	});

	it('drops <s>, </s>, <blank> and <unk>', () => {
		assert.equal(joinTokens(['<s>', '你', '<unk>', '好', '<blank>', '</s>']), '你好');
		assert.equal(joinTokens(['<unk>']), '');
		assert.equal(joinTokens([]), '');
	});

	it('concatenates digits with CJK characters and after English words', () => {
		assert.equal(joinTokens(['2', '0', '2', '4', '年']), '2024年');
		assert.equal(joinTokens(['hello', '2', '0']), 'hello20');
	});

	it('joins @@ word pieces with the next piece and separates words by one space', () => {
		assert.equal(joinTokens(['he@@', 'llo', 'world']), 'hello world');
		assert.equal(joinTokens(['un@@', 'believ@@', 'able', 'news']), 'unbelievable news');
	});

	it('keeps a space between English words and none next to CJK characters', () => {
		assert.equal(joinTokens(['我', '爱', 'new', 'york']), '我爱new york');
		assert.equal(joinTokens(['new', 'york', '很', '大']), 'new york很大');
		assert.equal(joinTokens(['a', '中']), 'a中');
	});

	it('merges runs of single letters into upper-case abbreviations', () => {
		assert.equal(joinTokens(['a', 'b', 'c']), 'ABC');
		assert.equal(joinTokens(['我', '用', 'a', 'b', 'c', '软', '件']), '我用ABC软件');
		assert.equal(joinTokens(['the', 'c', 'd', 'player']), 'the CD player');
		assert.equal(joinTokens(['ok', 'a', 'b', '中', 'x', 'y']), 'ok AB中XY');
		assert.equal(joinTokens(['i', 'am', 'a', 'b']), 'i am AB');
	});

	it('keeps a word piece cut off by a CJK character or by the end', () => {
		assert.equal(joinTokens(['我', 'lo@@', '你']), '我lo你');
		assert.equal(joinTokens(['hello', 'wor@@']), 'hello wor');
		assert.equal(joinTokens(['1@@', '2', '月']), '12月');
	});
});

describe('isCjkOrDigit', () => {
	it('accepts ideographs and ASCII digits only', () => {
		assert.equal(isCjkOrDigit('中'), true);
		assert.equal(isCjkOrDigit('7'), true);
		assert.equal(isCjkOrDigit('a'), false);
		assert.equal(isCjkOrDigit('，'), false);
		assert.equal(isCjkOrDigit('の'), false);
		assert.equal(isCjkOrDigit(''), false);
	});
});
