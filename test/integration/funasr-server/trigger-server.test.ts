import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { IDataObject, IRun } from 'n8n-workflow';
import { RtmpAsrTrigger } from '../../../nodes/RtmpAsr/RtmpAsrTrigger.node.js';
import { FunasrTestServer, releaseTestServerModels } from '../../helpers/funasr-test-server.js';
import { waitFor } from '../../helpers/pipeline-recorder.js';
import { startPublisher } from '../../helpers/publisher.js';
import { startRtmpServer, type RtmpServer } from '../../helpers/rtmp-server.js';
import { characterErrorRate } from '../../helpers/text.js';
import { testTriggerNode } from '../../helpers/trigger-harness.js';
import { cutToyClip, TOY_CLIP_SENTENCES } from '../../helpers/toy-clip.js';

const work = mkdtempSync(join(tmpdir(), 'trigger-server-'));
const CLIP = cutToyClip(work);
const node = new RtmpAsrTrigger();
let rtmp: RtmpServer;
let asr: FunasrTestServer;

before(async () => {
	rtmp = await startRtmpServer();
	asr = await FunasrTestServer.start();
});

after(async () => {
	await asr?.close();
	await rtmp?.stop();
	await releaseTestServerModels();
	rmSync(work, { recursive: true, force: true });
});

describe('the trigger node on FunASR servers', { concurrency: false }, () => {
	test('activated: one execution per 2pass-offline sentence; partial captions carry the index of their final; no secret shows', async () => {
		const url = rtmp.url('live', 'server-key-4242');
		const dead = 'ws://asr-user:pw-9981@127.0.0.1:9/?token=tok-7731';
		const harness = await testTriggerNode(node, {
			parameters: {
				url,
				recognition: 'server',
				keywords: ['会议'],
				statusOutput: true,
				partialCaptions: true,
				options: { partialIntervalSeconds: 0.5 },
			},
			credentials: {
				asrServerApi: {
					urls: `${dead}, ${asr.url}`,
					mode: '2pass',
					ca: '',
					allowSelfSigned: false,
				},
			},
		});
		const finishing = setInterval(() => {
			for (const emission of harness.emissions)
				if (emission.done && !(emission.done as { settled?: boolean }).settled)
					emission.done.resolve({} as IRun);
		}, 50);
		try {
			const output = (index: number): IDataObject[] =>
				harness.emissions
					.filter((emission) => emission.data[index]?.length > 0)
					.map((emission) => emission.data[index][0].json);
			const publisher = startPublisher({ url, file: CLIP });
			await publisher.exited;
			await waitFor(
				() => output(0).length >= 3,
				20_000,
				`3 sentences (have ${JSON.stringify(output(0).map((item) => item.text))})`,
			);
			const sentences = output(0);
			assert.ok(
				characterErrorRate(
					TOY_CLIP_SENTENCES,
					sentences.map((item) => String(item.textRaw)),
				) < 0.1,
			);
			sentences.forEach((item, index) => {
				assert.equal(item.index, index);
				assert.equal(item.model, 'funasr-server-2pass');
				assert.equal(item.stream, `rtmp://127.0.0.1:${rtmp.port}/live/***`);
			});
			assert.deepEqual(sentences[1].keywords, ['会议']);
			const partials = output(2);
			assert.ok(partials.length > 0, 'partial captions');
			// A partial is the online pass's guess, which the final may correct (as FunASR's 2pass
			// does): each names a final that came, and most are the start of theirs.
			let prefixes = 0;
			for (const partial of partials) {
				const final = sentences.find((item) => item.index === partial.index);
				assert.ok(final, `no final for ${JSON.stringify(partial)}`);
				if (String(final.textRaw).startsWith(String(partial.text))) prefixes++;
				assert.equal(partial.partial, true);
			}
			assert.ok(
				prefixes * 2 >= partials.length,
				`${prefixes} of ${partials.length} partials start their final`,
			);
			// At most one partial per stream per 0.5 s.
			const times = partials.map((item) => Date.parse(String(item.at)));
			for (let i = 1; i < times.length; i++)
				assert.ok(times[i] - times[i - 1] >= 480, `${times[i] - times[i - 1]} ms apart`);
			const statuses = output(1);
			assert.ok(
				statuses.some(
					(item) => item.type === 'warning' && /could not be reached/.test(String(item.message)),
				),
			);
			assert.ok(statuses.some((item) => item.type === 'server-connected'));
			const everything = JSON.stringify([
				harness.emissions.map((emission) => emission.data),
				harness.logs,
			]);
			assert.doesNotMatch(everything, /pw-9981|tok-7731|server-key-4242/);
			assert.match(everything, /asr-user|\*\*\*@127\.0\.0\.1:9/);
		} finally {
			clearInterval(finishing);
			await harness.close();
		}
	});

	test('a server URL that is not ws/wss stops the activation, naming the fix, without its secret', async () => {
		await assert.rejects(
			testTriggerNode(node, {
				parameters: { url: rtmp.url('live', 'bad-url'), recognition: 'server' },
				credentials: { asrServerApi: { urls: 'https://u:secret-55@asr:10095' } },
			}),
			(error: Error) =>
				error.name === 'NodeOperationError' &&
				/uses https, not ws or wss/.test(error.message) &&
				/ws:\/\/asr-host:10095/.test(error.message) &&
				!error.message.includes('secret-55'),
		);
	});

	test('the ASR Server credential is tested by connecting; a refusal names the server without its secret', async () => {
		const method = node.methods.credentialTest.asrServerApiTest;
		const ok = await method.call({} as never, {
			id: '1',
			name: 'c',
			type: 'asrServerApi',
			data: { urls: asr.url },
		});
		assert.equal(ok.status, 'OK');
		const refused = await method.call({} as never, {
			id: '1',
			name: 'c',
			type: 'asrServerApi',
			data: { urls: 'wss://u:secret-77@127.0.0.1:9' },
		});
		assert.equal(refused.status, 'Error');
		assert.match(refused.message, /could not be reached/);
		assert.doesNotMatch(refused.message, /secret-77/);
	});
});
