import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { computeFbank } from '../../../engine/frontend/fbank.js';
import { loadFrontendOptions } from '../../../engine/frontend/frontend-options.js';
import { InferenceClient } from '../../../engine/runtime/inference-client.js';
import { WorkerEngine } from '../../../engine/runtime/worker-engine.js';
import { handleRequest } from '../../../engine/runtime/worker-requests.js';
import { readWav } from '../../../engine/source/wav.js';
import { EngineError } from '../../../engine/errors.js';
import { fixturePath, sharedPath } from '../../helpers/paths.js';

const sensevoice = {
	asrDir: fixturePath('models', 'tiny-sensevoice'),
	vadDir: sharedPath('models', 'fsmn-vad'),
};
const paraformer = {
	asrDir: fixturePath('models', 'tiny-paraformer'),
	vadDir: sharedPath('models', 'fsmn-vad'),
};

function fbank(): Float32Array {
	const { samples } = readWav(sharedPath('audio', 'a_cn_16k.wav'));
	return computeFbank(samples.subarray(0, 16000 * 2), loadFrontendOptions(sensevoice.asrDir)).data;
}

async function rejectsWith(promise: Promise<unknown>, message: RegExp, fix: RegExp): Promise<void> {
	await assert.rejects(promise, (error: unknown) => {
		assert.ok(error instanceof EngineError, String(error));
		assert.match(error.message, message);
		assert.match(error.fix, fix);
		assert.equal(error.fatal, true);
		return true;
	});
}

test('a SenseVoice stream: one shared model, each stream its own language and ITN in one batch, tags in the answer', async () => {
	const engine = new WorkerEngine('recognizer');
	const open = (streamId: string, language: 'auto' | 'en', itn: boolean) =>
		handleRequest(engine, {
			id: 0,
			type: 'open',
			streamId,
			config: { models: { ...sensevoice, threads: 2 }, language, itn },
		});
	assert.deepEqual((await open('a', 'auto', false)).warnings, []);
	assert.deepEqual((await open('b', 'en', true)).warnings, []);
	assert.equal(engine.loadedModels.filter((key) => key.startsWith('recognizer:')).length, 1);
	const rows = fbank();
	const [a, b] = await Promise.all(
		['a', 'b'].map((streamId) =>
			handleRequest(engine, { id: 0, type: 'recognize', streamId, fbank: rows.slice() }),
		),
	);
	for (const output of [a, b]) {
		assert.equal(typeof output.textRaw, 'string');
		assert.ok(Array.isArray(output.events), 'SenseVoice always answers its events');
		assert.equal(output.early, false);
	}
	assert.notEqual(a.textRaw, b.textRaw, 'language and ITN reached the model per stream');
	for (const streamId of ['a', 'b'])
		await handleRequest(engine, { id: 0, type: 'close', streamId });
	assert.deepEqual(engine.loadedModels, []);
});

test('a Paraformer answers no SenseVoice tags', async () => {
	const engine = new WorkerEngine('recognizer');
	await handleRequest(engine, {
		id: 0,
		type: 'open',
		streamId: 'p',
		config: { models: paraformer },
	});
	const output = await handleRequest(engine, {
		id: 0,
		type: 'recognize',
		streamId: 'p',
		fbank: fbank(),
	});
	assert.equal('language' in output, false);
	assert.equal('events' in output, false);
	await handleRequest(engine, { id: 0, type: 'close', streamId: 'p' });
});

test('a language other than Mandarin asked of a Paraformer: the open fails naming SenseVoice; Mandarin and ITN are taken without a word', async () => {
	const engine = new WorkerEngine('recognizer');
	await rejectsWith(
		handleRequest(engine, {
			id: 0,
			type: 'open',
			streamId: 'p',
			config: { models: paraformer, language: 'en' },
		}),
		/tiny-paraformer\/model\.onnx" is a Paraformer model, but the language "en" needs a SenseVoice model/,
		/sensevoice-small-int8/,
	);
	assert.deepEqual(engine.loadedModels, [], 'a failed open holds nothing');
	const { warnings } = await handleRequest(engine, {
		id: 0,
		type: 'open',
		streamId: 'q',
		config: { models: paraformer, language: 'zh', itn: true },
	});
	assert.deepEqual(warnings, []);
	await handleRequest(engine, { id: 0, type: 'close', streamId: 'q' });
});

test('hotwords given to a SenseVoice model fail the open naming a hotword Paraformer; keywords-as-hotwords are dropped silently', async () => {
	const engine = new WorkerEngine('recognizer');
	await rejectsWith(
		handleRequest(engine, {
			id: 0,
			type: 'open',
			streamId: 's',
			config: { models: sensevoice, hotwords: ['魔搭'] },
		}),
		/is a SenseVoice model, which takes no hotwords/,
		/paraformer-zh-contextual-int8/,
	);
	const { warnings } = await handleRequest(engine, {
		id: 0,
		type: 'open',
		streamId: 't',
		config: { models: sensevoice, hotwordsIfSupported: ['魔搭'] },
	});
	assert.deepEqual(warnings, []);
	await handleRequest(engine, { id: 0, type: 'close', streamId: 't' });
});

test('a crashed recognizer worker reopens a SenseVoice stream with its language and ITN: the same text as before', async () => {
	const client = new InferenceClient();
	try {
		await client.open('s', { models: sensevoice, language: 'en', itn: true });
		const rows = fbank();
		const before = await client.recognize('s', rows.slice());
		const internals = client as unknown as { recognizers: { worker: Worker }[] };
		// Worker.terminate() between runs stands in for a crash (see inference-client.test.ts).
		await internals.recognizers[0].worker.terminate();
		const after = await client.recognize('s', rows.slice());
		assert.deepEqual(after, before);
		await client.open('auto', { models: sensevoice });
		assert.notEqual(
			(await client.recognize('auto', rows.slice())).textRaw,
			before.textRaw,
			'without them the text differs, so the comparison above means something',
		);
	} finally {
		await client.terminate();
	}
});

test('SenseVoice with ITN punctuates itself: its answers say so, and a punctuation model given is reported unused', async () => {
	const engine = new WorkerEngine('recognizer');
	const puncDir = fixturePath('models', 'tiny-punc-realtime');
	const open = (streamId: string, itn: boolean) =>
		handleRequest(engine, {
			id: 0,
			type: 'open',
			streamId,
			config: { models: { ...sensevoice, puncDir }, itn },
		});
	const [warning] = (await open('itn', true)).warnings;
	assert.match(
		warning?.message ?? '',
		/punctuates its own text .* "[^"]*tiny-punc-realtime" is not used/,
	);
	assert.match(warning?.fix ?? '', /Punctuation Off/);
	assert.equal(warning?.fatal, false);
	assert.deepEqual((await open('plain', false)).warnings, []);
	const recognize = (streamId: string) =>
		handleRequest(engine, { id: 0, type: 'recognize', streamId, fbank: fbank() });
	assert.equal((await recognize('itn')).punctuated, true);
	assert.equal((await recognize('plain')).punctuated, undefined, 'the punctuation model runs');
	await handleRequest(engine, { id: 0, type: 'shutdown' });
});
