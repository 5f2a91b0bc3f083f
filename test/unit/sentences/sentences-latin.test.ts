import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SentenceAssembly } from '../../../engine/sentences/sentence-assembly.js';
import { splitSentences } from '../../../engine/sentences/sentences.js';

describe("splitSentences on a SenseVoice model's own punctuation", () => {
	it('splits after . ? ! before a space or the end, keeping the marks', () => {
		const text = 'Hello world. How are you? Fine!';
		const sentences = splitSentences({ text, textRaw: text, startMs: 0, endMs: 3000 });
		assert.deepEqual(
			sentences.map((sentence) => sentence.text),
			['Hello world.', 'How are you?', 'Fine!'],
		);
		assert.deepEqual(
			sentences.map((sentence) => sentence.textRaw),
			['Hello world.', 'How are you?', 'Fine!'],
		);
		assert.equal(sentences[0].startMs, 0);
		assert.equal(sentences.at(-1)!.endMs, 3000);
	});

	it('keeps a number with a point, and an abbreviation without a space after it, whole', () => {
		const text = 'It costs 3.5 dollars at n8n.io today.';
		assert.deepEqual(
			splitSentences({ text, startMs: 0, endMs: 1000 }).map((sentence) => sentence.text),
			[text],
		);
	});

	it('splits Chinese after 。 even with no space after it, in text mixed with English', () => {
		const text = '今天开会。The stream is live.';
		assert.deepEqual(
			splitSentences({ text, startMs: 0, endMs: 1000 }).map((sentence) => sentence.text),
			['今天开会。', 'The stream is live.'],
		);
	});
});

describe("a segment's SenseVoice tags", () => {
	it('go to every sentence of the segment, each with its own events array', () => {
		const assembly = new SentenceAssembly();
		const sentences = [
			...assembly.sentencesOf({
				sessionId: 's',
				sessionStartedAt: 0,
				startMs: 0,
				endMs: 2000,
				text: 'Hello. Bye.',
				textRaw: 'Hello. Bye.',
				language: 'en',
				emotion: 'happy',
				events: ['BGM'],
			}),
		];
		assert.equal(sentences.length, 2);
		for (const sentence of sentences) {
			assert.equal(sentence.language, 'en');
			assert.equal(sentence.emotion, 'happy');
			assert.deepEqual(sentence.events, ['BGM']);
		}
		assert.notEqual(sentences[0].events, sentences[1].events);
	});

	it('are absent for a Paraformer segment', () => {
		const [sentence] = new SentenceAssembly().sentencesOf({
			sessionId: 's',
			sessionStartedAt: 0,
			startMs: 0,
			endMs: 1000,
			text: '你好。',
			textRaw: '你好',
		});
		assert.equal('language' in sentence!, false);
		assert.equal('emotion' in sentence!, false);
		assert.equal('events' in sentence!, false);
	});
});
