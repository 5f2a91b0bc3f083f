import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { IDataObject, INodePropertyOptions, IRun } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { EngineError } from '../../../engine/errors.js';
import { defaultCatalog } from '../../../models/index.js';
import { RtmpAsrTrigger } from '../../../nodes/RtmpAsr/RtmpAsrTrigger.node.js';
import { RtmpStreamApi } from '../../../credentials/RtmpStreamApi.credentials.js';
import { CREDENTIAL_NAME } from '../../../nodes/RtmpAsr/credentials/stream-credentials.js';
import {
	fakeSentence,
	testTriggerNode,
	withFakePipelines,
	type TriggerHarness,
} from '../../helpers/trigger-harness.js';

// An n8n without a file-access restriction (n8n 2.x restricts to ~/.n8n-files unless told otherwise):
// these tests use made-up model directories; file-access.test.ts tests the restriction.
process.env.N8N_RESTRICT_FILE_ACCESS_TO = '';

const node = new RtmpAsrTrigger();
const URL_WITH_KEY = 'rtmp://127.0.0.1:1935/live/sk-secret-1234';
/** Local model directories: nothing is looked up in the model cache (see trigger-models.test.ts for that). */
const BASE: IDataObject = {
	url: URL_WITH_KEY,
	model: 'local',
	modelDirectory: '/models/toy-paraformer-zh',
	vadModel: 'local',
	vadModelDirectory: '/models/fsmn-vad',
	punctuationModel: 'off',
};

const run = (
	parameters: IDataObject = {},
	mode: 'trigger' | 'manual' = 'trigger',
	credentials?: Record<string, IDataObject>,
) =>
	testTriggerNode(node, {
		mode,
		parameters: { ...BASE, ...parameters },
		...(credentials ? { credentials: credentials as never } : {}),
	});

const jsonOf = (harness: TriggerHarness, output = 0) =>
	harness.emissions.map((emission) => emission.data[output]?.[0]?.json);
const finish = (harness: TriggerHarness, index: number) =>
	harness.emissions[index].done!.resolve({} as IRun);

describe('RtmpAsrTrigger description', () => {
	it('is a trigger with the Sentence output, Status and Partial Captions outputs on request, and its credentials', () => {
		const description = node.description;
		assert.equal(description.name, 'rtmpAsrTrigger');
		assert.equal(description.displayName, 'RTMP Speech Recognition Trigger');
		assert.deepEqual(description.group, ['trigger']);
		assert.deepEqual(description.inputs, []);
		const outputs = (parameters: object) =>
			(
				new Function('$parameter', `return ${String(description.outputs).slice(3, -2)}`)(
					parameters,
				) as { displayName: string }[]
			).map((output) => output.displayName);
		assert.deepEqual(outputs({ statusOutput: false }), ['Sentence']);
		assert.deepEqual(outputs({ statusOutput: true }), ['Sentence', 'Status']);
		assert.deepEqual(
			outputs({ statusOutput: false, recognition: 'local', partialCaptions: true }),
			['Sentence'],
		);
		assert.deepEqual(
			outputs({ statusOutput: false, recognition: 'server', partialCaptions: true }),
			['Sentence', 'Partial Captions'],
		);
		assert.deepEqual(
			outputs({ statusOutput: true, recognition: 'server', partialCaptions: true }),
			['Sentence', 'Status', 'Partial Captions'],
		);
		assert.deepEqual(description.credentials?.[1], {
			name: 'asrServerApi',
			required: true,
			testedBy: 'asrServerApiTest',
			displayOptions: { show: { recognition: ['server'] } },
		});
		assert.equal(CREDENTIAL_NAME, 'rtmpStreamApi');
		assert.deepEqual(description.credentials?.[0], {
			name: 'rtmpStreamApi',
			required: true,
			testedBy: 'rtmpStreamApiTest',
			displayOptions: { show: { source: ['credential'] } },
		});
		assert.equal(typeof node.methods.credentialTest.rtmpStreamApiTest, 'function');
		assert.equal(new RtmpStreamApi().name, 'rtmpStreamApi');
	});

	it("offers the catalog's models of each kind, or a local directory that only then is asked for", () => {
		const property = (name: string) =>
			node.description.properties.find((candidate) => candidate.name === name)!;
		const values = (name: string) =>
			((property(name).options ?? []) as INodePropertyOptions[]).map((option) => option.value);
		const catalog = (kind: string) =>
			defaultCatalog()
				.models.filter((model) => model.kind === kind)
				.map((model) => model.name);
		assert.deepEqual(values('model'), [...catalog('asr'), 'local']);
		assert.deepEqual(values('vadModel'), [...catalog('vad'), 'local']);
		assert.deepEqual(values('punctuationModel'), ['off', ...catalog('punc'), 'local']);
		assert.deepEqual(
			[
				property('model').default,
				property('vadModel').default,
				property('punctuationModel').default,
			],
			['paraformer-zh-int8', 'fsmn-vad', 'ct-punc-realtime'],
		);
		const int8 = (property('model').options as INodePropertyOptions[]).find(
			(option) => option.value === 'paraformer-zh-int8',
		)!;
		assert.match(
			String(int8.description),
			/int8.*about 238\.\d MB/,
			'the choice says how much it downloads',
		);
		for (const [directory, choice] of [
			['modelDirectory', 'model'],
			['quantized', 'model'],
			['vadModelDirectory', 'vadModel'],
			['punctuationModelDirectory', 'punctuationModel'],
		] as const) {
			assert.deepEqual(
				property(directory).displayOptions,
				{ show: { [choice]: ['local'] } },
				`${directory} shows only for a local ${choice}`,
			);
		}
	});
});

describe('RtmpAsrTrigger activation', () => {
	it('passes the parameters to the pipeline and waits for its models', async () => {
		await withFakePipelines(async (pipelines) => {
			const harness = await run({
				options: {
					endSilenceMs: 600,
					queueSeconds: 30,
					overflow: 'drop-newest',
					reconnectMaxDelaySeconds: 10,
					ffmpegPath: '/usr/bin/ffmpeg',
					threads: 2,
				},
			});
			assert.equal(pipelines.length, 1);
			const [pipeline] = pipelines;
			assert.equal(pipeline!.started, true);
			const { ready, ...options } = pipeline!.options;
			assert.equal(
				typeof ready,
				'function',
				'the pipeline waits for the executions (see the "in order" tests)',
			);
			assert.deepEqual(options, {
				url: URL_WITH_KEY,
				secrets: ['sk-secret-1234'],
				models: {
					asrDir: '/models/toy-paraformer-zh',
					vadDir: '/models/fsmn-vad',
					quantized: false,
					threads: 2,
					recognizers: 1,
				},
				vad: { maxEndSilenceMs: 600, maxSegmentMs: 60_000 },
				queue: { maxSeconds: 30, overflow: 'drop-newest' },
				reconnect: { maxDelayMs: 10_000 },
				earlyRecognition: true,
				// A local directory may hold a SenseVoice model: its ITN default goes along (a Paraformer ignores it).
				itn: true,
				ffmpegPath: '/usr/bin/ffmpeg',
				keepWarmMs: 60_000,
			});
			assert.equal(harness.response.manualTriggerFunction, undefined);
			await harness.close();
		});
	});

	it('hands the Hotwords to the pipeline, and the Keywords as hotwords for a model that takes them', async () => {
		await withFakePipelines(async (pipelines) => {
			const harness = await run({ hotwords: ['魔搭', '达摩院 阿里巴巴'], keywords: ['报警'] });
			assert.deepEqual(pipelines[0].options.hotwords, ['魔搭', '达摩院 阿里巴巴']);
			assert.deepEqual(pipelines[0].options.hotwordsIfSupported, ['报警']);
			await harness.close();
			const without = await run({ keywords: ['报警'], options: { keywordsAsHotwords: false } });
			assert.equal(pipelines[1].options.hotwords, undefined);
			assert.equal(pipelines[1].options.hotwordsIfSupported, undefined);
			await without.close();
		});
	});

	it('fails activation with a NodeOperationError that says what to fix', async () => {
		await withFakePipelines(async (pipelines) => {
			const invalid: [IDataObject, RegExp][] = [
				[{ options: { endSilenceMs: -1 } }, /VAD End Silence/],
				[
					{ keywords: ['(oops'], keywordMatch: 'regex' },
					/\/\(oops\/ is not a valid regular expression/,
				],
				[{ url: 'ftp://host/file' }, /Unsupported input scheme "ftp:"/],
				[{ url: 'rtmp://host/onlyapp' }, /no application and stream key/],
			];
			for (const [parameters, message] of invalid) {
				await assert.rejects(
					run(parameters),
					(error: unknown) =>
						error instanceof NodeOperationError &&
						message.test(error.message) &&
						typeof error.description === 'string' &&
						error.description.length > 0,
					String(message),
				);
			}
			assert.equal(pipelines.length, 0, 'nothing starts with invalid parameters');
		});
	});

	it('turns a model that fails to load into an activation error and closes the pipeline', async () => {
		await withFakePipelines(
			async (pipelines) => {
				await assert.rejects(
					run(),
					(error: unknown) =>
						error instanceof NodeOperationError &&
						error.message ===
							'model.onnx is missing in /models/toy-paraformer-zh. Download the model.' &&
						error.description === 'Download the model.',
				);
				assert.equal(pipelines[0].closed, true);
			},
			(pipeline) =>
				(pipeline.startError = new EngineError(
					'MODEL_MISSING',
					'model.onnx is missing in /models/toy-paraformer-zh.',
					'Download the model.',
				)),
		);
	});
});

describe('RtmpAsrTrigger executions', () => {
	it('emits one item per sentence, with the documented fields and the stream key masked', async () => {
		await withFakePipelines(async (pipelines) => {
			const harness = await run({ keywords: ['火灾', '报警', '会议'] });
			pipelines[0].say('火灾，报警。', 0, '火灾报警');
			assert.equal(harness.emissions.length, 1);
			const emission = harness.emissions[0];
			assert.equal(emission.data.length, 1, 'one output without the Status output');
			assert.equal(emission.data[0].length, 1, 'one item per execution');
			assert.deepEqual(emission.data[0][0].json, {
				text: '火灾，报警。',
				textRaw: '火灾报警',
				index: 0,
				sessionId: 'session-1',
				startMs: 0,
				endMs: 1500,
				startedAt: '2025-01-01T00:00:00.000Z',
				endedAt: '2025-01-01T00:00:01.500Z',
				durationMs: 1500,
				latencyMs: 120,
				keywords: ['火灾', '报警'],
				stream: 'rtmp://127.0.0.1:1935/live/***',
				model: 'toy-paraformer-zh',
			});
			await harness.close();
		});
	});

	it("adds the words' times as tokens when the model gives timestamps", async () => {
		await withFakePipelines(async (pipelines) => {
			const harness = await run();
			const tokens = [
				{ text: '火', startMs: 230, endMs: 410 },
				{ text: '灾', startMs: 410, endMs: 700 },
			];
			pipelines[0]!.emit('sentence', {
				...fakeSentence('火灾。', 0, '火灾'),
				startMs: 230,
				endMs: 700,
				tokens,
			});
			const item = jsonOf(harness)[0]!;
			assert.deepEqual(item.tokens, tokens);
			assert.deepEqual([item.startMs, item.endMs], [230, 700]);
			assert.deepEqual(Object.keys(item).slice(9, 11), ['latencyMs', 'tokens']);
			await harness.close();
		});
	});

	it('emits only sentences with a keyword when asked, and every sentence otherwise', async () => {
		await withFakePipelines(async (pipelines) => {
			const filtered = await run({
				keywords: ['报警'],
				onlyMatching: true,
				options: { parallelProcessing: true },
			});
			const all = await run({ keywords: ['报警'], options: { parallelProcessing: true } });
			for (const pipeline of pipelines) {
				pipeline.say('会议开始', 0);
				pipeline.say('报警报警火灾请注意', 1);
				pipeline.say('今天我们去山里', 2);
			}
			assert.deepEqual(
				jsonOf(filtered).map((item) => item?.text),
				['报警报警火灾请注意'],
			);
			assert.deepEqual(
				jsonOf(all).map((item) => [item?.text, item?.keywords]),
				[
					['会议开始', []],
					['报警报警火灾请注意', ['报警']],
					['今天我们去山里', []],
				],
			);
			await filtered.close();
			await all.close();
		});
	});

	it('matches regular expressions off the main thread: items in sentence order, a runaway expression reported', async () => {
		await withFakePipelines(async (pipelines) => {
			const harness = await run({
				keywords: ['^(\\p{L}+\\s?)+$', '会议'],
				keywordMatch: 'regex',
				statusOutput: true,
				options: { parallelProcessing: true },
			});
			try {
				const pipeline = pipelines[0];
				pipeline.say('今天下午三点我们在会议室讨论明年的工作计划和预算安排以及人员调整。', 0);
				pipeline.say('会议', 1);
				const deadline = Date.now() + 10_000;
				while (harness.emissions.length < 3 && Date.now() < deadline)
					await new Promise((resolve) => setTimeout(resolve, 20));
				const [warning, slow, quick] = harness.emissions.map((emission) => emission.data);
				assert.equal(warning![1][0].json.type, 'warning');
				assert.match(String(warning![1][0].json.message), /took longer than 1 s/);
				assert.deepEqual(
					[slow![0][0].json.text, slow![0][0].json.keywords],
					['今天下午三点我们在会议室讨论明年的工作计划和预算安排以及人员调整。', ['会议']],
				);
				assert.deepEqual(
					[quick![0][0].json.text, quick![0][0].json.keywords],
					['会议', ['^(\\p{L}+\\s?)+$', '会议']],
				);
				assert.ok(
					harness.logs.some(
						(line) => line.level === 'warn' && /backtracks exponentially/.test(line.message),
					),
				);
			} finally {
				await harness.close();
			}
		});
	});

	it('in order: starts the next execution only after the previous one has finished', async () => {
		await withFakePipelines(async (pipelines) => {
			const harness = await run();
			const pipeline = pipelines[0];
			pipeline.say('一', 0);
			pipeline.say('二', 1);
			pipeline.say('三', 2);
			await tick();
			assert.deepEqual(
				jsonOf(harness).map((item) => item?.text),
				['一'],
				'the second waits for the first',
			);
			assert.ok(harness.emissions[0].done, 'a donePromise is passed to emit');
			finish(harness, 0);
			await tick();
			assert.deepEqual(
				jsonOf(harness).map((item) => item?.text),
				['一', '二'],
			);
			harness.emissions[1].done!.reject(new Error('the workflow failed'));
			await tick();
			assert.deepEqual(
				jsonOf(harness).map((item) => item?.text),
				['一', '二', '三'],
				'a failed execution does not stop the next',
			);
			assert.ok(
				harness.logs.some(
					(line) => line.level === 'warn' && /the workflow failed/.test(line.message),
				),
			);
			finish(harness, 2);
			await harness.close();
		});
	});

	it('in order: behind a slow workflow the pipeline is held, so speech waits in its bounded queue', async () => {
		await withFakePipelines(async (pipelines) => {
			const harness = await run();
			const ready = pipelines[0].options.ready!;
			let held = true;
			for (let index = 0; index < 6; index++) pipelines[0].say(`第${index}句`, index);
			const gate = ready().then(() => (held = false));
			await tick();
			assert.equal(held, true, 'five sentences wait behind the first execution: recognition holds');
			finish(harness, 0);
			await tick();
			await gate;
			assert.equal(held, false, 'four wait: recognition goes on');
			await harness.close();
		});
		await withFakePipelines(async (pipelines) => {
			const harness = await run({ options: { parallelProcessing: true } });
			for (let index = 0; index < 6; index++) pipelines[0].say(`第${index}句`, index);
			await pipelines[0].options.ready!();
			await harness.close();
		});
	});

	it('closing releases a pipeline held behind a slow workflow', async () => {
		await withFakePipelines(async (pipelines) => {
			const harness = await run();
			for (let index = 0; index < 6; index++) pipelines[0].say(`第${index}句`, index);
			const gate = pipelines[0].options.ready!();
			await harness.close();
			await gate;
		});
	});

	it('in parallel: starts every execution at once, without a donePromise', async () => {
		await withFakePipelines(async (pipelines) => {
			const harness = await run({ options: { parallelProcessing: true } });
			for (let index = 0; index < 3; index++) pipelines[0].say(`第${index}句`, index);
			assert.deepEqual(
				jsonOf(harness).map((item) => item?.index),
				[0, 1, 2],
			);
			assert.ok(harness.emissions.every((emission) => emission.done === undefined));
			await harness.close();
		});
	});

	it('sends statuses and warnings to the Status output when it is on, and always logs them', async () => {
		await withFakePipelines(async (pipelines) => {
			const withStatus = await run({ statusOutput: true, options: { parallelProcessing: true } });
			const without = await run({ options: { parallelProcessing: true } });
			for (const pipeline of pipelines) {
				pipeline.emit('status', {
					type: 'connected',
					sessionId: 's1',
					stream: 'rtmp://127.0.0.1:1935/live/***',
				});
				pipeline.emit(
					'warning',
					new EngineError(
						'STREAM_FAILED',
						`Connection to ${URL_WITH_KEY} was refused.`,
						'Check the server.',
						{ fatal: false },
					),
				);
				pipeline.say('会议开始', 0);
			}
			assert.equal(without.emissions.length, 1);
			assert.equal(withStatus.emissions.length, 3);
			const [connected, warning, sentence] = withStatus.emissions.map((emission) => emission.data);
			assert.deepEqual(connected![0], []);
			assert.equal(connected![1][0].json.type, 'connected');
			assert.match(String(connected![1][0].json.at), /^\d{4}-\d\d-\d\dT/);
			assert.deepEqual(warning![1][0].json.type, 'warning');
			assert.equal(warning![1][0].json.code, 'STREAM_FAILED');
			assert.equal(
				warning![1][0].json.message,
				'Connection to rtmp://127.0.0.1:1935/live/*** was refused.',
			);
			assert.equal(sentence![0][0].json.text, '会议开始');
			assert.deepEqual(sentence![1], []);
			for (const harness of [withStatus, without]) {
				assert.ok(
					harness.logs.some((line) => line.level === 'info' && /Connected to/.test(line.message)),
				);
				assert.ok(
					harness.logs.some((line) => line.level === 'warn' && /refused/.test(line.message)),
				);
				assert.ok(
					harness.logs.every((line) => !line.message.includes('sk-secret-1234')),
					'no secret in the log',
				);
				await harness.close();
			}
		});
	});

	it('reports a fatal pipeline error through emitError, as a NodeOperationError with the fix', async () => {
		await withFakePipelines(async (pipelines) => {
			const harness = await run();
			pipelines[0].emit(
				'error',
				new EngineError('FFMPEG_MISSING', 'ffmpeg was not found on PATH.', 'Install ffmpeg.'),
			);
			assert.equal(harness.errors.length, 1);
			const error = harness.errors[0];
			assert.ok(error instanceof NodeOperationError);
			assert.equal(
				error.message,
				'ffmpeg was not found on PATH. Install ffmpeg.',
				"n8n 2.x shows only the message of a trigger's failure: it carries the fix",
			);
			assert.equal(error.description, 'Install ffmpeg.');
			await harness.close();
		});
	});

	it('closes the pipeline on deactivation, releases a wait in progress and emits nothing afterwards', async () => {
		await withFakePipelines(async (pipelines) => {
			const harness = await run();
			const pipeline = pipelines[0];
			pipeline.say('一', 0);
			pipeline.say('二', 1);
			await harness.close();
			assert.equal(pipeline.closed, true);
			pipeline.say('三', 2);
			await tick();
			assert.deepEqual(
				jsonOf(harness).map((item) => item?.text),
				['一'],
				'neither the waiting nor a late sentence starts an execution',
			);
		});
	});

	it('joins the stream from the credential and keeps its secrets out of items and logs', async () => {
		await withFakePipelines(async (pipelines) => {
			const credentials = {
				rtmpStreamApi: {
					serverUrl: 'rtmp://127.0.0.1:1935/live',
					streamKey: 'key-from-credential',
					username: '',
					password: '',
				},
			};
			const harness = await run(
				{ source: 'credential', url: '', options: { parallelProcessing: true } },
				'trigger',
				credentials,
			);
			const pipeline = pipelines[0];
			assert.equal(pipeline.options.url, 'rtmp://127.0.0.1:1935/live/key-from-credential');
			assert.ok(pipeline.options.secrets?.includes('key-from-credential'));
			pipeline.emit(
				'warning',
				new EngineError('STREAM_FAILED', 'The server rejected key-from-credential.', '', {
					fatal: false,
				}),
			);
			pipeline.say('会议开始', 0);
			assert.equal(jsonOf(harness)[0]?.stream, 'rtmp://127.0.0.1:1935/live/***');
			assert.ok(!JSON.stringify(harness.emissions).includes('key-from-credential'));
			assert.ok(
				!JSON.stringify(harness.logs).includes('key-from-credential'),
				JSON.stringify(harness.logs),
			);
			await harness.close();
		});
	});
});

describe('RtmpAsrTrigger manual mode', () => {
	it('listens until the first sentence, emits it once and stops', async () => {
		await withFakePipelines(async (pipelines) => {
			const harness = await run(
				{ keywords: ['报警'], onlyMatching: true, statusOutput: true },
				'manual',
			);
			assert.equal(pipelines.length, 0, 'nothing listens before the manual trigger');
			const listening = harness.response.manualTriggerFunction!();
			await until(() => pipelines[0]?.started === true);
			pipelines[0].say('会议开始', 0);
			pipelines[0].say('报警报警火灾请注意', 1);
			pipelines[0].say('火灾报警请注意', 2);
			await listening;
			assert.equal(harness.emissions.length, 1);
			assert.equal(harness.emissions[0].done, undefined);
			assert.equal(harness.emissions[0].data[0][0].json.text, '报警报警火灾请注意');
			assert.deepEqual(harness.emissions[0].data[1], []);
			assert.equal(pipelines[0].closed, true);
			await harness.close();
		});
	});

	it('gives up after the timeout with a message that names the stream and the last problem', async () => {
		await withFakePipelines(async (pipelines) => {
			const harness = await run({ options: { manualTimeoutSeconds: 1 } }, 'manual');
			const started = performance.now();
			const listening = harness.response.manualTriggerFunction!();
			await until(() => pipelines[0]?.started === true);
			pipelines[0].emit(
				'warning',
				new EngineError(
					'STREAM_FAILED',
					'Connection to rtmp://127.0.0.1:1935/live/*** was refused.',
					'Check the host and port.',
					{ fatal: false },
				),
			);
			await assert.rejects(listening, (error: unknown) => {
				assert.ok(error instanceof NodeOperationError);
				assert.match(
					error.message,
					/No sentence was heard on rtmp:\/\/127\.0\.0\.1:1935\/live\/\*\*\* within 1 s\. Last problem: Connection to .* was refused\. Check the host and port\./,
				);
				assert.match(String(error.description), /Manual Mode Timeout/);
				return true;
			});
			const elapsed = performance.now() - started;
			assert.ok(elapsed >= 990 && elapsed < 3000, `gave up after ${elapsed} ms`);
			assert.equal(harness.emissions.length, 0);
			assert.equal(pipelines[0].closed, true);
		});
	});

	it('fails at once on a fatal error and when the model does not load', async () => {
		await withFakePipelines(async (pipelines) => {
			const harness = await run({}, 'manual');
			const listening = harness.response.manualTriggerFunction!();
			await until(() => pipelines[0]?.started === true);
			pipelines[0].emit(
				'error',
				new EngineError(
					'STREAM_FAILED',
					'The server has no stream at rtmp://127.0.0.1:1935/live/***.',
					'Check the stream key.',
				),
			);
			await assert.rejects(listening, /The server has no stream/);
			assert.equal(pipelines[0].closed, true);
		});
		await withFakePipelines(
			async (pipelines) => {
				const harness = await run({}, 'manual');
				await assert.rejects(
					harness.response.manualTriggerFunction!(),
					(error: unknown) =>
						error instanceof NodeOperationError && /config\.yaml is missing/.test(error.message),
				);
				assert.equal(pipelines[0].closed, true);
			},
			(pipeline) =>
				(pipeline.startError = new EngineError(
					'MODEL_MISSING',
					'config.yaml is missing.',
					'Copy it.',
				)),
		);
	});

	it('stops listening when n8n closes the trigger', async () => {
		await withFakePipelines(async (pipelines) => {
			const harness = await run({}, 'manual');
			const listening = harness.response.manualTriggerFunction!();
			await until(() => pipelines[0]?.started === true);
			await harness.close();
			await assert.rejects(listening, /stopped before a sentence was heard/);
			assert.equal(pipelines[0].closed, true);
			assert.equal(harness.emissions.length, 0);
		});
	});
});

async function until(condition: () => boolean): Promise<void> {
	for (let i = 0; i < 1000 && !condition(); i++) await tick();
	assert.ok(condition(), 'condition never held');
}
