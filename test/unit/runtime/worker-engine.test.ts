import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { SegmentAudio } from '../../../engine/runtime/inference-protocol.js';
import { WorkerEngine } from '../../../engine/runtime/worker-engine.js';
import { readWav } from '../../../engine/source/wav.js';
import { sharedPath } from '../../helpers/paths.js';
import { characterErrorRate } from '../../helpers/text.js';

const models = { asrDir: sharedPath('models', 'toy-paraformer-zh'), vadDir: sharedPath('models', 'fsmn-vad') };
const transcripts = JSON.parse(readFileSync(sharedPath('audio', 'toy', 'transcripts.json'), 'utf8')) as Record<string, string | string[]>;

async function feed(engine: WorkerEngine, streamId: string, samples: Float32Array, chunk: number): Promise<SegmentAudio[]> {
	const segments: SegmentAudio[] = [];
	for (let offset = 0; offset < samples.length; offset += chunk) {
		// The worker receives transferred buffers it owns, so the test sends copies.
		segments.push(...(await engine.handle({ id: 0, type: 'audio', streamId, samples: samples.slice(offset, offset + chunk) })));
	}
	segments.push(...(await engine.handle({ id: 0, type: 'flush', streamId })));
	return segments;
}

test('the worker engine turns the toy stream into its 14 sentences, in order', async () => {
	const engine = new WorkerEngine();
	await engine.handle({ id: 0, type: 'open', streamId: 's1', config: { models } });
	const { samples } = readWav(sharedPath('audio', 'toy', 'toy_stream.wav'));
	const segments = await feed(engine, 's1', samples, 1600);
	const texts: string[] = [];
	for (const segment of segments) texts.push((await engine.handle({ id: 0, type: 'recognize', streamId: 's1', samples: segment.samples })).text);
	await engine.handle({ id: 0, type: 'close', streamId: 's1' });
	const expected = transcripts['toy_stream.wav'] as string[];
	assert.equal(texts.length, expected.length, `segments: ${JSON.stringify(texts)}`);
	const cer = characterErrorRate(expected, texts);
	assert.ok(cer <= 0.05, `CER ${cer} on ${JSON.stringify(texts)}`);
	for (let i = 1; i < segments.length; i++) assert.ok(segments[i]!.startMs >= segments[i - 1]!.endMs);
	assert.deepEqual(engine.loadedModels, []);
});

test('streams share one copy of each model; the last to close releases it', async () => {
	const engine = new WorkerEngine();
	await engine.handle({ id: 0, type: 'open', streamId: 'a', config: { models } });
	await engine.handle({ id: 0, type: 'open', streamId: 'b', config: { models, vad: { maxEndSilenceMs: 500 } } });
	assert.equal(engine.loadedModels.length, 2, engine.loadedModels.join(', '));
	await engine.handle({ id: 0, type: 'close', streamId: 'a' });
	assert.equal(engine.loadedModels.length, 2);
	await engine.handle({ id: 0, type: 'close', streamId: 'b' });
	assert.deepEqual(engine.loadedModels, []);
});

test('a stream whose model is missing fails to open, names the file, and holds nothing', async () => {
	const engine = new WorkerEngine();
	await assert.rejects(
		engine.handle({ id: 0, type: 'open', streamId: 'x', config: { models: { ...models, asrDir: sharedPath('models', 'paraformer-large-zh-vocab8404') } } }),
		/model\.onnx/,
	);
	assert.deepEqual(engine.loadedModels, []);
	await assert.rejects(engine.handle({ id: 0, type: 'audio', streamId: 'x', samples: new Float32Array(10) }), /not open/);
});
