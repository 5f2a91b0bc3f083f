import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import type { IDataObject } from 'n8n-workflow';
import { EngineError } from '../../../engine/errors.js';
import { readTriggerSettings } from '../../../nodes/RtmpAsr/trigger-settings.js';

const BASE: IDataObject = { url: 'rtmp://127.0.0.1/live/stream', modelDirectory: '/models/paraformer-zh', vadModelDirectory: '/models/fsmn-vad' };

function settingsOf(parameters: IDataObject) {
	const all: IDataObject = { ...BASE, ...parameters };
	return readTriggerSettings((name, fallback) => {
		const [first, second] = name.split('.');
		const value = second === undefined ? all[first] : (all[first] as IDataObject | undefined)?.[second];
		return value ?? fallback;
	});
}

const rejects = (parameters: IDataObject, pattern: RegExp) =>
	assert.throws(
		() => settingsOf(parameters),
		(error: unknown) => error instanceof EngineError && error.code === 'BAD_OPTION' && pattern.test(error.message) && error.fix.length > 0,
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
		assert.deepEqual(settings.models, { asrDir: '/models/paraformer-zh', vadDir: '/models/fsmn-vad', quantized: false, threads: 1 });
		assert.equal(settings.modelName, 'paraformer-zh');
		assert.equal(settings.useCatalogVad, false);
		assert.equal(settings.useCatalogPunctuation, false);
	});

	it('resolves model directories, so that equal settings share one loaded model', () => {
		const a = settingsOf({ modelDirectory: 'models/x/', vadModelDirectory: './models/vad' });
		const b = settingsOf({ modelDirectory: resolve('models/x'), vadModelDirectory: resolve('models', 'vad') });
		assert.deepEqual(a.models, b.models);
		assert.equal(a.models.asrDir, resolve('models/x'));
	});

	it('reads the options collection in the engine units', () => {
		const settings = settingsOf({
			quantized: true,
			punctuation: true,
			punctuationModelDirectory: '/models/punc',
			keywords: ['火灾', ' ', '报警'],
			keywordMatch: 'regex',
			caseSensitive: true,
			onlyMatching: true,
			statusOutput: true,
			options: { endSilenceMs: 500, maxSentenceSeconds: 20.5, queueSeconds: 30, overflow: 'backpressure', reconnectMaxDelaySeconds: 5, ffmpegPath: ' /opt/ffmpeg ', threads: 4, manualTimeoutSeconds: 10, parallelProcessing: true },
		});
		assert.equal(settings.modelName, 'paraformer-zh-int8');
		assert.deepEqual(settings.models, { asrDir: '/models/paraformer-zh', vadDir: '/models/fsmn-vad', quantized: true, threads: 4, puncDir: '/models/punc' });
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

	it('falls back to the catalog models when the VAD or punctuation directory is empty', () => {
		const settings = settingsOf({ vadModelDirectory: '', punctuation: true });
		assert.equal(settings.useCatalogVad, true);
		assert.equal(settings.useCatalogPunctuation, true);
		assert.equal(settingsOf({ punctuation: false, punctuationModelDirectory: '/models/punc' }).models.puncDir, undefined);
	});

	it('takes numbers given as text by an expression', () => {
		assert.equal(settingsOf({ options: { endSilenceMs: '600' } }).maxEndSilenceMs, 600);
	});

	it('rejects nonsense with a message naming the parameter', () => {
		rejects({ url: '' }, /Stream URL is empty/);
		rejects({ modelDirectory: ' ' }, /Model Directory is empty/);
		rejects({ options: { endSilenceMs: -5 } }, /VAD End Silence \(ms\) must be a number from 50 to 10000, not -5/);
		rejects({ options: { endSilenceMs: 'soon' } }, /VAD End Silence.*"soon"/);
		rejects({ options: { endSilenceMs: 800.5 } }, /VAD End Silence \(ms\) must be a whole number/);
		rejects({ options: { maxSentenceSeconds: 0 } }, /Maximum Sentence Length/);
		rejects({ options: { maxSentenceSeconds: 1, endSilenceMs: 1000 } }, /must be longer than the VAD End Silence/);
		rejects({ options: { queueSeconds: -1 } }, /Queue Bound/);
		rejects({ options: { queueSeconds: Number.NaN } }, /Queue Bound/);
		rejects({ options: { reconnectMaxDelaySeconds: 0 } }, /Reconnect Max Delay/);
		rejects({ options: { threads: -1 } }, /Inference Threads/);
		rejects({ options: { threads: 2.5 } }, /Inference Threads/);
		rejects({ options: { manualTimeoutSeconds: 0 } }, /Manual Mode Timeout/);
		rejects({ options: { overflow: 'explode' } }, /Queue Overflow must be one of drop-oldest, drop-newest, backpressure/);
		rejects({ keywordMatch: 'fuzzy' }, /Keyword Match/);
		rejects({ source: 'carrier-pigeon' }, /Stream Source/);
		rejects({ keywords: [1, 2] }, /Keywords must be a list of text/);
		rejects({ quantized: 'yes' }, /Quantized \(int8\) must be true or false/);
		rejects({ onlyMatching: true, keywords: [] }, /no keywords are given/);
	});

	it('does not need a URL when the stream comes from the credential', () => {
		assert.equal(settingsOf({ source: 'credential', url: '' }).url, '');
	});
});
