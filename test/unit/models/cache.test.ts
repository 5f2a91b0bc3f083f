import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { EngineError } from '../../../engine/errors.js';
import { inspectModel, modelRoot, n8nFolder, resolveModel } from '../../../models/cache.js';
import { defaultCatalog, findModel } from '../../../models/catalog.js';
import { downloadSources } from '../../../models/sources.js';
import { sharedPath } from '../../helpers/paths.js';

const VAD_ID = 'speech_fsmn_vad_zh-cn-16k-common-onnx';
let root: string;

beforeEach(() => {
	root = mkdtempSync(join(tmpdir(), 'rtmp-asr-cache-'));
});
afterEach(() => {
	rmSync(root, { recursive: true, force: true });
});

test("the default cache sits in n8n's folder: <N8N_USER_FOLDER or home>/.n8n/rtmp-asr/models", () => {
	assert.equal(n8nFolder({ N8N_USER_FOLDER: '/srv/n8n', HOME: '/home/x' }), '/srv/n8n/.n8n');
	assert.equal(n8nFolder({ HOME: '/home/x' }), '/home/x/.n8n');
	assert.equal(n8nFolder({}), join(homedir(), '.n8n'));
	assert.equal(
		modelRoot(undefined, { N8N_USER_FOLDER: '/srv/n8n' }),
		'/srv/n8n/.n8n/rtmp-asr/models',
	);
});

test('RTMP_ASR_MODEL_DIR overrides the default, and an explicit directory overrides both', () => {
	const env = { N8N_USER_FOLDER: '/srv/n8n', RTMP_ASR_MODEL_DIR: '/data/models' };
	assert.equal(modelRoot(undefined, env), '/data/models');
	assert.equal(modelRoot('/mnt/copied', env), '/mnt/copied');
	assert.equal(modelRoot('relative/models', env), resolve('relative/models'));
	assert.equal(modelRoot('', env), '/data/models', 'an empty node parameter means "not set"');
});

test('resolveModel gives the model directory when every file is there (files copied by hand count)', () => {
	cpSync(sharedPath('models', 'fsmn-vad'), join(root, VAD_ID), { recursive: true });
	const installed = resolveModel('fsmn-vad', root, { env: {} });
	assert.equal(installed.directory, join(root, VAD_ID));
	assert.equal(installed.model.kind, 'vad');
	assert.equal(
		resolveModel(VAD_ID, undefined, { env: { RTMP_ASR_MODEL_DIR: root } }).directory,
		join(root, VAD_ID),
	);
});

test('a missing model names the directory, the pull command and the files to copy there', () => {
	mkdirSync(join(root, VAD_ID));
	writeFileSync(join(root, VAD_ID, 'config.yaml'), 'a: 1\n');
	writeFileSync(join(root, VAD_ID, 'model.onnx.partial'), Buffer.alloc(1000));
	assert.throws(
		() => resolveModel('fsmn-vad', root, { env: {} }),
		(error: unknown) => {
			assert.ok(error instanceof EngineError && error.code === 'MODEL_MISSING' && error.fatal);
			assert.equal(
				error.message,
				`Model "fsmn-vad" (FunASR ${VAD_ID}) is not installed in "${join(root, VAD_ID)}": model.onnx and am.mvn are missing.`,
			);
			assert.equal(
				error.fix,
				`Run \`rtmp-asr models pull fsmn-vad --dir ${root}\` (it resumes the interrupted model.onnx.partial), ` +
					`or copy model.onnx, config.yaml and am.mvn from https://www.modelscope.cn/models/iic/${VAD_ID}/files into "${join(root, VAD_ID)}" by hand.`,
			);
			return true;
		},
	);
});

test('an empty file does not count as installed', () => {
	cpSync(sharedPath('models', 'fsmn-vad'), join(root, VAD_ID), { recursive: true });
	writeFileSync(join(root, VAD_ID, 'am.mvn'), '');
	const state = inspectModel(findModel(defaultCatalog(), 'fsmn-vad'), root);
	assert.equal(state.installed, false);
	assert.throws(() => resolveModel('fsmn-vad', root, { env: {} }), /am\.mvn is missing/);
});

test('environment variables replace the source bases, and RTMP_ASR_MODEL_MIRROR puts mirrors first', () => {
	const sources = downloadSources(defaultCatalog(), {
		RTMP_ASR_MODEL_MIRROR: 'http://10.0.0.5:8080/models/, http://10.0.0.6/m',
		RTMP_ASR_MODELSCOPE_URL: 'http://10.0.0.7:9000/',
		RTMP_ASR_HF_URL: 'https://hf.internal.invalid',
	});
	assert.deepEqual(
		sources.map((source) => [source.name, source.fileUrl(VAD_ID, 'am.mvn')]),
		[
			['mirror 1', `http://10.0.0.5:8080/models/${VAD_ID}/am.mvn`],
			['mirror 2', `http://10.0.0.6/m/${VAD_ID}/am.mvn`],
			['modelscope', `http://10.0.0.7:9000/models/iic/${VAD_ID}/resolve/master/am.mvn`],
			['huggingface', `https://hf.internal.invalid/funasr/${VAD_ID}/resolve/main/am.mvn`],
		],
	);
	assert.throws(
		() => downloadSources(defaultCatalog(), { RTMP_ASR_HF_URL: 'hf.internal' }),
		(error: unknown) => {
			assert.ok(error instanceof EngineError && error.code === 'BAD_OPTION');
			assert.equal(error.message, 'RTMP_ASR_HF_URL="hf.internal" is not an http(s) URL.');
			return true;
		},
	);
});
