import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitSentences } from '../../../engine/emitter/sentences.js';

describe('splitSentences', () => {
	it('splits after 。？！ keeping the mark, and shares the time by characters', () => {
		assert.deepEqual(splitSentences('今天天气很好。我们出去玩吧！你去吗？', 1000, 3000), [
			{ text: '今天天气很好。', startMs: 1000, endMs: 1800 },
			{ text: '我们出去玩吧！', startMs: 1800, endMs: 2600 },
			{ text: '你去吗？', startMs: 2600, endMs: 3000 },
		]);
	});

	it('keeps a text without a sentence end as one sentence over the whole segment', () => {
		assert.deepEqual(splitSentences('会议开始', 500, 2100), [{ text: '会议开始', startMs: 500, endMs: 2100 }]);
	});

	it('keeps a tail after the last mark as its own sentence', () => {
		assert.deepEqual(splitSentences('好的。明天见', 0, 500), [
			{ text: '好的。', startMs: 0, endMs: 200 },
			{ text: '明天见', startMs: 200, endMs: 500 },
		]);
	});

	it('keeps a run of marks together', () => {
		assert.deepEqual(splitSentences('真的吗？！好的。', 0, 1000), [
			{ text: '真的吗？！', startMs: 0, endMs: 600 },
			{ text: '好的。', startMs: 600, endMs: 1000 },
		]);
	});

	it('drops pieces with nothing spoken, such as a mark carried over by the realtime punctuator', () => {
		assert.deepEqual(splitSentences('？吧好', 0, 800), [{ text: '吧好', startMs: 0, endMs: 800 }]);
		assert.deepEqual(splitSentences('。好的。。', 0, 800), [{ text: '好的。。', startMs: 0, endMs: 800 }]);
		assert.deepEqual(splitSentences('', 0, 800), []);
		assert.deepEqual(splitSentences('  。 ', 0, 800), []);
	});

	it('counts letters and digits, not spaces, and trims the sentences', () => {
		const sentences = splitSentences('我用 n8n 做直播。 Hello world！', 0, 1800);
		assert.deepEqual(sentences, [
			{ text: '我用 n8n 做直播。', startMs: 0, endMs: 800 },
			{ text: 'Hello world！', startMs: 800, endMs: 1800 },
		]);
	});

	it('covers the segment without gaps, in whole milliseconds', () => {
		const sentences = splitSentences('一。二三。四五六。七八九十。', 12_345, 19_999);
		assert.equal(sentences.length, 4);
		assert.equal(sentences[0]!.startMs, 12_345);
		assert.equal(sentences.at(-1)!.endMs, 19_999);
		for (let i = 1; i < sentences.length; i++) assert.equal(sentences[i]!.startMs, sentences[i - 1]!.endMs);
		assert.ok(sentences.every((s) => Number.isInteger(s.startMs) && Number.isInteger(s.endMs) && s.endMs > s.startMs));
	});
});
