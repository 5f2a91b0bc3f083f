import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { KeywordMatcher } from '../../../nodes/RtmpAsr/keywords.js';
import { EngineError } from '../../../engine/errors.js';
import { sharedPath } from '../../helpers/paths.js';

describe('KeywordMatcher, words', () => {
	it('matches whole words only in space-delimited text, case-insensitively by default', () => {
		const matcher = new KeywordMatcher(['cat', 'Fire']);
		assert.deepEqual(matcher.match('The CAT sat.'), ['cat']);
		assert.deepEqual(matcher.match('concatenate the fireworks'), []);
		assert.deepEqual(matcher.match('fire! cat?'), ['cat', 'Fire']);
	});

	it('is case-sensitive on request', () => {
		const matcher = new KeywordMatcher(['Fire'], { caseSensitive: true });
		assert.deepEqual(matcher.match('fire'), []);
		assert.deepEqual(matcher.match('Fire'), ['Fire']);
	});

	it('finds Chinese keywords inside unsegmented Chinese text', () => {
		const matcher = new KeywordMatcher(['会议', '火灾', '报警']);
		assert.deepEqual(matcher.match('明天的会议取消了'), ['会议']);
		assert.deepEqual(matcher.match('火灾报警请注意。'), ['火灾', '报警']);
		assert.deepEqual(matcher.match('今天我们去山里'), []);
	});

	it('treats the edge between Chinese and Latin letters as a word boundary', () => {
		const matcher = new KeywordMatcher(['AI']);
		assert.deepEqual(matcher.match('我们讨论AI技术'), ['AI']);
		assert.deepEqual(matcher.match('我们讨论AIGC技术'), []);
	});

	it('is Unicode-aware: accented letters and digits join words, full-width forms are folded', () => {
		const matcher = new KeywordMatcher(['café', 'ai', '5G']);
		assert.deepEqual(matcher.match('Un CAFÉ noir'), ['café']);
		assert.deepEqual(matcher.match('cafés'), []);
		assert.deepEqual(matcher.match('ＡＩ and 5G'), ['ai', '5G']);
		assert.deepEqual(matcher.match('15G'), []);
	});

	it('matches a keyword of several words across any whitespace and escapes regex characters', () => {
		const matcher = new KeywordMatcher(['stream  key', 'c++', 'a.b']);
		assert.deepEqual(matcher.match('the stream\tkey leaked'), ['stream  key']);
		assert.deepEqual(matcher.match('I write C++ daily'), ['c++']);
		assert.deepEqual(matcher.match('axb'), []);
	});

	it('finds a keyword in any of several texts: a punctuation mark inside it does not hide it', () => {
		const matcher = new KeywordMatcher(['火灾报警', '注意']);
		assert.deepEqual(matcher.match('火灾，报警。'), []);
		assert.deepEqual(matcher.match('火灾，报警。', '火灾报警'), ['火灾报警']);
		assert.deepEqual(matcher.match('请注意', '请注意'), ['注意']);
	});

	it('ignores blank and duplicate keywords and returns each match once, in configured order', () => {
		const matcher = new KeywordMatcher([' 报警 ', '', '  ', '火灾', '报警']);
		assert.deepEqual(matcher.keywords, ['报警', '火灾']);
		assert.deepEqual(matcher.match('火灾报警报警'), ['报警', '火灾']);
		assert.equal(new KeywordMatcher(['', ' ']).empty, true);
	});
});

describe('KeywordMatcher, substrings', () => {
	it('matches inside words', () => {
		const matcher = new KeywordMatcher(['cat', '注意'], { mode: 'substrings' });
		assert.deepEqual(matcher.match('Concatenate'), ['cat']);
		assert.deepEqual(matcher.match('请注意'), ['注意']);
		assert.deepEqual(matcher.match('dog'), []);
	});
});

describe('KeywordMatcher, regular expressions', () => {
	it('tests each expression, case-insensitively by default', () => {
		const matcher = new KeywordMatcher(['^会议', '[一二三]{3}', 'al(ar)?m'], { mode: 'regex' });
		assert.deepEqual(matcher.match('会议开始'), ['^会议']);
		assert.deepEqual(matcher.match('明天会议开始'), []);
		assert.deepEqual(matcher.match('一二三四'), ['[一二三]{3}']);
		assert.deepEqual(matcher.match('ALARM'), ['al(ar)?m']);
	});

	it('rejects an invalid expression with a BAD_OPTION that names it', () => {
		assert.throws(
			() => new KeywordMatcher(['ok', '(unclosed'], { mode: 'regex' }),
			(error: unknown) => error instanceof EngineError && error.code === 'BAD_OPTION' && error.message.includes('/(unclosed/') && error.fix.includes('words or substrings'),
		);
	});
});

describe('KeywordMatcher on the toy stream transcripts', () => {
	it('flags the alarm sentences and nothing else', () => {
		const transcripts = JSON.parse(readFileSync(sharedPath('audio', 'toy', 'transcripts.json'), 'utf8')) as Record<string, string | string[]>;
		const sentences = transcripts['toy_stream.wav'] as string[];
		const matcher = new KeywordMatcher(['火灾', '报警']);
		const flagged = sentences.filter((sentence) => matcher.match(sentence).length > 0);
		assert.deepEqual(flagged, ['报警报警火灾请注意', '火灾报警请注意']);
	});
});
