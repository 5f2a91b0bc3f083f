import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Paraformer } from '../../../engine/asr/paraformer.js';
import { computeFbank } from '../../../engine/frontend/fbank.js';
import { loadFrontendOptions } from '../../../engine/frontend/frontend-options.js';
import { WorkerEngine } from '../../../engine/runtime/worker-engine.js';
import { handleRequest } from '../../../engine/runtime/worker-requests.js';
import { readWav } from '../../../engine/source/wav.js';
import { fixturePath, sharedPath } from '../../helpers/paths.js';

const contextual = {
	asrDir: fixturePath('models', 'tiny-contextual-paraformer'),
	vadDir: sharedPath('models', 'fsmn-vad'),
};
const plain = {
	asrDir: fixturePath('models', 'tiny-paraformer'),
	vadDir: sharedPath('models', 'fsmn-vad'),
};

function fbankOf(file: string): Float32Array {
	const { samples } = readWav(sharedPath('audio', 'toy', file));
	return computeFbank(samples, loadFrontendOptions(contextual.asrDir)).data;
}

test('each hotword list is embedded once with the loaded model; streams with other lists reuse the model, and a batch mixing lists gives each its own bias', async () => {
	const engine = new WorkerEngine('recognizer');
	// Two threads: the recognizer batches up to 8 segments in a run.
	const open = (streamId: string, hotwords: string[]) =>
		handleRequest(engine, {
			id: 0,
			type: 'open',
			streamId,
			config: { models: { ...contextual, threads: 2 }, hotwords },
		});
	assert.deepEqual((await open('a', ['魔搭 达摩院'])).warnings, []);
	assert.deepEqual((await open('b', ['语音识别'])).warnings, []);
	assert.deepEqual((await open('c', ['魔搭 达摩院'])).warnings, []);
	await open('d', []);
	const keys = engine.loadedModels;
	assert.equal(
		keys.filter((key) => key.startsWith('recognizer:')).length,
		1,
		`one model for every list: ${keys.join(', ')}`,
	);
	assert.equal(
		keys.filter((key) => key.startsWith('hotwords:')).length,
		2,
		`one embedding per distinct list: ${keys.join(', ')}`,
	);

	const fbank = fbankOf('toy_stream.wav').subarray(0, 80 * 300);
	const recognize = (streamId: string) =>
		handleRequest(engine, { id: 0, type: 'recognize', streamId, fbank: fbank.slice() });
	// Sent together, so the batcher runs them in one batch: one model run per list.
	const texts = (await Promise.all(['a', 'b', 'c', 'd'].map(recognize))).map(
		(result) => result.textRaw,
	);

	const paraformer = await Paraformer.load(contextual.asrDir);
	try {
		const expected = async (hotwords: string[] | null) => {
			const bias = hotwords ? (await paraformer.hotwords!.embed(hotwords)).bias : undefined;
			return (
				await paraformer.recognizeFbank([{ data: fbank, rows: fbank.length / 80, dim: 80 }], bias)
			)[0].text;
		};
		assert.deepEqual(texts, [
			await expected(['魔搭 达摩院']),
			await expected(['语音识别']),
			await expected(['魔搭 达摩院']),
			await expected(null),
		]);
	} finally {
		await paraformer.release();
	}
	for (const streamId of ['a', 'b', 'c', 'd'])
		await handleRequest(engine, { id: 0, type: 'close', streamId });
	assert.deepEqual(engine.loadedModels, []);
});

test('hotwords given to a model that takes none: the stream opens, with a warning naming the model and which to choose', async () => {
	const engine = new WorkerEngine('recognizer');
	const { warnings } = await handleRequest(engine, {
		id: 0,
		type: 'open',
		streamId: 's',
		config: { models: plain, hotwords: ['魔搭'] },
	});
	assert.equal(warnings.length, 1);
	assert.match(warnings[0].message, /tiny-paraformer" takes no hotwords/);
	assert.match(warnings[0].fix, /paraformer-zh-contextual/);
	assert.equal(warnings[0].fatal, false);
	await handleRequest(engine, { id: 0, type: 'close', streamId: 's' });
});

test('hotwords the model cannot spell are reported at open, by name; an oversized list fails the open and holds nothing', async () => {
	const engine = new WorkerEngine('recognizer');
	const { warnings } = await handleRequest(engine, {
		id: 0,
		type: 'open',
		streamId: 's',
		config: { models: contextual, hotwords: ['吗呢', '魔搭'] },
	});
	assert.equal(warnings.length, 1);
	assert.match(
		warnings[0].message,
		/1 hotword\(s\) skipped .*"吗呢" \("吗" is not in the vocabulary\)/,
	);
	await handleRequest(engine, { id: 0, type: 'close', streamId: 's' });
	await assert.rejects(
		handleRequest(engine, {
			id: 0,
			type: 'open',
			streamId: 't',
			config: { models: contextual, hotwords: Array.from({ length: 1001 }, () => '魔搭') },
		}),
		/1001 hotwords given/,
	);
	assert.deepEqual(engine.loadedModels, []);
});

test("hotwords-if-supported (the node's keywords) join the hotwords once on a model that takes them, and are dropped silently by one that does not", async () => {
	const engine = new WorkerEngine('recognizer');
	const { warnings } = await handleRequest(engine, {
		id: 0,
		type: 'open',
		streamId: 'p',
		config: { models: plain, hotwordsIfSupported: ['魔搭'] },
	});
	assert.deepEqual(warnings, []);
	await handleRequest(engine, {
		id: 0,
		type: 'open',
		streamId: 'c',
		config: { models: contextual, hotwords: ['魔搭'], hotwordsIfSupported: ['魔搭', '达摩院'] },
	});
	assert.ok(
		engine.loadedModels.some(
			(key) => key.startsWith('hotwords:') && key.endsWith(JSON.stringify(['魔搭', '达摩院'])),
		),
		engine.loadedModels.join(', '),
	);
	await handleRequest(engine, { id: 0, type: 'close', streamId: 'p' });
	await handleRequest(engine, { id: 0, type: 'close', streamId: 'c' });
	assert.deepEqual(engine.loadedModels, []);
});

test('keywords beyond the hotword limit are left out of the list with a warning; the stream still opens', async () => {
	const engine = new WorkerEngine('recognizer');
	const hotwords = Array.from({ length: 999 }, () => '魔搭');
	const { warnings } = await handleRequest(engine, {
		id: 0,
		type: 'open',
		streamId: 's',
		config: { models: contextual, hotwords, hotwordsIfSupported: ['达摩院', '语音', '识别'] },
	});
	assert.equal(warnings.length, 1);
	assert.match(
		warnings[0].message,
		/^2 keyword\(s\) are not used as hotwords: with the hotwords they would pass FunASR's limit of 1000\./,
	);
	await handleRequest(engine, { id: 0, type: 'close', streamId: 's' });
});

test('a stream reopened with other hotwords within its keep-warm time reuses the model: only the new list is embedded', async () => {
	const engine = new WorkerEngine('recognizer');
	const keepWarmMs = 300;
	const open = (streamId: string, hotwords: string[]) =>
		handleRequest(engine, {
			id: 0,
			type: 'open',
			streamId,
			config: { models: contextual, hotwords, keepWarmMs },
		});
	const close = (streamId: string) => handleRequest(engine, { id: 0, type: 'close', streamId });
	assert.deepEqual((await open('first', ['魔搭 达摩院'])).loaded, ['recognizer', 'hotwords']);
	const model = engine.recognizerStream('first').recognizer;
	await close('first');
	assert.equal(engine.loadedModels.length, 2, 'kept warm after the close');

	assert.deepEqual((await open('second', ['语音识别'])).loaded, ['hotwords'], 'no model reload');
	assert.equal(engine.recognizerStream('second').recognizer, model, 'the same loaded model');
	assert.deepEqual(
		(await open('third', ['魔搭 达摩院'])).loaded,
		[],
		'the first list is still warm',
	);
	await close('second');
	await close('third');

	await new Promise((resolve) => setTimeout(resolve, keepWarmMs + 200));
	assert.deepEqual(engine.loadedModels, [], 'unloaded once nobody came back');
	assert.deepEqual((await open('fourth', [])).loaded, ['recognizer'], 'loaded anew');
	await close('fourth');
	await handleRequest(engine, { id: 0, type: 'shutdown' });
	assert.deepEqual(engine.loadedModels, [], 'a shutdown unloads what is kept warm at once');
});
