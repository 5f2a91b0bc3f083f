import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
	createKeywordMatcher,
	KeywordMatcher,
	RegexKeywordMatcher,
} from '../../../nodes/RtmpAsr/keywords.js';
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

describe('RegexKeywordMatcher', () => {
	it('tests each expression, case-insensitively by default', async (t) => {
		const matcher = new RegexKeywordMatcher(['^会议', '[一二三]{3}', 'al(ar)?m']);
		t.after(() => matcher.close());
		assert.deepEqual(await matcher.match('会议开始'), { keywords: ['^会议'], warnings: [] });
		assert.deepEqual(await matcher.match('明天会议开始'), { keywords: [], warnings: [] });
		assert.deepEqual(await matcher.match('一二三四'), { keywords: ['[一二三]{3}'], warnings: [] });
		assert.deepEqual(await matcher.match('ALARM'), { keywords: ['al(ar)?m'], warnings: [] });
	});

	it('rejects an invalid expression with a BAD_OPTION that names it', () => {
		assert.throws(
			() => createKeywordMatcher(['ok', '(unclosed'], { mode: 'regex' }),
			(error: unknown) =>
				error instanceof EngineError &&
				error.code === 'BAD_OPTION' &&
				error.message.includes('/(unclosed/') &&
				error.fix.includes('words or substrings'),
		);
	});

	it('keeps the event loop responsive on a catastrophically backtracking expression, and reports it', async (t) => {
		// ~3 s on 24 characters that end in "。" (once compiled to native code, 0.6 s on 25), ×4 per 2 more: here 33.
		const sentence = '今天下午三点我们在会议室讨论明年的工作计划和预算安排以及人员调整。';
		const matcher = new RegexKeywordMatcher(['^(\\p{L}+\\s?)+$', '会议']);
		t.after(() => matcher.close());
		// Starting the worker costs the main thread some tens of ms (75 ms measured under load); the old code stalled 5 s.
		let longestGapMs = 0;
		let last = performance.now();
		const heartbeat = setInterval(() => {
			const now = performance.now();
			longestGapMs = Math.max(longestGapMs, now - last);
			last = now;
		}, 10);
		try {
			const result = await matcher.match(sentence);
			// The same regex engine a moment later on a shorter text: a fresh worker answers.
			const after = await matcher.match('报警');
			assert.ok(longestGapMs < 500, `the main thread stalled ${Math.round(longestGapMs)} ms`);
			assert.deepEqual(result.keywords, ['会议'], 'the other expressions are still tested');
			assert.equal(result.warnings.length, 1);
			const [warning] = result.warnings;
			assert.equal(warning?.code, 'BAD_OPTION');
			assert.match(
				warning?.message ?? '',
				/\/\^\(\\p\{L\}\+\\s\?\)\+\$\/ took longer than 1 s on the sentence "今天下午三点/,
			);
			assert.match(warning?.fix ?? '', /backtracks exponentially/);
			assert.deepEqual(after, { keywords: ['^(\\p{L}+\\s?)+$'], warnings: [] });
		} finally {
			clearInterval(heartbeat);
		}
	});

	it('answers in call order and stays quiet about what was in flight when closed', async () => {
		const matcher = new RegexKeywordMatcher(['^(a+)+$', 'b'], { deadlineMs: 5_000 });
		const first = matcher.match('b');
		const slow = matcher.match(`${'a'.repeat(40)}!`);
		assert.deepEqual(await first, { keywords: ['b'], warnings: [] });
		await matcher.close();
		assert.deepEqual(await slow, { keywords: [], warnings: [] });
		assert.deepEqual(
			await matcher.match('b'),
			{ keywords: [], warnings: [] },
			'nothing is started after close',
		);
	});
});

describe('KeywordMatcher on the toy stream transcripts', () => {
	it('flags the alarm sentences and nothing else', () => {
		const transcripts = JSON.parse(
			readFileSync(sharedPath('audio', 'toy', 'transcripts.json'), 'utf8'),
		) as Record<string, string | string[]>;
		const sentences = transcripts['toy_stream.wav'] as string[];
		const matcher = new KeywordMatcher(['火灾', '报警']);
		const flagged = sentences.filter((sentence) => matcher.match(sentence).length > 0);
		assert.deepEqual(flagged, ['报警报警火灾请注意', '火灾报警请注意']);
	});
});
