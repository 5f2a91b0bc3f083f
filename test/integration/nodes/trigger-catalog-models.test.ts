import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { defaultCatalog, findModel } from '../../../models/index.js';
import { RtmpAsrTrigger } from '../../../nodes/RtmpAsr/RtmpAsrTrigger.node.js';
import { serveStandIns } from '../../helpers/catalog-stand-ins.js';
import { ModelServer } from '../../helpers/model-server.js';
import { ffmpegReadersOf, waitFor } from '../../helpers/pipeline-recorder.js';
import { startPublisher } from '../../helpers/publisher.js';
import { startRtmpServer, type RtmpServer } from '../../helpers/rtmp-server.js';
import { testTriggerNode } from '../../helpers/trigger-harness.js';

/**
 * The node's defaults on the real engine: paraformer-zh-int8, fsmn-vad and ct-punc-realtime are
 * missing from the cache, downloaded on activation from a local server standing in for ModelScope
 * (stand-ins with FunASR's interfaces under the catalog's ids), and loaded at the catalog's precision.
 */

const ENV_KEYS = [
	'RTMP_ASR_MODELSCOPE_URL',
	'RTMP_ASR_HF_URL',
	'RTMP_ASR_MODEL_MIRROR',
	'N8N_RESTRICT_FILE_ACCESS_TO',
] as const;
const savedEnv = new Map<string, string | undefined>(
	ENV_KEYS.map((key) => [key, process.env[key]]),
);
const node = new RtmpAsrTrigger();
let models: ModelServer;
let rtmp: RtmpServer;
let cache: string;

before(async () => {
	models = await ModelServer.start();
	serveStandIns(models);
	process.env.RTMP_ASR_MODELSCOPE_URL = models.url;
	process.env.RTMP_ASR_HF_URL = models.url;
	delete process.env.RTMP_ASR_MODEL_MIRROR;
	rtmp = await startRtmpServer();
	cache = mkdtempSync(join(tmpdir(), 'rtmp-asr-node-catalog-'));
	// As an n8n that lets nodes use the cache (n8n compares real paths with the directories as written).
	process.env.N8N_RESTRICT_FILE_ACCESS_TO = realpathSync(cache);
});

after(async () => {
	for (const [key, value] of savedEnv) {
		if (value === undefined) delete process.env[key];
		else process.env[key] = value;
	}
	await models?.close();
	await rtmp?.stop();
	rmSync(cache, { recursive: true, force: true });
});

test('activated with the default models: downloaded into the cache, loaded by the engine, listening', async (t) => {
	const url = rtmp.url('live', 'catalog-defaults');
	const started = performance.now();
	const harness = await testTriggerNode(node, {
		parameters: { url, statusOutput: true, options: { modelCacheDirectory: cache } },
	});
	t.diagnostic(`activation (download and load) took ${Math.round(performance.now() - started)} ms`);
	const publisher = startPublisher({ url });
	try {
		const statuses = () =>
			harness.emissions
				.map((emission) => emission.data[1][0]?.json.type)
				.filter((type) => type !== undefined);
		await waitFor(
			() => statuses().includes('connected'),
			20_000,
			`the connected status (have ${JSON.stringify(statuses())})`,
		);
		for (const name of ['paraformer-zh-int8', 'fsmn-vad', 'ct-punc-realtime']) {
			const directory = join(cache, findModel(defaultCatalog(), name).id);
			assert.ok(
				harness.logs.some(
					(line) =>
						line.level === 'info' &&
						line.message.startsWith(`Model ${name} is installed in "${directory}"`),
				),
				`${name} was downloaded`,
			);
		}
		assert.equal(harness.errors.length, 0, harness.errors.map((error) => error.message).join('; '));
	} finally {
		await publisher.stop();
		await harness.close();
	}
	assert.deepEqual(ffmpegReadersOf(url), [], 'no ffmpeg reads the stream after closeFunction');

	const requests = models.requests.length;
	const again = await testTriggerNode(node, {
		parameters: { url, options: { modelCacheDirectory: cache, downloadModels: false } },
	});
	await again.close();
	assert.equal(models.requests.length, requests, 'a second activation finds the models installed');
});
