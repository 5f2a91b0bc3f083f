import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EngineError } from '../../../engine/errors.js';
import { ensureModel, type PullEvent } from '../../../models/index.js';
import { ModelServer } from '../../helpers/model-server.js';
import { sharedPath } from '../../helpers/paths.js';

const VAD_ID = 'speech_fsmn_vad_zh-cn-16k-common-onnx';
let server: ModelServer;
let root: string;

before(async () => {
	server = await ModelServer.start();
	for (const file of ['model.onnx', 'config.yaml', 'am.mvn']) {
		server.serve(
			`/models/iic/${VAD_ID}/resolve/master/${file}`,
			readFileSync(sharedPath('models', 'fsmn-vad', file)),
		);
	}
	root = mkdtempSync(join(tmpdir(), 'rtmp-asr-ensure-'));
});
after(async () => {
	await server.close();
	rmSync(root, { recursive: true, force: true });
});

test("ensureModel: without download a missing model is resolveModel's error; with it, the model is pulled once", async () => {
	const env = { RTMP_ASR_MODELSCOPE_URL: server.url, RTMP_ASR_HF_URL: server.url };
	await assert.rejects(
		ensureModel('fsmn-vad', { dir: root, env }),
		(error: unknown) =>
			error instanceof EngineError &&
			error.code === 'MODEL_MISSING' &&
			error.fix.includes('rtmp-asr models pull fsmn-vad'),
	);
	assert.equal(server.requests.length, 0);

	const events: PullEvent[] = [];
	const pulled = await ensureModel('fsmn-vad', {
		dir: root,
		env,
		download: true,
		onProgress: (event) => events.push(event),
	});
	assert.equal(pulled.directory, join(root, VAD_ID));
	assert.deepEqual(
		events
			.filter((event) => event.type === 'done')
			.map((event) => event.type === 'done' && event.file),
		['model.onnx', 'config.yaml', 'am.mvn'],
	);

	const requests = server.requests.length;
	const again = await ensureModel('fsmn-vad', { dir: root, env, download: true });
	assert.equal(again.directory, pulled.directory);
	assert.equal(
		server.requests.length,
		requests,
		'an installed model is not checked against the network',
	);
});

test('ensureModel passes other errors through untouched', async () => {
	await assert.rejects(
		ensureModel('no-such-model', { dir: root, download: true }),
		(error: unknown) => error instanceof EngineError && error.code === 'BAD_OPTION',
	);
});
