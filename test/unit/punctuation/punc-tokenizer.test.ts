import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
	PunctuationVocabulary,
	splitPunctuationWords,
} from '../../../engine/punctuation/punc-tokenizer.js';

describe('splitPunctuationWords', () => {
	it('makes each CJK character a word and each ASCII run one word', () => {
		assert.deepEqual(splitPunctuationWords('hello世界 ABC是  a1b2'), [
			'hello',
			'世',
			'界',
			'ABC',
			'是',
			'a1b2',
		]);
	});

	it('splits on any whitespace and ignores leading and trailing spaces', () => {
		assert.deepEqual(splitPunctuationWords('  我们\tgo  home\n吧 '), [
			'我',
			'们',
			'go',
			'home',
			'吧',
		]);
		assert.deepEqual(splitPunctuationWords('   '), []);
		assert.deepEqual(splitPunctuationWords(''), []);
	});

	it('keeps characters outside the BMP whole', () => {
		assert.deepEqual(splitPunctuationWords('a𠀀b'), ['a', '𠀀', 'b']);
	});
});

describe('PunctuationVocabulary', () => {
	const vocabulary = new PunctuationVocabulary(['<blank>', 'hello', '世', 'ａ', '<unk>', 'zzz']);

	it('looks English words up lower-cased and unknown words as <unk>', () => {
		assert.deepEqual([...vocabulary.encode(['HeLLo', '世', 'bye', 'ａ', 'Ａ'])], [1, 2, 4, 3, 4]);
		assert.equal(vocabulary.unknownId, 4);
	});

	it('takes the last token as <unk> when the list has none', () => {
		assert.equal(new PunctuationVocabulary(['a', 'b', 'c']).unknownId, 2);
	});
});
