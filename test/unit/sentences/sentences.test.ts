import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitSentences } from '../../../engine/sentences/sentences.js';

const split = (text: string, startMs: number, endMs: number, textRaw?: string) =>
	splitSentences({ text, startMs, endMs, ...(textRaw !== undefined ? { textRaw } : {}) });

describe('splitSentences', () => {
	it('splits after 。？！ keeping the mark, and shares the time by characters', () => {
		assert.deepEqual(split('今天天气很好。我们出去玩吧！你去吗？', 1000, 3000), [
			{ text: '今天天气很好。', textRaw: '今天天气很好', startMs: 1000, endMs: 1800 },
			{ text: '我们出去玩吧！', textRaw: '我们出去玩吧', startMs: 1800, endMs: 2600 },
			{ text: '你去吗？', textRaw: '你去吗', startMs: 2600, endMs: 3000 },
		]);
	});

	it('keeps a text without a sentence end as one sentence over the whole segment', () => {
		assert.deepEqual(split('会议开始', 500, 2100), [
			{ text: '会议开始', textRaw: '会议开始', startMs: 500, endMs: 2100 },
		]);
	});

	it('keeps a tail after the last mark as its own sentence', () => {
		assert.deepEqual(split('好的。明天见', 0, 500), [
			{ text: '好的。', textRaw: '好的', startMs: 0, endMs: 200 },
			{ text: '明天见', textRaw: '明天见', startMs: 200, endMs: 500 },
		]);
	});

	it('keeps a run of marks together', () => {
		assert.deepEqual(
			split('真的吗？！好的。', 0, 1000).map((s) => [s.text, s.startMs, s.endMs]),
			[
				['真的吗？！', 0, 600],
				['好的。', 600, 1000],
			],
		);
	});

	it('drops pieces with nothing spoken, such as a mark carried over by the realtime punctuator', () => {
		assert.deepEqual(split('？吧好', 0, 800), [
			{ text: '吧好', textRaw: '吧好', startMs: 0, endMs: 800 },
		]);
		assert.deepEqual(
			split('。好的。。', 0, 800).map((s) => s.text),
			['好的。。'],
		);
		assert.deepEqual(split('', 0, 800), []);
		assert.deepEqual(split('  。 ', 0, 800), []);
	});

	it('counts letters and digits, not spaces, and trims the sentences', () => {
		assert.deepEqual(split('我用 n8n 做直播。 Hello world！', 0, 1800), [
			{ text: '我用 n8n 做直播。', textRaw: '我用 n8n 做直播', startMs: 0, endMs: 800 },
			{ text: 'Hello world！', textRaw: 'Hello world', startMs: 800, endMs: 1800 },
		]);
	});

	it('cuts the recognizer text where the punctuated text was cut', () => {
		const sentences = split(
			'我们去， 公园hello。 world你好？谢谢',
			0,
			1000,
			'我们去公园hello world你好谢谢',
		);
		assert.deepEqual(
			sentences.map((s) => s.textRaw),
			['我们去公园hello', 'world你好', '谢谢'],
		);
	});

	it('covers the segment without gaps, in whole milliseconds', () => {
		const sentences = split('一。二三。四五六。七八九十。', 12_345, 19_999);
		assert.equal(sentences.length, 4);
		assert.equal(sentences[0].startMs, 12_345);
		assert.equal(sentences.at(-1)!.endMs, 19_999);
		for (let i = 1; i < sentences.length; i++)
			assert.equal(sentences[i].startMs, sentences[i - 1].endMs);
		assert.ok(
			sentences.every(
				(s) => Number.isInteger(s.startMs) && Number.isInteger(s.endMs) && s.endMs > s.startMs,
			),
		);
	});

	it('with word times, gives each sentence its words and times it from its first to its last word', () => {
		const tokens = [...'今天好我们走'].map((text, i) => ({
			text,
			startMs: 1000 + i * 200,
			endMs: 1180 + i * 200,
		}));
		assert.deepEqual(
			splitSentences({
				text: '今天好。我们走？',
				textRaw: '今天好我们走',
				startMs: 900,
				endMs: 2500,
				tokens,
			}),
			[
				{
					text: '今天好。',
					textRaw: '今天好',
					startMs: 1000,
					endMs: 1580,
					tokens: tokens.slice(0, 3),
				},
				{
					text: '我们走？',
					textRaw: '我们走',
					startMs: 1600,
					endMs: 2180,
					tokens: tokens.slice(3),
				},
			],
		);
	});

	it('matches English words to sentences by their letters, whatever the case and spaces', () => {
		const tokens = [
			{ text: 'hello', startMs: 0, endMs: 400 },
			{ text: '你', startMs: 400, endMs: 600 },
			{ text: 'ABC', startMs: 600, endMs: 900 },
		];
		assert.deepEqual(
			splitSentences({ text: 'Hello。你 ABC。', startMs: 0, endMs: 1000, tokens }).map((s) => [
				s.text,
				s.startMs,
				s.endMs,
				s.tokens?.length,
			]),
			[
				['Hello。', 0, 400, 1],
				['你 ABC。', 400, 900, 2],
			],
		);
	});

	it('falls back to the share of the segment when the words do not spell the text', () => {
		const tokens = [{ text: '好', startMs: 100, endMs: 200 }];
		assert.deepEqual(splitSentences({ text: '好的。', startMs: 0, endMs: 1000, tokens }), [
			{ text: '好的。', textRaw: '好的', startMs: 0, endMs: 1000 },
		]);
	});
});
