import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { WireFormatError } from '../../../engine/onnx/protobuf-wire.js';
import {
	convertToSignedInt8Weights,
	hasFastSignedInt8,
	readModelForThisCpu,
} from '../../../engine/onnx/signed-int8-weights.js';
import { fixturePath } from '../../helpers/paths.js';

const QUANTIZED = fixturePath('models', 'tiny-paraformer', 'model_quant.onnx');
const FLOAT = fixturePath('models', 'tiny-paraformer', 'model.onnx');
const MATMUL_INTEGER = Buffer.from('MatMulInteger');

async function logits(
	model: string | Uint8Array,
	rows: number,
): Promise<{ logits: Float32Array; tokenNum: number }> {
	const session =
		typeof model === 'string'
			? await ort.InferenceSession.create(model)
			: await ort.InferenceSession.create(model);
	const speech = new Float32Array(rows * 560);
	for (let i = 0; i < speech.length; i++) speech[i] = Math.sin(i * 0.37) * 2;
	const outputs = await session.run({
		speech: new ort.Tensor('float32', speech, [1, rows, 560]),
		speech_lengths: new ort.Tensor('int32', Int32Array.of(rows), [1]),
	});
	await session.release();
	return {
		logits: outputs.logits!.data as Float32Array,
		tokenNum: Number(outputs.token_num!.data[0]),
	};
}

function countOccurrences(bytes: Uint8Array, pattern: Uint8Array): number {
	return (
		Buffer.from(bytes).toString('latin1').split(Buffer.from(pattern).toString('latin1')).length - 1
	);
}

describe('int8 weights for FunASR uint8 exports', () => {
	it('turns the weights and zero points of every MatMulInteger into int8, shifted by 128', () => {
		const original = readFileSync(QUANTIZED);
		const model = Buffer.from(original);
		const converted = convertToSignedInt8Weights(model);
		assert.ok(converted > 0, 'the tiny int8 Paraformer has MatMulIntegers');
		assert.equal(
			converted,
			countOccurrences(original, MATMUL_INTEGER) / 2,
			'each MatMulInteger node (named and typed MatMulInteger) is converted',
		);
		assert.equal(model.length, original.length, 'edited in place, same size');
		let changed = 0;
		for (let i = 0; i < model.length; i++) {
			if (model[i] === original[i]) continue;
			changed++;
			assert.ok(
				model[i] === (original[i] ^ 0x80) || (original[i] === 2 && model[i] === 3),
				`byte ${i}: only a 128 shift or UINT8 → INT8`,
			);
		}
		assert.ok(changed > 1000, `${changed} bytes changed`);
	});

	it('gives exactly the logits of the uint8 model', async () => {
		const model = readFileSync(QUANTIZED);
		assert.ok(convertToSignedInt8Weights(model) > 0);
		const expected = await logits(QUANTIZED, 57);
		const actual = await logits(model, 57);
		if (hasFastSignedInt8()) {
			assert.equal(actual.tokenNum, expected.tokenNum);
			assert.deepEqual(actual.logits, expected.logits);
		} else {
			// Without VNNI onnxruntime's uint8 × int8 kernel may saturate: the engine must not convert there.
			assert.equal(readModelForThisCpu(QUANTIZED).convertedNodes, 0);
		}
	});

	it('leaves a float model alone', () => {
		const original = readFileSync(FLOAT);
		const model = Buffer.from(original);
		assert.equal(convertToSignedInt8Weights(model), 0);
		assert.ok(model.equals(original));
	});

	it('rejects bytes that are not a protobuf', () => {
		assert.throws(
			() => convertToSignedInt8Weights(Buffer.from([0x3a, 0xff, 0xff, 0xff, 0x0f, 1, 2])),
			(error: unknown) =>
				error instanceof WireFormatError &&
				/has field 7 at byte 0 running to byte 33554436, past the end at byte 7: truncated/.test(
					error.message,
				),
		);
	});

	it('knows which CPUs have the fast kernels from their flags', () => {
		assert.equal(typeof hasFastSignedInt8(), 'boolean');
		assert.equal(hasFastSignedInt8('/nonexistent/cpuinfo'), false);
	});
});
