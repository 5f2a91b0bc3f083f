import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { EngineError } from '../../../engine/errors.js';
import { KeywordMatcher } from '../../../nodes/RtmpAsr/keywords.js';
import { readTriggerSettings } from '../../../nodes/RtmpAsr/parameters.js';
import { RtmpAsrTrigger } from '../../../nodes/RtmpAsr/RtmpAsrTrigger.node.js';
import {
	fakeSentence,
	testTriggerNode,
	withFakePipelines,
	type TriggerHarness,
} from '../../helpers/trigger-harness.js';
import { installStandIn } from '../../helpers/catalog-stand-ins.js';

process.env.N8N_RESTRICT_FILE_ACCESS_TO = '';

const node = new RtmpAsrTrigger();
const SENSEVOICE: IDataObject = {
	url: 'rtmp://127.0.0.1:1935/live/stream',
	model: 'sensevoice-small-int8',
	vadModel: 'local',
	vadModelDirectory: '/models/fsmn-vad',
};

function settingsOf(parameters: IDataObject) {
	return readTriggerSettings((name, fallback) => {
		const [first, second] = name.split('.');
		const value =
			second === undefined
				? parameters[first]
				: (parameters[first] as IDataObject | undefined)?.[second];
		return value ?? fallback;
	});
}

const property = (name: string): INodeProperties =>
	node.description.properties.find((candidate) => candidate.name === name)!;

describe('the node with a SenseVoice model', () => {
	it('shows Language and ITN for SenseVoice models and a local directory, SenseVoice its own Punctuation (Off), and no hotwords', () => {
		const senseVoice = ['sensevoice-small', 'sensevoice-small-int8'];
		for (const name of ['language', 'itn'])
			assert.deepEqual(property(name).displayOptions, {
				show: { recognition: ['local'], model: [...senseVoice, 'local'] },
			});
		assert.deepEqual(
			(property('language').options as { value: string }[]).map((option) => option.value).sort(),
			['auto', 'en', 'ja', 'ko', 'yue', 'zh'],
		);
		assert.equal(property('language').default, 'auto');
		assert.equal(property('itn').default, true);
		assert.deepEqual(property('punctuationModel').displayOptions, {
			show: { recognition: ['local'] },
			hide: { model: senseVoice },
		});
		assert.deepEqual(property('senseVoicePunctuation').displayOptions, {
			show: { recognition: ['local'], model: senseVoice },
		});
		assert.equal(property('senseVoicePunctuation').default, 'off');
		assert.deepEqual(property('hotwords').displayOptions, { hide: { model: senseVoice } });
	});

	it('reads language and ITN, and no punctuation model by default', () => {
		const settings = settingsOf({ ...SENSEVOICE, language: 'en' });
		assert.equal(settings.language, 'en');
		assert.equal(settings.itn, true);
		assert.equal(settings.models.punctuation, null);
		assert.deepEqual(settings.models.asr, { kind: 'catalog', name: 'sensevoice-small-int8' });
		assert.equal(settings.models.quantized, true);
		const punctuated = settingsOf({ ...SENSEVOICE, senseVoicePunctuation: 'ct-punc' });
		assert.deepEqual(punctuated.models.punctuation, { kind: 'catalog', name: 'ct-punc' });
	});

	it('gives a catalog Paraformer Mandarin without ITN, whatever hidden values remain', () => {
		const settings = settingsOf({
			...SENSEVOICE,
			model: 'paraformer-zh-int8',
			language: 'en',
			itn: true,
		});
		assert.equal(settings.language, 'auto');
		assert.equal(settings.itn, false);
	});

	it('rejects a language it does not offer, naming those it does', () => {
		assert.throws(
			() => settingsOf({ ...SENSEVOICE, language: 'fr' }),
			(error: unknown) =>
				error instanceof EngineError &&
				/Language must be one of auto, yue, en, ja, ko, zh, not "fr"/.test(error.message),
		);
	});

	it("hands language and ITN to the pipeline and puts the model's tags in each item", async () => {
		// The catalog model is installed (its stand-in), so nothing is downloaded.
		const cache = mkdtempSync(join(tmpdir(), 'sensevoice-cache-'));
		installStandIn(cache, 'sensevoice-small-int8');
		await withFakePipelines(async (pipelines) => {
			const harness: TriggerHarness = await testTriggerNode(node, {
				mode: 'trigger',
				parameters: {
					...SENSEVOICE,
					language: 'en',
					itn: false,
					options: { modelCacheDirectory: cache, downloadModels: false },
				},
			});
			const options = pipelines[0].options;
			assert.equal(options.language, 'en');
			assert.equal('itn' in options, false);
			assert.equal(options.models.puncDir, undefined, 'no punctuation model for SenseVoice');
			pipelines[0].emit('sentence', {
				...fakeSentence('Hello world.', 0),
				language: 'en',
				emotion: 'happy',
				events: ['BGM'],
			});
			const item = harness.emissions[0].data[0]?.[0]?.json;
			assert.equal(item?.language, 'en');
			assert.equal(item?.emotion, 'happy');
			assert.deepEqual(item?.events, ['BGM']);
			assert.equal(item?.model, 'sensevoice-small-int8');
			await harness.close();
		}).finally(() => rmSync(cache, { recursive: true, force: true }));
	});
});

describe('keywords in English, as SenseVoice writes it', () => {
	const text = 'The Stream is live. We go to n8n at 25 past, concatenate nothing!';

	it("match whole words, whatever the case, beside the model's punctuation", () => {
		const matcher = new KeywordMatcher(['stream', 'LIVE', 'n8n', '25', 'cat', 'nothing', 'go to']);
		assert.deepEqual(matcher.match(text), ['stream', 'LIVE', 'n8n', '25', 'nothing', 'go to']);
	});

	it('are case-sensitive when asked', () => {
		const matcher = new KeywordMatcher(['stream', 'Stream'], { caseSensitive: true });
		assert.deepEqual(matcher.match(text), ['Stream']);
	});
});
