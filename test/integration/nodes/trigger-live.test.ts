import assert from 'node:assert/strict';
import { readFileSync, realpathSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { IDataObject, IRun } from 'n8n-workflow';
import { RtmpAsrTrigger } from '../../../nodes/RtmpAsr/RtmpAsrTrigger.node.js';
import { sharedPath } from '../../helpers/paths.js';
import { ffmpegReadersOf, waitFor } from '../../helpers/pipeline-recorder.js';
import { startPublisher } from '../../helpers/publisher.js';
import { startRtmpServer, type RtmpServer } from '../../helpers/rtmp-server.js';
import { characterErrorRate } from '../../helpers/text.js';
import { testTriggerNode } from '../../helpers/trigger-harness.js';

const SENTENCES = JSON.parse(readFileSync(sharedPath('audio', 'toy', 'transcripts.json'), 'utf8'))[
	'toy_stream.wav'
] as string[];
const MODELS: IDataObject = {
	model: 'local',
	modelDirectory: sharedPath('models', 'toy-paraformer-zh'),
	vadModel: 'local',
	vadModelDirectory: sharedPath('models', 'fsmn-vad'),
	punctuationModel: 'off',
};
const node = new RtmpAsrTrigger();
let server: RtmpServer;

const savedFileAccess = process.env.N8N_RESTRICT_FILE_ACCESS_TO;

before(async () => {
	// As an n8n that lets nodes use the shared models: real paths (n8n compares the file's real path
	// with the directories as written), separated by a semicolon.
	process.env.N8N_RESTRICT_FILE_ACCESS_TO = `${realpathSync(sharedPath('models'))}; ${realpathSync(sharedPath('audio'))}`;
	server = await startRtmpServer();
});

after(async () => {
	if (savedFileAccess === undefined) delete process.env.N8N_RESTRICT_FILE_ACCESS_TO;
	else process.env.N8N_RESTRICT_FILE_ACCESS_TO = savedFileAccess;
	await server?.stop();
});

describe(
	'the trigger node on the real engine and a real RTMP stream',
	{ concurrency: false },
	() => {
		test('activated: one execution per sentence of the toy stream, in order, each after the previous finished; close leaves no ffmpeg', async (t) => {
			const url = server.url('live', 'node-key-5150');
			const harness = await testTriggerNode(node, {
				parameters: { url, ...MODELS, keywords: ['报警', '会议'], statusOutput: true },
			});
			// A workflow that takes 50 ms per sentence: each done promise is resolved a little later.
			const finishing = setInterval(() => {
				for (const emission of harness.emissions)
					if (emission.done && !(emission.done as { settled?: boolean }).settled)
						emission.done.resolve({} as IRun);
			}, 50);
			try {
				const publisher = startPublisher({ url });
				const sentences = () =>
					harness.emissions
						.filter((emission) => emission.data[0].length > 0)
						.map((emission) => emission.data[0][0].json);
				await publisher.exited;
				await waitFor(
					() => sentences().length >= SENTENCES.length,
					20_000,
					`${SENTENCES.length} sentences (have ${JSON.stringify(sentences().map((s) => s.text))})`,
				);
				const items = sentences();
				const texts = items.map((item) => String(item.text));
				const cer = characterErrorRate(SENTENCES, texts);
				t.diagnostic(
					`${items.length} executions, CER ${cer}, latency ms ${items.map((item) => item.latencyMs).join(' ')}`,
				);
				assert.equal(items.length, SENTENCES.length, JSON.stringify(texts));
				assert.ok(cer <= 0.05, `CER ${cer}: ${JSON.stringify(texts)}`);
				items.forEach((item, index) => {
					assert.equal(item.index, index);
					assert.equal(item.stream, `rtmp://127.0.0.1:${server.port}/live/***`);
					assert.equal(item.model, 'toy-paraformer-zh');
					assert.deepEqual(
						item.keywords,
						['报警', '会议'].filter((keyword) => String(item.text).includes(keyword)),
					);
				});
				const statuses = harness.emissions
					.filter((emission) => emission.data[1].length > 0)
					.map((emission) => emission.data[1][0].json.type);
				assert.equal(statuses[0], 'connected', JSON.stringify(statuses));
				assert.ok(
					!JSON.stringify(harness.emissions).includes('node-key-5150'),
					'the stream key is in no item',
				);
				assert.ok(
					!JSON.stringify(harness.logs).includes('node-key-5150'),
					'the stream key is in no log line',
				);
				assert.equal(
					harness.errors.length,
					0,
					harness.errors.map((error) => error.message).join('; '),
				);
			} finally {
				clearInterval(finishing);
				const closing = performance.now();
				await harness.close();
				t.diagnostic(`closeFunction resolved in ${Math.round(performance.now() - closing)} ms`);
			}
			assert.deepEqual(ffmpegReadersOf(url), [], 'no ffmpeg reads the stream after closeFunction');
		});

		test('manual mode: the first sentence with a keyword, then the stream is released', async (t) => {
			const url = server.url('live', 'manual');
			const harness = await testTriggerNode(node, {
				mode: 'manual',
				parameters: {
					url,
					...MODELS,
					keywords: ['会议'],
					onlyMatching: true,
					options: { manualTimeoutSeconds: 30 },
				},
			});
			const publisher = startPublisher({ url });
			try {
				const started = performance.now();
				await harness.response.manualTriggerFunction!();
				t.diagnostic(`first matching sentence after ${Math.round(performance.now() - started)} ms`);
				assert.equal(harness.emissions.length, 1);
				assert.equal(harness.emissions[0].data[0][0].json.text, SENTENCES[1]);
				assert.deepEqual(ffmpegReadersOf(url), []);
			} finally {
				await publisher.stop();
				await harness.close();
			}
		});

		test('manual mode with nobody publishing: a clear timeout', async () => {
			const url = server.url('live', 'silent-room');
			const harness = await testTriggerNode(node, {
				mode: 'manual',
				parameters: { url, ...MODELS, options: { manualTimeoutSeconds: 3 } },
			});
			try {
				await assert.rejects(
					harness.response.manualTriggerFunction!(),
					/No sentence was heard on rtmp:\/\/127\.0\.0\.1:\d+\/live\/\*\*\* within 3 s\./,
				);
				await waitFor(() => ffmpegReadersOf(url).length === 0, 3000, 'no ffmpeg left');
			} finally {
				await harness.close();
			}
		});
	},
);
