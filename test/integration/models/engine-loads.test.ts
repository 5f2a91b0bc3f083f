import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Paraformer } from '../../../engine/asr/paraformer.js';
import { loadRecognizer } from '../../../engine/asr/recognizer.js';
import { Punctuator } from '../../../engine/punctuation/ct-transformer.js';
import { FsmnVadModel } from '../../../engine/vad/fsmn-vad-model.js';
import { defaultCatalog, ensureModel, findModel, isQuantized } from '../../../models/index.js';
import { ModelServer } from '../../helpers/model-server.js';
import { fixturePath, sharedPath } from '../../helpers/paths.js';

/** Stand-ins with FunASR's interfaces for each catalog model, served under the catalog's own ids and file names. */
const STAND_INS: Record<string, string> = {
	'paraformer-zh': fixturePath('models', 'tiny-paraformer'),
	'paraformer-zh-int8': fixturePath('models', 'tiny-paraformer'),
	'paraformer-zh-contextual': fixturePath('models', 'tiny-contextual-paraformer'),
	'paraformer-zh-contextual-int8': fixturePath('models', 'tiny-contextual-paraformer'),
	'sensevoice-small': fixturePath('models', 'tiny-sensevoice'),
	'sensevoice-small-int8': fixturePath('models', 'tiny-sensevoice'),
	'fsmn-vad': sharedPath('models', 'fsmn-vad'),
	'ct-punc': fixturePath('models', 'tiny-punc'),
	'ct-punc-realtime': fixturePath('models', 'tiny-punc-realtime'),
};

let server: ModelServer;
let root: string;

before(async () => {
	server = await ModelServer.start();
	root = mkdtempSync(join(tmpdir(), 'rtmp-asr-engine-loads-'));
	for (const model of defaultCatalog().models) {
		for (const file of model.files) {
			const standIn = join(STAND_INS[model.name], file.name);
			if (existsSync(standIn))
				server.serve(`/models/iic/${model.id}/resolve/master/${file.name}`, readFileSync(standIn));
		}
	}
});
after(async () => {
	await server.close();
	rmSync(root, { recursive: true, force: true });
});

const env = () => ({ RTMP_ASR_MODELSCOPE_URL: server.url, RTMP_ASR_HF_URL: server.url });

test("the files the catalog pulls for each model are what the engine's loaders need", async () => {
	assert.deepEqual(
		Object.keys(STAND_INS),
		defaultCatalog().models.map((model) => model.name),
		'every catalog model has a stand-in',
	);
	for (const name of Object.keys(STAND_INS)) {
		const { model, directory } = await ensureModel(name, { dir: root, env: env(), download: true });
		const quantized = isQuantized(model);
		if (model.kind === 'asr') {
			const recognizer = await loadRecognizer(directory, { quantized });
			await recognizer.release();
			assert.equal(
				recognizer.family,
				model.family ?? 'paraformer',
				`${name}'s graph is its family's`,
			);
			assert.equal(
				recognizer.family === 'paraformer' && (recognizer as Paraformer).hotwords !== null,
				name.includes('contextual'),
				`${name} takes hotwords when it is a contextual export`,
			);
		}
		if (model.kind === 'punc') {
			const punctuator = await Punctuator.load(directory, { quantized });
			try {
				assert.equal(punctuator.kind, name === 'ct-punc-realtime' ? 'vad_realtime' : 'offline');
			} finally {
				await punctuator.release();
			}
		}
		if (model.kind === 'vad') await (await FsmnVadModel.load(directory)).release();
	}
	assert.equal(
		findModel(defaultCatalog(), 'paraformer-zh').id,
		findModel(defaultCatalog(), 'paraformer-zh-int8').id,
	);
	for (const file of ['model.onnx', 'model_quant.onnx', 'config.yaml', 'am.mvn', 'tokens.json']) {
		assert.equal(
			server.count(
				`/models/iic/${findModel(defaultCatalog(), 'paraformer-zh').id}/resolve/master/${file}`,
			),
			1,
			`the fp32 and int8 Paraformer share ${file} (fetched once)`,
		);
	}
});
