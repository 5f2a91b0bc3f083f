import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { RecognizerOutput, Segment } from '../../../engine/runtime/inference-protocol.js';
import { computeFbank } from '../../../engine/frontend/fbank.js';
import { loadFrontendOptions } from '../../../engine/frontend/frontend-options.js';
import { WorkerEngine } from '../../../engine/runtime/worker-engine.js';
import { handleRequest } from '../../../engine/runtime/worker-requests.js';
import { readWav } from '../../../engine/source/wav.js';
import { fixturePath, sharedPath } from '../../helpers/paths.js';
import { characterErrorRate } from '../../helpers/text.js';

const models = {
	asrDir: sharedPath('models', 'toy-paraformer-zh'),
	vadDir: sharedPath('models', 'fsmn-vad'),
};
const transcripts = JSON.parse(
	readFileSync(sharedPath('audio', 'toy', 'transcripts.json'), 'utf8'),
) as Record<string, string | string[]>;

async function feed(
	engine: WorkerEngine,
	streamId: string,
	samples: Float32Array,
	chunk: number,
): Promise<Segment[]> {
	const segments: Segment[] = [];
	for (let offset = 0; offset < samples.length; offset += chunk) {
		// The worker receives transferred buffers it owns, so the test sends copies.
		segments.push(
			...(
				await handleRequest(engine, {
					id: 0,
					type: 'audio',
					streamId,
					samples: samples.slice(offset, offset + chunk),
				})
			).closed,
		);
	}
	segments.push(...(await handleRequest(engine, { id: 0, type: 'flush', streamId })));
	return segments;
}

test('the VAD and recognizer engines turn the toy stream into its 14 sentences, in order', async () => {
	const vad = new WorkerEngine('vad');
	const recognizer = new WorkerEngine('recognizer');
	await handleRequest(vad, { id: 0, type: 'open', streamId: 's1', config: { models } });
	await handleRequest(recognizer, { id: 0, type: 'open', streamId: 's1', config: { models } });
	assert.deepEqual(vad.loadedModels, [`vad:${models.vadDir}`], 'the VAD worker loads only the VAD');
	assert.deepEqual(
		recognizer.loadedModels,
		[`recognizer:${models.asrDir}:fp32:1`],
		'the recognizer worker loads no VAD',
	);
	const { samples } = readWav(sharedPath('audio', 'toy', 'toy_stream.wav'));
	const segments = await feed(vad, 's1', samples, 1600);
	const texts: string[] = [];
	for (const segment of segments)
		texts.push(
			(
				await handleRequest(recognizer, {
					id: 0,
					type: 'recognize',
					streamId: 's1',
					fbank: segment.fbank,
				})
			).textRaw,
		);
	await handleRequest(vad, { id: 0, type: 'close', streamId: 's1' });
	await handleRequest(recognizer, { id: 0, type: 'close', streamId: 's1' });
	const expected = transcripts['toy_stream.wav'] as string[];
	assert.equal(texts.length, expected.length, `segments: ${JSON.stringify(texts)}`);
	const cer = characterErrorRate(expected, texts);
	assert.ok(cer <= 0.05, `CER ${cer} on ${JSON.stringify(texts)}`);
	for (let i = 1; i < segments.length; i++) assert.ok(segments[i].startMs >= segments[i - 1].endMs);
	assert.deepEqual(vad.loadedModels, []);
	assert.deepEqual(recognizer.loadedModels, []);
});

test('streams share one copy of each model; the last to close releases it', async () => {
	const engine = new WorkerEngine('recognizer');
	await handleRequest(engine, { id: 0, type: 'open', streamId: 'a', config: { models } });
	await handleRequest(engine, {
		id: 0,
		type: 'open',
		streamId: 'b',
		config: { models, vad: { maxEndSilenceMs: 500 } },
	});
	assert.equal(engine.loadedModels.length, 1, engine.loadedModels.join(', '));
	await handleRequest(engine, { id: 0, type: 'close', streamId: 'a' });
	assert.equal(engine.loadedModels.length, 1);
	await handleRequest(engine, { id: 0, type: 'close', streamId: 'b' });
	assert.deepEqual(engine.loadedModels, []);
});

test('a stream whose model is missing fails to open, names the file, and holds nothing', async () => {
	const engine = new WorkerEngine('recognizer');
	await assert.rejects(
		handleRequest(engine, {
			id: 0,
			type: 'open',
			streamId: 'x',
			config: {
				models: { ...models, asrDir: sharedPath('models', 'paraformer-large-zh-vocab8404') },
			},
		}),
		/model\.onnx/,
	);
	assert.deepEqual(engine.loadedModels, []);
	await assert.rejects(
		handleRequest(engine, { id: 0, type: 'recognize', streamId: 'x', fbank: new Float32Array(80) }),
		/not open/,
	);
});

test("each worker refuses the other's requests", async () => {
	const vad = new WorkerEngine('vad');
	await handleRequest(vad, { id: 0, type: 'open', streamId: 's', config: { models } });
	await assert.rejects(
		handleRequest(vad, { id: 0, type: 'recognize', streamId: 's', fbank: new Float32Array(80) }),
		/"recognize" request reached the vad worker/,
	);
	await handleRequest(vad, { id: 0, type: 'close', streamId: 's' });
});

test("the VAD worker punctuates, its model at its own precision: an fp32 recognizer with FunASR's int8-only punctuation", async () => {
	const engine = new WorkerEngine('vad');
	const puncDir = fixturePath('models', 'tiny-punc-realtime');
	await handleRequest(engine, {
		id: 0,
		type: 'open',
		streamId: 's',
		config: { models: { ...models, puncDir, quantized: false, puncQuantized: true } },
	});
	await handleRequest(engine, {
		id: 0,
		type: 'open',
		streamId: 't',
		config: { models: { ...models, puncDir } },
	});
	assert.deepEqual(engine.loadedModels.sort(), [
		`punctuation:${puncDir}:fp32`,
		`punctuation:${puncDir}:int8`,
		`vad:${models.vadDir}`,
	]);
	const text = await handleRequest(engine, {
		id: 0,
		type: 'punctuate',
		streamId: 's',
		textRaw: '报警火灾请注意',
	});
	assert.ok(
		text.length > '报警火灾请注意'.length && text.replace(/[，。？、]/g, '') === '报警火灾请注意',
		`punctuated: ${text}`,
	);
	await handleRequest(engine, { id: 0, type: 'shutdown' });
	assert.deepEqual(engine.loadedModels, []);
	const recognizer = new WorkerEngine('recognizer');
	await handleRequest(recognizer, {
		id: 0,
		type: 'open',
		streamId: 's',
		config: { models: { ...models, puncDir } },
	});
	assert.deepEqual(
		recognizer.loadedModels,
		[`recognizer:${models.asrDir}:fp32:1`],
		'recognizers load no punctuation',
	);
	await assert.rejects(
		handleRequest(recognizer, { id: 0, type: 'punctuate', streamId: 's', textRaw: '会议' }),
		/"punctuate" request reached the recognizer worker/,
	);
	await handleRequest(recognizer, { id: 0, type: 'shutdown' });
});

test('a batch gives each segment its own text; texts sent for punctuation without waiting are punctuated in order', async () => {
	const puncDir = fixturePath('models', 'tiny-punc-realtime');
	const config = { models: { ...models, puncDir, threads: 2 } };
	const frontend = loadFrontendOptions(models.asrDir);
	const fbanks = [
		'toy_01_alarm.wav',
		'toy_02_meeting.wav',
		'toy_03_digits.wav',
		'toy_01_alarm.wav',
	].map((file) => computeFbank(readWav(sharedPath('audio', 'toy', file)).samples, frontend).data);
	const recognizer = new WorkerEngine('recognizer');
	await handleRequest(recognizer, { id: 0, type: 'open', streamId: 's', config });
	const oneByOne: string[] = [];
	for (const fbank of fbanks)
		oneByOne.push(
			(await handleRequest(recognizer, { id: 0, type: 'recognize', streamId: 's', fbank })).textRaw,
		);
	const batched = await Promise.all(
		fbanks.map((fbank) =>
			handleRequest(recognizer, { id: 0, type: 'recognize', streamId: 's', fbank }),
		),
	);
	assert.deepEqual(
		batched.map((result) => result.textRaw),
		oneByOne,
	);
	const sequential = new WorkerEngine('vad');
	const together = new WorkerEngine('vad');
	await handleRequest(sequential, { id: 0, type: 'open', streamId: 's', config });
	await handleRequest(together, { id: 0, type: 'open', streamId: 's', config });
	const expected: string[] = [];
	for (const textRaw of oneByOne)
		expected.push(
			await handleRequest(sequential, { id: 0, type: 'punctuate', streamId: 's', textRaw }),
		);
	// vad_realtime punctuation carries context: out of order, the texts would differ.
	assert.deepEqual(
		await Promise.all(
			oneByOne.map((textRaw) =>
				handleRequest(together, { id: 0, type: 'punctuate', streamId: 's', textRaw }),
			),
		),
		expected,
	);
	for (const engine of [recognizer, sequential, together])
		await handleRequest(engine, { id: 0, type: 'shutdown' });
});

test('a provisional segment recognized on an idle recognizer gives the closed segment its text, the same as recognized after the close', async () => {
	const config = { models, provisionalAfterMs: 200 };
	const vad = new WorkerEngine('vad');
	const early = new WorkerEngine('recognizer');
	const late = new WorkerEngine('recognizer');
	for (const engine of [vad, early, late])
		await handleRequest(engine, { id: 0, type: 'open', streamId: 's', config });
	const { samples } = readWav(sharedPath('audio', 'toy', 'toy_stream.wav'));
	const results: { early: RecognizerOutput; late: RecognizerOutput }[] = [];
	let started = 0;
	const recognize = async (segment: Segment) => {
		const fbank = segment.fbank;
		const provisionalId = segment.provisionalId;
		results.push({
			early: await handleRequest(early, {
				id: 0,
				type: 'recognize',
				streamId: 's',
				fbank,
				...(provisionalId !== undefined ? { provisionalId } : {}),
			}),
			late: await handleRequest(late, { id: 0, type: 'recognize', streamId: 's', fbank }),
		});
	};
	for (let offset = 0; offset < samples.length; offset += 1600) {
		const { closed, provisional } = await handleRequest(vad, {
			id: 0,
			type: 'audio',
			streamId: 's',
			samples: samples.slice(offset, offset + 1600),
		});
		for (const segment of closed) await recognize(segment);
		if (
			provisional &&
			(await handleRequest(early, {
				id: 0,
				type: 'recognize-provisional',
				streamId: 's',
				segment: provisional,
			}))
		)
			started++;
	}
	for (const segment of await handleRequest(vad, { id: 0, type: 'flush', streamId: 's' }))
		await recognize(segment);
	const expected = transcripts['toy_stream.wav'] as string[];
	assert.equal(results.length, expected.length);
	assert.ok(started >= expected.length - 1, `${started} provisional recognitions started`);
	assert.ok(
		results.filter((result) => result.early.early).length >= expected.length - 1,
		'all but the last (closed by the end of the file) were recognized early',
	);
	assert.deepEqual(
		results.map((result) => result.early.textRaw),
		results.map((result) => result.late.textRaw),
		'the same texts, in order',
	);
	assert.ok(results.every((result) => !result.late.early));
	assert.ok(
		characterErrorRate(
			expected,
			results.map((result) => result.early.textRaw),
		) <= 0.05,
	);

	// A busy recognizer declines: a provisional run must never delay a closed segment.
	const fbank = computeFbank(samples.subarray(0, 48000), loadFrontendOptions(models.asrDir)).data;
	const running = handleRequest(early, { id: 0, type: 'recognize', streamId: 's', fbank });
	assert.equal(
		await handleRequest(early, {
			id: 0,
			type: 'recognize-provisional',
			streamId: 's',
			segment: { id: 999, startMs: 0, endMs: 3000, fbank },
		}),
		false,
	);
	await running;
	for (const engine of [vad, early, late]) await handleRequest(engine, { id: 0, type: 'shutdown' });
});
