import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import type { IDataObject } from 'n8n-workflow';
import { EngineError } from '../../../engine/errors.js';
import { readTriggerSettings } from '../../../nodes/RtmpAsr/parameters.js';

/** Local directories, as before the catalog: these tests are about the parameters, not the cache. */
const BASE: IDataObject = {
	url: 'rtmp://127.0.0.1/live/stream',
	model: 'local',
	modelDirectory: '/models/paraformer-zh',
	vadModel: 'local',
	vadModelDirectory: '/models/fsmn-vad',
	punctuationModel: 'off',
};
const LOCAL_PLAN = {
	asr: { kind: 'directory', directory: '/models/paraformer-zh' },
	vad: { kind: 'directory', directory: '/models/fsmn-vad' },
	punctuation: null,
};

function settingsOf(parameters: IDataObject) {
	const all: IDataObject = { ...BASE, ...parameters };
	return readTriggerSettings((name, fallback) => {
		const [first, second] = name.split('.');
		const value =
			second === undefined ? all[first] : (all[first] as IDataObject | undefined)?.[second];
		return value ?? fallback;
	});
}

const rejects = (parameters: IDataObject, pattern: RegExp) =>
	assert.throws(
		() => settingsOf(parameters),
		(error: unknown) =>
			error instanceof EngineError &&
			error.code === 'BAD_OPTION' &&
			pattern.test(error.message) &&
			error.fix.length > 0,
		`expected BAD_OPTION matching ${pattern}`,
	);

describe('readTriggerSettings', () => {
	it('gives the documented defaults', () => {
		const settings = settingsOf({});
		assert.equal(settings.source, 'url');
		assert.equal(settings.maxEndSilenceMs, 800);
		assert.equal(settings.maxSegmentMs, 60_000);
		assert.equal(settings.queueSeconds, 120);
		assert.equal(settings.overflow, 'drop-oldest');
		assert.equal(settings.reconnectMaxDelayMs, 30_000);
		assert.equal(settings.manualTimeoutMs, 120_000);
		assert.equal(settings.keywordMatch, 'words');
		assert.equal(settings.caseSensitive, false);
		assert.equal(settings.ordered, true);
		assert.equal(settings.statusOutput, false);
		assert.equal(settings.ffmpegPath, undefined);
		assert.deepEqual(settings.models, {
			...LOCAL_PLAN,
			quantized: false,
			punctuationQuantized: false,
			threads: 1,
			recognizers: 1,
			cacheDirectory: undefined,
			download: true,
		});
		assert.equal(settings.modelName, 'paraformer-zh');
		assert.equal(settings.earlyRecognition, true);
	});

	it('without model parameters: the catalog defaults, int8, downloaded into the shared cache when missing', () => {
		const settings = settingsOf({
			model: undefined,
			modelDirectory: undefined,
			vadModel: undefined,
			vadModelDirectory: undefined,
			punctuationModel: undefined,
		});
		assert.deepEqual(settings.models, {
			asr: { kind: 'catalog', name: 'paraformer-zh-int8' },
			vad: { kind: 'catalog', name: 'fsmn-vad' },
			punctuation: { kind: 'catalog', name: 'ct-punc-realtime' },
			quantized: true,
			punctuationQuantized: true,
			threads: 1,
			recognizers: 1,
			cacheDirectory: undefined,
			download: true,
		});
		assert.equal(settings.modelName, 'paraformer-zh-int8');
	});

	it('takes the precision of a catalog model from the catalog, not from the Quantized switch', () => {
		const fp32 = settingsOf({ model: 'paraformer-zh', quantized: true });
		assert.deepEqual(
			[fp32.models.asr, fp32.models.quantized, fp32.modelName],
			[{ kind: 'catalog', name: 'paraformer-zh' }, false, 'paraformer-zh'],
		);
		const int8 = settingsOf({ model: 'paraformer-zh-int8', quantized: false });
		assert.equal(int8.models.quantized, true);
	});

	it('reads the cache directory and the download switch from the options', () => {
		const settings = settingsOf({
			vadModel: 'fsmn-vad',
			options: { modelCacheDirectory: ' cache/models ', downloadModels: false },
		});
		assert.deepEqual(settings.models.vad, { kind: 'catalog', name: 'fsmn-vad' });
		assert.equal(settings.models.cacheDirectory, resolve('cache/models'));
		assert.equal(settings.models.download, false);
	});

	it("loads a catalog punctuation model at its own precision, a local one at the recognizer's", () => {
		const precisions = (parameters: IDataObject) => {
			const { quantized, punctuationQuantized } = settingsOf(parameters).models;
			return [quantized, punctuationQuantized];
		};
		assert.deepEqual(
			precisions({ model: 'paraformer-zh', punctuationModel: 'ct-punc-realtime' }),
			[false, true],
			'fp32 recognizer, int8 catalog punctuation',
		);
		assert.deepEqual(
			precisions({ punctuationModel: 'ct-punc' }),
			[false, true],
			'fp32 local recognizer, int8 catalog punctuation',
		);
		assert.deepEqual(
			precisions({
				quantized: true,
				punctuationModel: 'local',
				punctuationModelDirectory: '/models/punc',
			}),
			[true, true],
		);
		assert.deepEqual(
			precisions({
				quantized: false,
				punctuationModel: 'local',
				punctuationModelDirectory: '/models/punc',
			}),
			[false, false],
		);
	});

	it('resolves model directories, so that equal settings share one loaded model', () => {
		const a = settingsOf({ modelDirectory: 'models/x/', vadModelDirectory: './models/vad' });
		const b = settingsOf({
			modelDirectory: resolve('models/x'),
			vadModelDirectory: resolve('models', 'vad'),
		});
		assert.deepEqual(a.models, b.models);
		assert.deepEqual(a.models.asr, { kind: 'directory', directory: resolve('models/x') });
	});

	it('reads the options collection in the engine units', () => {
		const settings = settingsOf({
			quantized: true,
			punctuationModel: 'local',
			punctuationModelDirectory: '/models/punc',
			keywords: ['火灾', ' ', '报警'],
			keywordMatch: 'regex',
			caseSensitive: true,
			onlyMatching: true,
			statusOutput: true,
			options: {
				endSilenceMs: 500,
				maxSentenceSeconds: 20.5,
				queueSeconds: 30,
				overflow: 'backpressure',
				reconnectMaxDelaySeconds: 5,
				ffmpegPath: ' /opt/ffmpeg ',
				threads: 4,
				recognizers: 2,
				manualTimeoutSeconds: 10,
				parallelProcessing: true,
				earlyRecognition: false,
			},
		});
		assert.equal(settings.modelName, 'paraformer-zh-int8');
		assert.deepEqual(settings.models, {
			...LOCAL_PLAN,
			punctuation: { kind: 'directory', directory: '/models/punc' },
			quantized: true,
			punctuationQuantized: true,
			threads: 4,
			recognizers: 2,
			cacheDirectory: undefined,
			download: true,
		});
		assert.equal(settings.earlyRecognition, false);
		assert.deepEqual(settings.keywords, ['火灾', '报警']);
		assert.equal(settings.maxEndSilenceMs, 500);
		assert.equal(settings.maxSegmentMs, 20_500);
		assert.equal(settings.queueSeconds, 30);
		assert.equal(settings.overflow, 'backpressure');
		assert.equal(settings.reconnectMaxDelayMs, 5000);
		assert.equal(settings.ffmpegPath, '/opt/ffmpeg');
		assert.equal(settings.manualTimeoutMs, 10_000);
		assert.equal(settings.ordered, false);
		assert.equal(settings.onlyMatching, true);
		assert.equal(settings.statusOutput, true);
	});

	it('ignores a directory whose model is not "Local Directory"', () => {
		const settings = settingsOf({
			vadModel: 'fsmn-vad',
			punctuationModel: 'off',
			punctuationModelDirectory: '/models/punc',
		});
		assert.deepEqual(settings.models.vad, { kind: 'catalog', name: 'fsmn-vad' });
		assert.equal(settings.models.punctuation, null);
	});

	it('takes numbers given as text by an expression', () => {
		assert.equal(settingsOf({ options: { endSilenceMs: '600' } }).maxEndSilenceMs, 600);
	});

	it('rejects nonsense with a message naming the parameter', () => {
		rejects({ url: '' }, /Stream URL is empty/);
		rejects(
			{ modelDirectory: ' ' },
			/Model is "Local Directory", but the Model Directory is empty/,
		);
		rejects(
			{ vadModelDirectory: '' },
			/VAD Model is "Local Directory", but the VAD Model Directory is empty/,
		);
		rejects(
			{ punctuationModel: 'local' },
			/Punctuation is "Local Directory", but the Punctuation Model Directory is empty/,
		);
		rejects(
			{ model: 'whisper' },
			/Model must be one of paraformer-zh, paraformer-zh-int8, paraformer-zh-contextual, paraformer-zh-contextual-int8, sensevoice-small, sensevoice-small-int8, local, not "whisper"/,
		);
		rejects({ vadModel: 'paraformer-zh' }, /VAD Model must be one of fsmn-vad, local/);
		rejects(
			{ punctuationModel: true },
			/Punctuation must be one of off, ct-punc, ct-punc-realtime, local, not true/,
		);
		rejects(
			{ options: { downloadModels: 'yes' } },
			/Download Missing Models must be true or false/,
		);
		rejects(
			{ options: { endSilenceMs: -5 } },
			/VAD End Silence \(ms\) must be a number from 50 to 10000, not -5/,
		);
		rejects({ options: { endSilenceMs: 'soon' } }, /VAD End Silence.*"soon"/);
		rejects({ options: { endSilenceMs: 800.5 } }, /VAD End Silence \(ms\) must be a whole number/);
		rejects({ options: { maxSentenceSeconds: 0 } }, /Maximum Sentence Length/);
		rejects(
			{ options: { maxSentenceSeconds: 1, endSilenceMs: 1000 } },
			/must be longer than the VAD End Silence/,
		);
		rejects({ options: { queueSeconds: -1 } }, /Queue Bound/);
		rejects({ options: { queueSeconds: Number.NaN } }, /Queue Bound/);
		rejects({ options: { reconnectMaxDelaySeconds: 0 } }, /Reconnect Max Delay/);
		rejects({ options: { threads: -1 } }, /Inference Threads/);
		rejects({ options: { threads: 2.5 } }, /Inference Threads/);
		rejects({ options: { recognizers: 0 } }, /Parallel Recognitions/);
		rejects({ options: { recognizers: 9 } }, /Parallel Recognitions/);
		rejects({ options: { earlyRecognition: 'yes' } }, /Early Recognition/);
		rejects({ options: { manualTimeoutSeconds: 0 } }, /Manual Mode Timeout/);
		rejects(
			{ options: { overflow: 'explode' } },
			/Queue Overflow must be one of drop-oldest, drop-newest, backpressure/,
		);
		rejects({ keywordMatch: 'fuzzy' }, /Keyword Match/);
		rejects({ source: 'carrier-pigeon' }, /Stream Source/);
		rejects({ keywords: [1, 2] }, /Keywords must be a list of text/);
		rejects({ hotwords: { word: '魔搭' } }, /Hotwords must be a list of text/);
		rejects(
			{ options: { keywordsAsHotwords: 'yes' } },
			/Keywords as Hotwords must be true or false/,
		);
		rejects(
			{ hotwords: ['魔搭 '.repeat(1001)] },
			/Hotwords holds 1001 words; FunASR's hotword models take at most 1000/,
		);
		rejects({ quantized: 'yes' }, /Quantized \(int8\) must be true or false/);
		rejects({ onlyMatching: true, keywords: [] }, /no keywords are given/);
	});

	it('reads the hotwords, and the keywords as hotwords by default but never regular expressions', () => {
		assert.deepEqual(settingsOf({}).hotwords, []);
		assert.deepEqual(settingsOf({}).keywordHotwords, []);
		const settings = settingsOf({
			hotwords: ['魔搭', ' ', '达摩院 阿里巴巴'],
			keywords: ['报警', '火灾'],
		});
		assert.deepEqual(settings.hotwords, ['魔搭', '达摩院 阿里巴巴']);
		assert.deepEqual(settings.keywordHotwords, ['报警', '火灾']);
		assert.deepEqual(
			settingsOf({ hotwords: '魔搭' }).hotwords,
			['魔搭'],
			'an expression may give one text',
		);
		assert.deepEqual(
			settingsOf({ keywords: ['报警'], options: { keywordsAsHotwords: false } }).keywordHotwords,
			[],
		);
		assert.deepEqual(settingsOf({ keywords: ['报.'], keywordMatch: 'regex' }).keywordHotwords, []);
	});

	it('does not need a URL when the stream comes from the credential', () => {
		assert.equal(settingsOf({ source: 'credential', url: '' }).url, '');
	});
});
