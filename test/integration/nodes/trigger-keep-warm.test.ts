import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { RtmpAsrTrigger } from '../../../nodes/RtmpAsr/RtmpAsrTrigger.node.js';
import { fixturePath, sharedPath } from '../../helpers/paths.js';
import { testTriggerNode } from '../../helpers/trigger-harness.js';

const node = new RtmpAsrTrigger();
const saved = {
	fileAccess: process.env.N8N_RESTRICT_FILE_ACCESS_TO,
	keepWarm: process.env.RTMP_ASR_KEEP_WARM_SECONDS,
};

before(() => {
	process.env.N8N_RESTRICT_FILE_ACCESS_TO = `${realpathSync(fixturePath('models'))}; ${realpathSync(sharedPath('models'))}`;
	delete process.env.RTMP_ASR_KEEP_WARM_SECONDS;
});

after(() => {
	for (const [name, value] of [
		['N8N_RESTRICT_FILE_ACCESS_TO', saved.fileAccess],
		['RTMP_ASR_KEEP_WARM_SECONDS', saved.keepWarm],
	] as const) {
		if (value === undefined) delete process.env[name];
		else process.env[name] = value;
	}
});

/** One activation with these hotwords, closed again (as n8n does on a save); its log lines. */
async function activate(hotwords: string[]): Promise<string[]> {
	const harness = await testTriggerNode(node, {
		parameters: {
			// Nothing listens there: the models load, the connection is retried until the close.
			url: 'rtmp://127.0.0.1:9/live/keep-warm',
			model: 'local',
			modelDirectory: fixturePath('models', 'tiny-contextual-paraformer'),
			vadModel: 'local',
			vadModelDirectory: sharedPath('models', 'fsmn-vad'),
			punctuationModel: 'off',
			hotwords,
		},
	});
	await harness.close();
	assert.deepEqual(harness.errors, []);
	return harness.logs.map((line) => line.message);
}

test('re-activated with other hotwords (n8n closes and starts the trigger on a save): the model is not reloaded, only the new list embedded', async () => {
	const modelsReady = (logs: string[]) => logs.find((line) => line.includes('models ready'));
	const first = modelsReady(await activate(['魔搭']));
	assert.match(first ?? '', /loaded: .*recognizer/, String(first));
	const second = modelsReady(await activate(['达摩院']));
	assert.match(second ?? '', /loaded: hotwords\)/, String(second));
	const third = modelsReady(await activate(['魔搭']));
	assert.match(third ?? '', /all models were loaded already/, String(third));
});

test('a keep-warm time that is not a number of seconds fails the activation and names the variable', async () => {
	process.env.RTMP_ASR_KEEP_WARM_SECONDS = 'soon';
	try {
		await assert.rejects(activate([]), /RTMP_ASR_KEEP_WARM_SECONDS="soon" is not a number/);
	} finally {
		delete process.env.RTMP_ASR_KEEP_WARM_SECONDS;
	}
});
