import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { simplifyUnitAxisTransposes } from '../../../engine/onnx/unit-axis-transposes.js';
import { sharedPath } from '../../helpers/paths.js';
import { encodeModel, type Graph } from '../../helpers/tiny-onnx.js';

const FSMN_VAD = sharedPath('models', 'fsmn-vad', 'model.onnx');

async function run(
	model: Uint8Array,
	feeds: Record<string, ort.Tensor>,
): Promise<Record<string, Float32Array>> {
	const session = await ort.InferenceSession.create(model);
	try {
		const outputs = await session.run(feeds);
		return Object.fromEntries(
			Object.entries(outputs).map(([name, tensor]) => [name, tensor.data as Float32Array]),
		);
	} finally {
		await session.release();
	}
}

function wavy(length: number, step: number): Float32Array {
	return Float32Array.from({ length }, (_, i) => Math.sin(i * step) * 3);
}

/** x [1, 3, 4] → Unsqueeze(axis 1) → Transpose(0, 3, 2, 1) → y [1, 4, 3, 1], the FSMN block's way in. */
function swapGraph(alsoOutputUnsqueezed: boolean): Graph {
	return {
		inputs: [{ name: 'x', type: 'float32', shape: [1, 3, 4] }],
		outputs: [
			{ name: 'y', type: 'float32', shape: [1, 4, 3, 1] },
			...(alsoOutputUnsqueezed
				? [{ name: 'u', type: 'float32' as const, shape: [1, 1, 3, 4] }]
				: []),
		],
		nodes: [
			{ op: 'Unsqueeze', inputs: ['x', 'axes'], outputs: ['u'] },
			{ op: 'Transpose', inputs: ['u'], outputs: ['y'], ints: { perm: [0, 3, 2, 1] } },
		],
		initializers: [{ name: 'axes', values: [1] }],
		opset: 14,
	};
}

describe("FunASR's FSMN transposes rewritten for onnxruntime's fast path", () => {
	it('rewrites the eight transposes of the real FSMN-VAD in place, results bit-identical', async () => {
		const original = readFileSync(FSMN_VAD);
		const model = new Uint8Array(original);
		assert.equal(simplifyUnitAxisTransposes(model), 8);
		assert.equal(model.length, original.length);
		assert.notDeepEqual(model, new Uint8Array(original), 'the bytes changed');
		for (const rows of [1, 37]) {
			const feeds: Record<string, ort.Tensor> = {
				speech: new ort.Tensor('float32', wavy(rows * 400, 0.013), [1, rows, 400]),
			};
			for (let i = 0; i < 4; i++)
				feeds[`in_cache${i}`] = new ort.Tensor(
					'float32',
					wavy(128 * 19, 0.07 + i),
					[1, 128, 19, 1],
				);
			const before = await run(original, feeds);
			const after = await run(model, feeds);
			assert.deepEqual(Object.keys(after).sort(), Object.keys(before).sort());
			for (const name of Object.keys(before))
				assert.deepEqual(after[name], before[name], `${name} at ${rows} rows`);
		}
		assert.equal(simplifyUnitAxisTransposes(model), 0, 'nothing left to rewrite');
	});

	it('rewrites a lone Unsqueeze → Transpose pair to the same result', async () => {
		const original = encodeModel(swapGraph(false));
		const model = new Uint8Array(original);
		assert.equal(simplifyUnitAxisTransposes(model), 1);
		const feeds = { x: new ort.Tensor('float32', wavy(12, 0.9), [1, 3, 4]) };
		assert.deepEqual(await run(model, feeds), await run(original, feeds));
	});

	it('leaves a pair alone when the reshaped value is also a graph output', async () => {
		const original = encodeModel(swapGraph(true));
		const model = new Uint8Array(original);
		assert.equal(simplifyUnitAxisTransposes(model), 0);
		assert.deepEqual(model, original);
	});

	it('leaves a model without the pattern untouched', () => {
		const graph = swapGraph(false);
		graph.nodes[1].ints = { perm: [0, 2, 1, 3] };
		graph.outputs[0].shape = [1, 3, 1, 4];
		const model = encodeModel(graph);
		const copy = new Uint8Array(model);
		assert.equal(simplifyUnitAxisTransposes(copy), 0);
		assert.deepEqual(copy, model);
	});
});
