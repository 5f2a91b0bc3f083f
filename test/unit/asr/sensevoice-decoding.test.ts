import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
	ctcGreedy,
	decodeSenseVoice,
	joinPieces,
} from '../../../engine/asr/sensevoice-decoding.js';

/** A small vocabulary shaped like SenseVoiceSmall's: blank `<unk>` first, tags by name, `▁` pieces. */
const VOCABULARY = [
	'<unk>',
	'<s>',
	'</s>',
	'<|zh|>',
	'<|en|>',
	'<|nospeech|>',
	'<|HAPPY|>',
	'<|NEUTRAL|>',
	'<|EMO_UNKNOWN|>',
	'<|Speech|>',
	'<|BGM|>',
	'<|Laughter|>',
	'<|Event_UNK|>',
	'<|withitn|>',
	'<|woitn|>',
	'▁hello',
	'▁world',
	'▁n',
	'8',
	'n',
	'今',
	'天',
	'.',
	'。',
	'▁25',
];
const id = (token: string) => {
	const index = VOCABULARY.indexOf(token);
	assert.ok(index >= 0, `${token} is in the test vocabulary`);
	return index;
};
const ids = (...tokens: string[]) => tokens.map(id);

/** Logits whose argmax at each frame is the given id (rows after `frames` favour another id). */
function logitsOf(frameIds: number[], vocabularySize = VOCABULARY.length): Float32Array {
	const logits = new Float32Array(frameIds.length * vocabularySize).fill(-1);
	frameIds.forEach((best, frame) => (logits[frame * vocabularySize + best] = 5));
	return logits;
}

describe('SenseVoice CTC greedy search', () => {
	it('collapses repeats and drops the blank, over the valid frames only', () => {
		const frames = [id('<|en|>'), id('<|en|>'), 0, id('▁hello'), 0, id('▁hello'), id('▁world')];
		const logits = logitsOf([...frames, id('▁25'), id('▁25')]);
		assert.deepEqual(
			ctcGreedy(logits, 0, frames.length, VOCABULARY.length),
			ids('<|en|>', '▁hello', '▁hello', '▁world'),
		);
	});

	it('reads utterance b of a batch from its offset', () => {
		const rows = 3;
		const batch = logitsOf([id('天'), id('天'), id('天'), id('今'), 0, id('天')]);
		assert.deepEqual(
			ctcGreedy(batch, rows * VOCABULARY.length, rows, VOCABULARY.length),
			ids('今', '天'),
		);
	});
});

describe('SenseVoice tags and text', () => {
	it('reads the four tags (language, emotion, event, ITN) and the text after them', () => {
		const decoded = decodeSenseVoice(
			ids('<|en|>', '<|HAPPY|>', '<|BGM|>', '<|woitn|>', '▁hello', '▁world'),
			VOCABULARY,
		);
		assert.deepEqual(decoded, {
			text: 'hello world',
			tokens: ['▁hello', '▁world'],
			events: ['BGM'],
			language: 'en',
			emotion: 'happy',
			itn: false,
		});
	});

	it('gives speech alone no event, and EMO_UNKNOWN the emotion "unknown"', () => {
		const decoded = decodeSenseVoice(
			ids('<|zh|>', '<|EMO_UNKNOWN|>', '<|Speech|>', '<|woitn|>', '今', '天'),
			VOCABULARY,
		);
		assert.equal(decoded.text, '今天');
		assert.equal(decoded.language, 'zh');
		assert.equal(decoded.emotion, 'unknown');
		assert.deepEqual(decoded.events, []);
	});

	it('keeps every word when tags are missing, and leaves the missing ones out', () => {
		const decoded = decodeSenseVoice(ids('<|en|>', '▁hello', '▁world'), VOCABULARY);
		assert.equal(decoded.text, 'hello world');
		assert.equal(decoded.language, 'en');
		assert.equal('emotion' in decoded, false);
		assert.equal('itn' in decoded, false);
		assert.deepEqual(decoded.events, []);
		const none = decodeSenseVoice(ids('今', '天'), VOCABULARY);
		assert.deepEqual(none, { text: '今天', tokens: ['今', '天'], events: [] });
	});

	it('takes nospeech as the language and gives no text when the model wrote none', () => {
		const decoded = decodeSenseVoice(
			ids('<|nospeech|>', '<|EMO_UNKNOWN|>', '<|Event_UNK|>', '<|woitn|>'),
			VOCABULARY,
		);
		assert.equal(decoded.language, 'nospeech');
		assert.equal(decoded.text, '');
		assert.deepEqual(decoded.events, ['Event_UNK']);
	});

	it('collects several events once each, and never a tag as a word', () => {
		const decoded = decodeSenseVoice(
			ids(
				'<|en|>',
				'<|NEUTRAL|>',
				'<|Laughter|>',
				'<|woitn|>',
				'▁hello',
				'<|BGM|>',
				'<|Laughter|>',
			),
			VOCABULARY,
		);
		assert.deepEqual(decoded.events, ['Laughter', 'BGM']);
		assert.equal(decoded.text, 'hello');
		assert.equal(decoded.emotion, 'neutral');
	});

	it('drops <s> and </s>', () => {
		assert.equal(decodeSenseVoice(ids('<s>', '▁hello', '</s>'), VOCABULARY).text, 'hello');
	});
});

describe('SenseVoice ITN', () => {
	it("with ITN off the text is the model's, unpunctuated", () => {
		const decoded = decodeSenseVoice(
			ids('<|en|>', '<|NEUTRAL|>', '<|Speech|>', '<|woitn|>', '▁hello'),
			VOCABULARY,
		);
		assert.equal(decoded.itn, false);
		assert.equal(decoded.text, 'hello');
	});

	it('with ITN on, a final mark when the model wrote none: 。 after zh, . otherwise', () => {
		const english = decodeSenseVoice(
			ids('<|en|>', '<|NEUTRAL|>', '<|Speech|>', '<|withitn|>', '▁hello', '▁25'),
			VOCABULARY,
		);
		assert.equal(english.itn, true);
		assert.equal(english.text, 'hello 25.');
		const chinese = decodeSenseVoice(
			ids('<|zh|>', '<|NEUTRAL|>', '<|Speech|>', '<|withitn|>', '今', '天'),
			VOCABULARY,
		);
		assert.equal(chinese.text, '今天。');
	});

	it("with ITN on, the model's own final mark is kept, never doubled", () => {
		const decoded = decodeSenseVoice(
			ids('<|en|>', '<|NEUTRAL|>', '<|Speech|>', '<|withitn|>', '▁hello', '.'),
			VOCABULARY,
		);
		assert.equal(decoded.text, 'hello.');
		const chinese = decodeSenseVoice(
			ids('<|zh|>', '<|NEUTRAL|>', '<|Speech|>', '<|withitn|>', '今', '天', '。'),
			VOCABULARY,
		);
		assert.equal(chinese.text, '今天。');
	});

	it('with ITN on and no words, no mark', () => {
		const decoded = decodeSenseVoice(ids('<|en|>', '<|withitn|>'), VOCABULARY);
		assert.equal(decoded.text, '');
	});
});

describe('joining pieces by the ▁ rule', () => {
	it('starts a word at each ▁ and continues it otherwise', () => {
		assert.equal(joinPieces(['▁hello', '▁world']), 'hello world');
		assert.equal(joinPieces(['▁n', '8', 'n', '▁live']), 'n8n live');
	});

	it('writes Chinese characters without spaces, a ▁ word after them with one', () => {
		assert.equal(joinPieces(['今', '天', '▁hello', '今']), '今天 hello今');
	});

	it('trims a leading ▁ and never doubles a space', () => {
		assert.equal(joinPieces(['▁', '▁hello']), 'hello');
		assert.equal(joinPieces([]), '');
	});
});
