import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IDataObject } from 'n8n-workflow';
import { EngineError } from '../../../engine/errors.js';
import { RtmpAsrTrigger } from '../../../nodes/RtmpAsr/RtmpAsrTrigger.node.js';
import { testTriggerNode, withFakePipelines } from '../../helpers/trigger-harness.js';

// An n8n without a file-access restriction: the model directories here are made up
// (file-access.test.ts tests the restriction).
process.env.N8N_RESTRICT_FILE_ACCESS_TO = '';

const SRT_URL =
	'srt://127.0.0.1:9000?streamid=#!::r=live/SECRETKEY,m=request,s=TOKEN123&passphrase=0123456789abc';
const SHOWN = 'srt://127.0.0.1:9000?streamid=#!::r=***,m=request,s=***&passphrase=***';
const BASE: IDataObject = {
	model: 'local',
	modelDirectory: '/models/toy-paraformer-zh',
	vadModel: 'local',
	vadModelDirectory: '/models/fsmn-vad',
	punctuationModel: 'off',
	statusOutput: true,
	options: { parallelProcessing: true },
};

describe('an SRT stream with an access-control stream id', () => {
	for (const [source, parameters, credentials] of [
		['the Stream URL field', { url: SRT_URL }, undefined],
		[
			'the credential',
			{ source: 'credential', url: '' },
			{ rtmpStreamApi: { serverUrl: SRT_URL, streamKey: '', username: '', password: '' } },
		],
	] as const) {
		it(`from ${source}: key, token and passphrase stay out of items, status items and logs`, async () => {
			await withFakePipelines(async (pipelines) => {
				const harness = await testTriggerNode(new RtmpAsrTrigger(), {
					parameters: { ...BASE, ...parameters },
					...(credentials ? { credentials: credentials as never } : {}),
				});
				const pipeline = pipelines[0];
				assert.equal(pipeline.options.url, SRT_URL, 'ffmpeg gets the whole stream id');
				pipeline.emit(
					'warning',
					new EngineError(
						'STREAM_FAILED',
						`[srt @ 0x1] Connection to ${SRT_URL} failed: Input/output error`,
						'',
						{ fatal: false },
					),
				);
				pipeline.say('会议开始', 0);
				const items = harness.emissions.flatMap((emission) =>
					emission.data.flat().map((item) => item.json),
				);
				assert.ok(
					items.some((item) => item.stream === SHOWN),
					JSON.stringify(items),
				);
				const shown = JSON.stringify([harness.emissions, harness.logs]);
				assert.ok(!/SECRETKEY|TOKEN123|0123456789abc/.test(shown), shown);
				await harness.close();
			});
		});
	}
});
