import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { freeBatchDimension } from '../../../engine/onnx/batch-dimension.js';
import { sharedPath } from '../../helpers/paths.js';

const FSMN_VAD = sharedPath('models', 'fsmn-vad', 'model.onnx');

test("the FSMN-VAD export's batch of 1 is freed on every input and output, in place", async () => {
	const original = readFileSync(FSMN_VAD);
	const model = new Uint8Array(original);
	assert.equal(freeBatchDimension(model), 10);
	assert.equal(model.length, original.length);
	const session = await ort.InferenceSession.create(model);
	try {
		for (const value of [...session.inputMetadata, ...session.outputMetadata]) {
			assert.ok(value.isTensor);
			assert.equal(typeof value.shape[0], 'string', `${value.name} has a free first dimension`);
		}
	} finally {
		await session.release();
	}
	assert.equal(freeBatchDimension(model), 0, 'nothing left to free');
});
