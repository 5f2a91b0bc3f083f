import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LivePipelineOptions } from '../../../engine/config.js';
import { LivePipeline } from '../../../engine/pipeline/live-pipeline.js';
import { fixturePath, sharedPath } from '../../helpers/paths.js';
import { record, type Recorded } from '../../helpers/pipeline-recorder.js';

const VAD = sharedPath('models', 'fsmn-vad');
const STREAM = sharedPath('audio', 'toy', 'toy_stream.wav');

async function runToEnd(options: Omit<LivePipelineOptions, 'url'>): Promise<Recorded> {
	const pipeline = new LivePipeline({ url: STREAM, ...options });
	const recorded = record(pipeline);
	const ended = new Promise<void>((resolve, reject) => {
		pipeline.once('end', resolve);
		pipeline.once('error', reject);
	});
	try {
		await pipeline.start();
		await ended;
	} finally {
		await pipeline.close();
	}
	return recorded;
}

test('SenseVoice and Paraformer streams run side by side on the same workers, each sentence tagged by its own model', async () => {
	const models = { vadDir: VAD, threads: 2, recognizers: 2 };
	const [english, automatic, paraformer] = await Promise.all([
		runToEnd({
			models: { ...models, asrDir: fixturePath('models', 'tiny-sensevoice') },
			language: 'en',
			itn: true,
		}),
		runToEnd({ models: { ...models, asrDir: fixturePath('models', 'tiny-sensevoice') } }),
		runToEnd({ models: { ...models, asrDir: fixturePath('models', 'tiny-paraformer') } }),
	]);
	for (const recorded of [english, automatic, paraformer]) {
		assert.deepEqual(recorded.errors, []);
		assert.deepEqual(recorded.warnings, []);
		assert.ok(recorded.sentences.length > 0);
		recorded.sentences.forEach((sentence, i) => assert.equal(sentence.index, i));
	}
	for (const sentence of [...english.sentences, ...automatic.sentences]) {
		assert.ok(Array.isArray(sentence.events), 'every SenseVoice sentence has its events');
		assert.doesNotMatch(sentence.text, /<\|/);
	}
	for (const sentence of paraformer.sentences) assert.equal('events' in sentence, false);
	assert.notDeepEqual(
		english.sentences.map((sentence) => sentence.textRaw),
		automatic.sentences.map((sentence) => sentence.textRaw),
		"each stream's language and ITN reached the model",
	);
});
