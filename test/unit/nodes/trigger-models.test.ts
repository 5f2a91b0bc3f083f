import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { IDataObject } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { defaultCatalog, findModel } from '../../../models/index.js';
import { CLI_PATH } from '../../../nodes/RtmpAsr/models.js';
import { RtmpAsrTrigger } from '../../../nodes/RtmpAsr/RtmpAsrTrigger.node.js';
import { installStandIn, modelScopePath, serveStandIns } from '../../helpers/catalog-stand-ins.js';
import { ModelServer, refusedUrl } from '../../helpers/model-server.js';
import {
	testTriggerNode,
	withFakePipelines,
	type TriggerHarness,
} from '../../helpers/trigger-harness.js';

// An n8n without a file-access restriction (n8n 2.x restricts to ~/.n8n-files unless told otherwise):
// these tests use made-up model directories; file-access.test.ts tests the restriction.
process.env.N8N_RESTRICT_FILE_ACCESS_TO = '';

/**
 * The node's catalog models: found in the model cache, downloaded from a local server standing in
 * for ModelScope when missing, or reported with the way to install them by hand. The pipeline is a
 * fake: these tests are about which directories it is given.
 */

const node = new RtmpAsrTrigger();
const STREAM = 'rtmp://127.0.0.1:1935/live/stream';
const DEFAULT_MODELS = ['paraformer-zh-int8', 'fsmn-vad', 'ct-punc-realtime'];
const ENV_KEYS = [
	'RTMP_ASR_MODELSCOPE_URL',
	'RTMP_ASR_HF_URL',
	'RTMP_ASR_MODEL_MIRROR',
	'RTMP_ASR_MODEL_DIR',
	'N8N_USER_FOLDER',
] as const;
const savedEnv = new Map<string, string | undefined>(
	ENV_KEYS.map((key) => [key, process.env[key]]),
);

let server: ModelServer;
let work: string;

before(async () => {
	server = await ModelServer.start();
	serveStandIns(server);
	work = mkdtempSync(join(tmpdir(), 'rtmp-asr-node-models-'));
	setDownloadSites(server.url);
	delete process.env.RTMP_ASR_MODEL_MIRROR;
	// Never the real ~/.n8n: a test that forgets the cache option fails on an empty directory instead.
	process.env.RTMP_ASR_MODEL_DIR = join(work, 'default-cache');
});

after(async () => {
	for (const [key, value] of savedEnv) {
		if (value === undefined) delete process.env[key];
		else process.env[key] = value;
	}
	await server.close();
	rmSync(work, { recursive: true, force: true });
});

function setDownloadSites(base: string): void {
	process.env.RTMP_ASR_MODELSCOPE_URL = base;
	process.env.RTMP_ASR_HF_URL = base;
}

let caches = 0;
const newCache = () => join(work, `cache-${++caches}`);
const model = (name: string) => findModel(defaultCatalog(), name);
const directoryIn = (cache: string, name: string) => join(cache, model(name).id);
const run = (parameters: IDataObject, mode: 'trigger' | 'manual' = 'trigger') =>
	testTriggerNode(node, { mode, parameters: { url: STREAM, ...parameters } });
const infoLines = (harness: TriggerHarness) =>
	harness.logs.filter((line) => line.level === 'info').map((line) => line.message);
/** GET requests for the catalog files of these models, each counted by path. */
const fileRequests = (names: string[]) =>
	names.flatMap((name) =>
		model(name).files.map((file) => server.count(modelScopePath(model(name), file.name))),
	);

const defaultSelection = (cache: string) => ({
	asrDir: directoryIn(cache, 'paraformer-zh-int8'),
	vadDir: directoryIn(cache, 'fsmn-vad'),
	puncDir: directoryIn(cache, 'ct-punc-realtime'),
	quantized: true,
	puncQuantized: true,
	threads: 1,
	recognizers: 1,
});

describe("the trigger's catalog models", { concurrency: false }, () => {
	it('loads the default models from the cache without a download when they are installed', async () => {
		const cache = newCache();
		for (const name of DEFAULT_MODELS) installStandIn(cache, name);
		const requests = server.requests.length;
		await withFakePipelines(async (pipelines) => {
			const harness = await run({ options: { modelCacheDirectory: cache } });
			assert.deepEqual(pipelines[0].options.models, defaultSelection(cache));
			assert.equal(server.requests.length, requests, 'nothing is downloaded');
			assert.ok(
				!infoLines(harness).some((line) => /installing/.test(line)),
				infoLines(harness).join('\n'),
			);
			pipelines[0].say('会议开始', 0);
			assert.equal(
				harness.emissions[0].data[0][0].json.model,
				'paraformer-zh-int8',
				'items name the catalog model',
			);
			await harness.close();
		});
	});

	it('finds the shared cache through RTMP_ASR_MODEL_DIR, else in N8N_USER_FOLDER/.n8n/rtmp-asr/models', async () => {
		const fromVariable = newCache();
		const userFolder = join(work, 'n8n-user');
		const inUserFolder = join(userFolder, '.n8n', 'rtmp-asr', 'models');
		for (const cache of [fromVariable, inUserFolder])
			for (const name of DEFAULT_MODELS) installStandIn(cache, name);
		const previousDir = process.env.RTMP_ASR_MODEL_DIR;
		try {
			await withFakePipelines(async (pipelines) => {
				process.env.RTMP_ASR_MODEL_DIR = fromVariable;
				await (await run({})).close();
				delete process.env.RTMP_ASR_MODEL_DIR;
				process.env.N8N_USER_FOLDER = userFolder;
				await (await run({})).close();
				assert.deepEqual(
					pipelines.map((pipeline) => pipeline.options.models),
					[defaultSelection(fromVariable), defaultSelection(inUserFolder)],
				);
			});
		} finally {
			process.env.RTMP_ASR_MODEL_DIR = previousDir;
			delete process.env.N8N_USER_FOLDER;
		}
	});

	it("downloads missing models on activation, with throttled progress lines in n8n's log", async () => {
		const cache = newCache();
		const before = fileRequests(DEFAULT_MODELS);
		await throttled(4_000_000, async () => {
			await withFakePipelines(async (pipelines) => {
				const harness = await run({ options: { modelCacheDirectory: cache } });
				assert.deepEqual(pipelines[0].options.models, defaultSelection(cache));
				assert.equal(pipelines[0].started, true);
				await harness.close();
				const lines = infoLines(harness);
				const asrDir = directoryIn(cache, 'paraformer-zh-int8');
				assert.ok(
					lines.includes(
						`Model paraformer-zh-int8 is not in the model cache: installing it (about 238.1 MB) into "${asrDir}".`,
					),
					lines.join('\n'),
				);
				assert.ok(
					lines.some((line) =>
						line.startsWith(
							'paraformer-zh-int8: model_quant.onnx [1/4] from modelscope (http://127.0.0.1:',
						),
					),
					'the start of each file',
				);
				const percentages = lines.filter((line) =>
					/^paraformer-zh-int8: model_quant\.onnx: \d+%, /.test(line),
				);
				assert.ok(
					percentages.length >= 2 && percentages.length <= 10,
					`a line per 10 %, not per chunk: ${JSON.stringify(percentages)}`,
				);
				assert.ok(
					lines.some((line) =>
						/^paraformer-zh-int8: model_quant\.onnx done \(2\.22 MB from modelscope\)$/.test(line),
					),
					lines.join('\n'),
				);
				for (const name of DEFAULT_MODELS)
					assert.ok(
						lines.some((line) =>
							line.startsWith(`Model ${name} is installed in "${directoryIn(cache, name)}"`),
						),
						`${name} installed`,
					);
			});
		});
		assert.deepEqual(
			fileRequests(DEFAULT_MODELS).map((count, index) => count - before[index]),
			fileRequests(DEFAULT_MODELS).map(() => 1),
			'each file is fetched once',
		);
		for (const name of DEFAULT_MODELS)
			for (const file of model(name).files)
				assert.ok(existsSync(join(directoryIn(cache, name), file.name)), `${name}/${file.name}`);
	});

	it('downloads once when two workflows activate at the same time', async () => {
		const cache = newCache();
		const before = fileRequests(DEFAULT_MODELS);
		await throttled(4_000_000, async () => {
			await withFakePipelines(async (pipelines) => {
				const harnesses = await Promise.all([
					run({ options: { modelCacheDirectory: cache } }),
					run({ options: { modelCacheDirectory: cache } }),
				]);
				assert.deepEqual(
					pipelines.map((pipeline) => pipeline.options.models),
					[defaultSelection(cache), defaultSelection(cache)],
				);
				assert.ok(
					harnesses.some((harness) =>
						infoLines(harness).some((line) =>
							/waiting for another download of it to finish/.test(line),
						),
					),
					'one waits for the other',
				);
				for (const harness of harnesses) await harness.close();
			});
		});
		assert.deepEqual(
			fileRequests(DEFAULT_MODELS).map((count, index) => count - before[index]),
			fileRequests(DEFAULT_MODELS).map(() => 1),
		);
	});

	it('with downloads off, a missing model fails activation naming the directory and the command that fills it', async () => {
		const cache = newCache();
		const requests = server.requests.length;
		await withFakePipelines(async (pipelines) => {
			await assert.rejects(
				run({ options: { modelCacheDirectory: cache, downloadModels: false } }),
				(error: unknown) => {
					assert.ok(error instanceof NodeOperationError);
					assert.match(
						error.message,
						/^Model "paraformer-zh-int8" \(FunASR speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-onnx\) is not installed in "(.+)": model_quant\.onnx, config\.yaml, am\.mvn and tokens\.json are missing\. Run /,
					);
					assert.ok(error.message.includes(`"${directoryIn(cache, 'paraformer-zh-int8')}"`));
					const fix = String(error.description);
					assert.ok(
						error.message.endsWith(fix),
						'the activation error carries the fix: n8n 2.x shows only the message',
					);
					assert.ok(
						fix.includes(`Run \`rtmp-asr models pull paraformer-zh-int8 --dir ${cache}\``),
						fix,
					);
					assert.ok(fix.includes(`\`rtmp-asr\` is \`node ${CLI_PATH}\``), fix);
					assert.match(fix, /Options → Download Missing Models/);
					return true;
				},
			);
			assert.equal(pipelines.length, 0, 'no pipeline without models');
		});
		assert.equal(server.requests.length, requests, 'nothing is downloaded');
		assert.ok(existsSync(CLI_PATH), `the command the message names exists: ${CLI_PATH}`);
	});

	it("offline, activation fails with the downloader's advice", async () => {
		const cache = newCache();
		setDownloadSites(await refusedUrl());
		try {
			await withFakePipelines(async (pipelines) => {
				await assert.rejects(
					run({
						vadModel: 'fsmn-vad',
						model: 'local',
						modelDirectory: '/models/toy',
						punctuationModel: 'off',
						options: { modelCacheDirectory: cache },
					}),
					(error: unknown) => {
						assert.ok(error instanceof NodeOperationError);
						assert.match(
							error.message,
							/^Could not download model\.onnx of model "fsmn-vad" .* into ".*": modelscope: connection refused; huggingface: connection refused\. Check the network/,
						);
						assert.match(
							String(error.description),
							/set RTMP_ASR_MODEL_MIRROR to a mirror holding speech_fsmn_vad_zh-cn-16k-common-onnx\/model\.onnx/,
						);
						assert.ok(String(error.description).includes(`\`rtmp-asr\` is \`node ${CLI_PATH}\``));
						return true;
					},
				);
				assert.equal(pipelines.length, 0);
			});
		} finally {
			setDownloadSites(server.url);
		}
	});

	it('takes a model from the mirror of RTMP_ASR_MODEL_MIRROR first', async () => {
		const cache = newCache();
		const vad = model('fsmn-vad');
		const mirrored = `/mirror/${vad.id}/model.onnx`;
		for (const file of vad.files)
			server.serve(
				`/mirror/${vad.id}/${file.name}`,
				readFileSync(join(installStandIn(join(work, 'mirror-source'), 'fsmn-vad'), file.name)),
			);
		process.env.RTMP_ASR_MODEL_MIRROR = `${server.url}/mirror`;
		try {
			await withFakePipelines(async (pipelines) => {
				const harness = await run({
					model: 'local',
					modelDirectory: '/models/toy',
					punctuationModel: 'off',
					options: { modelCacheDirectory: cache },
				});
				assert.equal(pipelines[0].options.models.vadDir, directoryIn(cache, 'fsmn-vad'));
				assert.equal(server.count(mirrored), 1);
				assert.ok(
					infoLines(harness).some((line) =>
						line.startsWith('fsmn-vad: model.onnx [1/3] from mirror ('),
					),
				);
				await harness.close();
			});
		} finally {
			delete process.env.RTMP_ASR_MODEL_MIRROR;
		}
	});

	it("passes on the downloader's reason when the model cache cannot be written", async () => {
		const blocker = join(work, 'a-file');
		writeFileSync(blocker, 'not a directory');
		await withFakePipelines(async () => {
			await assert.rejects(
				run({
					model: 'local',
					modelDirectory: '/models/toy',
					punctuationModel: 'off',
					options: { modelCacheDirectory: join(blocker, 'models') },
				}),
				(error: unknown) =>
					error instanceof NodeOperationError &&
					/^Cannot write to the model cache: ".*a-file\/models\/speech_fsmn_vad_zh-cn-16k-common-onnx" \(ENOTDIR/.test(
						error.message,
					),
			);
		});
	});

	it('leaves a local directory alone: no cache, no download', async () => {
		const requests = server.requests.length;
		await withFakePipelines(async (pipelines) => {
			const harness = await run({
				model: 'local',
				modelDirectory: '/models/toy',
				quantized: true,
				vadModel: 'local',
				vadModelDirectory: '/models/vad',
				punctuationModel: 'local',
				punctuationModelDirectory: '/models/punc',
			});
			assert.deepEqual(pipelines[0].options.models, {
				asrDir: '/models/toy',
				vadDir: '/models/vad',
				puncDir: '/models/punc',
				quantized: true,
				puncQuantized: true,
				threads: 1,
				recognizers: 1,
			});
			await harness.close();
		});
		assert.equal(server.requests.length, requests);
	});
});

describe("the trigger's catalog models in manual mode", { concurrency: false }, () => {
	it('downloads missing models when the test run starts, logs the progress, then listens', async () => {
		const cache = newCache();
		await withFakePipelines(async (pipelines) => {
			const harness = await run({ options: { modelCacheDirectory: cache } }, 'manual');
			assert.ok(
				!existsSync(directoryIn(cache, 'paraformer-zh-int8')),
				'nothing is downloaded before the manual trigger',
			);
			const listening = harness.response.manualTriggerFunction!();
			await eventually(() => pipelines[0]?.started === true, 10_000);
			assert.deepEqual(pipelines[0].options.models, defaultSelection(cache));
			pipelines[0].say('会议开始', 0);
			await listening;
			assert.equal(harness.emissions.length, 1);
			assert.ok(
				infoLines(harness).some((line) =>
					line.startsWith('Model paraformer-zh-int8 is not in the model cache: installing it'),
				),
			);
			await harness.close();
		});
	});

	it('with downloads off, fails the test run naming the command', async () => {
		const cache = newCache();
		await withFakePipelines(async (pipelines) => {
			const harness = await run(
				{ options: { modelCacheDirectory: cache, downloadModels: false } },
				'manual',
			);
			await assert.rejects(
				harness.response.manualTriggerFunction!(),
				(error: unknown) =>
					error instanceof NodeOperationError &&
					/is not installed in/.test(error.message) &&
					/rtmp-asr models pull paraformer-zh-int8/.test(String(error.description)),
			);
			assert.equal(pipelines.length, 0);
			await harness.close();
		});
	});

	it("stops a download in progress when n8n closes the trigger, and releases the model's lock", async () => {
		const cache = newCache();
		await throttled(200_000, async () => {
			await withFakePipelines(async (pipelines) => {
				const harness = await run({ options: { modelCacheDirectory: cache } }, 'manual');
				const listening = harness.response.manualTriggerFunction!();
				await eventually(
					() =>
						infoLines(harness).some((line) =>
							line.startsWith('paraformer-zh-int8: model_quant.onnx [1/4]'),
						),
					5000,
				);
				const stopping = performance.now();
				await harness.close();
				await assert.rejects(
					listening,
					(error: unknown) =>
						error instanceof NodeOperationError &&
						/stopped before a sentence was heard/.test(error.message),
				);
				assert.ok(performance.now() - stopping < 2000, 'the download does not run to its end');
				assert.equal(pipelines.length, 0);
				assert.ok(
					!existsSync(join(cache, `${model('paraformer-zh-int8').id}.lock`)),
					'the lock is released',
				);
			});
		});
	});
});

/** The stand-in server sends this many bytes per second while `work` runs, then full speed again. */
async function throttled(bytesPerSecond: number, work: () => Promise<void>): Promise<void> {
	server.bytesPerSecond = bytesPerSecond;
	try {
		await work();
	} finally {
		server.bytesPerSecond = 0;
	}
}

async function eventually(condition: () => boolean, timeoutMs: number): Promise<void> {
	const deadline = performance.now() + timeoutMs;
	while (!condition()) {
		assert.ok(performance.now() < deadline, `condition not met within ${timeoutMs} ms`);
		await sleep(20);
	}
}
