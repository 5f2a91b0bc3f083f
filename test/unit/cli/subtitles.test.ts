import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFormatter, parseOutputFormat } from '../../../cli/output-formats.js';
import {
	buildCues,
	clock,
	columns,
	formatSrtCue,
	formatVttCue,
	MAX_CUE_MS,
	MAX_LINE_COLUMNS,
} from '../../../cli/subtitles.js';
import type { Sentence } from '../../../engine/index.js';

const charTokens = (text: string, startMs: number, stepMs: number) =>
	[...text]
		.filter((char) => /\p{L}|\p{N}/u.test(char))
		.map((char, i) => ({
			text: char,
			startMs: startMs + i * stepMs,
			endMs: startMs + (i + 1) * stepMs - 20,
		}));

describe('buildCues', () => {
	it('makes one cue of a short sentence, timed by its words when it has them', () => {
		const text = '今天天气很好。';
		assert.deepEqual(
			buildCues({ text, startMs: 900, endMs: 3000, tokens: charTokens(text, 1000, 250) }),
			[{ startMs: 1000, endMs: 2480, lines: ['今天天气很好。'] }],
		);
		assert.deepEqual(buildCues({ text, startMs: 900, endMs: 3000 }), [
			{ startMs: 900, endMs: 3000, lines: ['今天天气很好。'] },
		]);
	});

	it('cuts a sentence longer than 7 s at its clause marks, each cue timed by its own words', () => {
		const text = '我们今天下午三点开会，请大家准时到场，会议大概持续一个小时，结束以后一起吃饭。';
		const tokens = charTokens(text, 0, 300); // 35 characters, 10.5 s
		const cues = buildCues({ text, startMs: 0, endMs: 10_500, tokens });
		assert.deepEqual(
			cues.map((cue) => cue.lines.join('')),
			['我们今天下午三点开会，请大家准时到场，', '会议大概持续一个小时，结束以后一起吃饭。'],
		);
		assert.deepEqual(
			cues.map((cue) => [cue.startMs, cue.endMs]),
			[
				[0, 5080],
				[5100, 10_480],
			],
		);
		assert.ok(cues.every((cue) => cue.endMs - cue.startMs <= MAX_CUE_MS));
	});

	it('keeps cues to two lines of 42 columns (a CJK character is two), broken near the middle', () => {
		const text =
			'第一句话说的是一件很长很长的事情，第二句话也说了很多很多的内容，第三句话还在继续往下说，第四句话终于结束了。';
		const cues = buildCues({ text, startMs: 0, endMs: 6000 });
		assert.ok(cues.length >= 2, JSON.stringify(cues));
		for (const cue of cues) {
			assert.ok(
				cue.lines.length <= 2 && cue.lines.every((line) => columns(line) <= MAX_LINE_COLUMNS),
				JSON.stringify(cue),
			);
		}
		assert.equal(cues.map((cue) => cue.lines.join('')).join(''), text);
		assert.equal(cues[0].lines.length, 2);
	});

	it('breaks English between words and matches word tokens whatever their case', () => {
		const text = 'The quick brown fox jumps over the lazy dog, and it runs away into the forest.';
		const words = text.match(/[A-Za-z]+/g)!;
		const tokens = words.map((word, i) => ({
			text: word.toLowerCase(),
			startMs: i * 300,
			endMs: i * 300 + 250,
		}));
		const cues = buildCues({ text, startMs: 0, endMs: words.length * 300, tokens });
		assert.equal(cues.length, 1);
		assert.deepEqual(cues[0], {
			startMs: 0,
			endMs: (words.length - 1) * 300 + 250,
			lines: ['The quick brown fox jumps over the lazy', 'dog, and it runs away into the forest.'],
		});
	});

	it('falls back to the share of spoken characters when the tokens do not spell the text', () => {
		assert.deepEqual(
			buildCues({
				text: '好的。',
				startMs: 0,
				endMs: 1000,
				tokens: [{ text: '好', startMs: 100, endMs: 200 }],
			}),
			[{ startMs: 0, endMs: 1000, lines: ['好的。'] }],
		);
	});
});

describe('SRT and WebVTT', () => {
	it('formats times as HH:MM:SS,mmm and HH:MM:SS.mmm', () => {
		assert.equal(clock(3_723_045, ','), '01:02:03,045');
		assert.equal(clock(999.6, '.'), '00:00:01.000');
		assert.equal(
			formatSrtCue({ startMs: 1000, endMs: 2500, lines: ['一', '二'] }, 3),
			'3\n00:00:01,000 --> 00:00:02,500\n一\n二\n\n',
		);
		assert.equal(
			formatVttCue({ startMs: 1000, endMs: 2500, lines: ['一'] }),
			'00:00:01.000 --> 00:00:02.500\n一\n\n',
		);
	});

	const SESSION_START = Date.parse('2026-12-06T10:00:00.000Z');
	const sentence = (
		index: number,
		text: string,
		startMs: number,
		endMs: number,
		session = { id: 's', startedAt: SESSION_START },
	): Sentence => ({
		text,
		textRaw: text,
		index,
		sessionId: session.id,
		startMs,
		endMs,
		startedAt: new Date(session.startedAt + startMs).toISOString(),
		endedAt: new Date(session.startedAt + endMs).toISOString(),
		durationMs: endMs - startMs,
		latencyMs: 0,
	});

	it('runs subtitle times on across a reconnect: the next session starts where it was on the wall clock', () => {
		const srt = createFormatter('srt');
		// The stream dropped; the second connection began 65 s after the first.
		const reconnected = { id: 't', startedAt: SESSION_START + 65_000 };
		const tokens = [
			{ text: '再', startMs: 1500, endMs: 1800 },
			{ text: '见', startMs: 1800, endMs: 2400 },
		];
		const text =
			srt.format(sentence(0, '你好。', 1000, 2000)) +
			srt.format({ ...sentence(1, '再见。', 1500, 2500, reconnected), tokens });
		assert.equal(
			text,
			'1\n00:00:01,000 --> 00:00:02,000\n你好。\n\n2\n00:01:06,500 --> 00:01:07,400\n再见。\n\n',
		);
		const jsonl = createFormatter('jsonl');
		assert.equal(
			(JSON.parse(jsonl.format(sentence(1, '再见。', 1500, 2500, reconnected))) as Sentence)
				.startMs,
			1500,
			'JSON lines keep the session times, with their sessionId',
		);
	});

	it('numbers SRT cues across sentences and writes the WebVTT header once', () => {
		const srt = createFormatter('srt');
		assert.equal(
			srt.header +
				srt.format(sentence(0, '你好。', 0, 1000)) +
				srt.format(sentence(1, '再见。', 1000, 2000)),
			'1\n00:00:00,000 --> 00:00:01,000\n你好。\n\n2\n00:00:01,000 --> 00:00:02,000\n再见。\n\n',
		);
		const vtt = createFormatter('vtt');
		assert.equal(
			vtt.header + vtt.format(sentence(0, '你好。', 0, 1000)),
			'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n你好。\n\n',
		);
	});

	it('writes tokens into JSON lines only when the sentence has them', () => {
		const jsonl = createFormatter('jsonl');
		assert.deepEqual(Object.keys(JSON.parse(jsonl.format(sentence(0, '好。', 0, 500))) as object), [
			'index',
			'text',
			'textRaw',
			'startMs',
			'endMs',
			'sessionId',
		]);
		const tokens = [{ text: '好', startMs: 10, endMs: 400 }];
		assert.deepEqual(
			(JSON.parse(jsonl.format({ ...sentence(0, '好。', 10, 400), tokens })) as { tokens: unknown })
				.tokens,
			tokens,
		);
	});

	it('rejects an unknown format with the list of known ones', () => {
		assert.throws(
			() => parseOutputFormat('ass'),
			/--format must be one of text, jsonl, srt, vtt, not "ass"/,
		);
	});
});
