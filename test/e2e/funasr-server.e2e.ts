import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FunasrTestServer, releaseTestServerModels } from '../helpers/funasr-test-server.js';
import { waitFor } from '../helpers/pipeline-recorder.js';
import { startPublisher } from '../helpers/publisher.js';
import { startRtmpServer, type RtmpServer } from '../helpers/rtmp-server.js';
import { characterErrorRate } from '../helpers/text.js';
import {
	installCommunityPackage,
	installN8n,
	N8nClient,
	n8nCommand,
	packRepository,
	startN8n,
	type N8nOptions,
	type RunningN8n,
} from './n8n-instance.js';
import { appendJsonLines, chain, rtmpAsrTrigger } from './workflows.js';
import { cutToyClip, TOY_CLIP_SENTENCES } from '../helpers/toy-clip.js';
import { jsonLines } from './recorded.js';

/**
 * Recognition on a FunASR server in a real n8n 2.40.7: the ASR Server credential imported
 * encrypted, a workflow whose trigger sends the stream to the protocol-faithful test server, its
 * Sentence, Status and Partial Captions outputs appended to files.
 */

const WORKFLOW_ID = 'RtmpAsrE2eFunasr1';
const SERVER_TOKEN = 'e2e-server-token-8086';
const work = mkdtempSync(join(tmpdir(), 'rtmp-asr-e2e-funasr-'));
const files = join(work, 'files');
const CLIP = cutToyClip(work);
const paths = {
	sentences: join(files, 'sentences.jsonl'),
	status: join(files, 'status.jsonl'),
	partials: join(files, 'partials.jsonl'),
};
let options: N8nOptions;
let rtmp: RtmpServer;
let asr: FunasrTestServer;
let n8n: RunningN8n | undefined;
let client: N8nClient;

before(async () => {
	options = { n8nDir: await installN8n(), userFolder: join(work, 'home'), fileAccess: files };
	mkdirSync(files, { recursive: true });
	await installCommunityPackage(options.userFolder, await packRepository(work));
	rtmp = await startRtmpServer();
	asr = await FunasrTestServer.start();
	const credential = {
		id: 'AsrServerE2e0001',
		name: 'E2E FunASR server',
		type: 'asrServerApi',
		data: {
			urls: `${asr.url}/?token=${SERVER_TOKEN}`,
			mode: '2pass',
			ca: '',
			allowSelfSigned: false,
		},
	};
	const credentialFile = join(work, 'credentials.json');
	writeFileSync(credentialFile, JSON.stringify([credential]));
	await n8nCommand(options, ['import:credentials', `--input=${credentialFile}`]);
	const trigger = rtmpAsrTrigger(
		{
			url: rtmp.url('live', 'funasr-e2e'),
			recognition: 'server',
			statusOutput: true,
			partialCaptions: true,
		},
		{ asrServerApi: { id: credential.id, name: credential.name } },
	);
	const outputs = [
		appendJsonLines('sentence', paths.sentences, 260, -150),
		appendJsonLines('status', paths.status, 260, 50),
		appendJsonLines('partial', paths.partials, 260, 250),
	];
	const connections = Object.assign({}, ...outputs.map(chain)) as Record<string, unknown>;
	connections[trigger.name] = {
		main: outputs.map((nodes) => [{ node: nodes[0].name, type: 'main', index: 0 }]),
	};
	const workflowFile = join(work, 'workflow.json');
	writeFileSync(
		workflowFile,
		JSON.stringify({
			id: WORKFLOW_ID,
			name: 'E2E: FunASR server',
			active: false,
			nodes: [trigger, ...outputs.flat()],
			connections,
			settings: { executionOrder: 'v1' },
			pinData: {},
		}),
	);
	await n8nCommand(options, ['import:workflow', `--input=${workflowFile}`]);
	n8n = await startN8n(options);
	client = new N8nClient(n8n.baseUrl);
	await client.setUpOwner();
});

after(async () => {
	await n8n?.stop();
	await asr?.close();
	await rtmp?.stop();
	await releaseTestServerModels();
	rmSync(work, { recursive: true, force: true });
});

test('n8n knows the ASR Server credential; activated, each server sentence is one execution, partials and statuses on their outputs', async (t) => {
	const credentials = await client.types('credentials');
	assert.ok(credentials.some((credential) => credential.name === 'asrServerApi'));
	await client.activate(WORKFLOW_ID);
	const publisher = startPublisher({ url: rtmp.url('live', 'funasr-e2e'), file: CLIP });
	await publisher.exited;
	await waitFor(
		() => jsonLines(paths.sentences).length >= 3,
		30_000,
		`3 sentences (have ${jsonLines(paths.sentences).length})`,
	);
	const sentences = jsonLines(paths.sentences);
	const texts = sentences.map((record) => String(record.textRaw));
	t.diagnostic(
		`${sentences.length} sentences: ${texts.join(' | ')}; ${jsonLines(paths.partials).length} partials`,
	);
	assert.ok(characterErrorRate(TOY_CLIP_SENTENCES, texts) < 0.1, texts.join(' | '));
	sentences.forEach((record, index) => {
		assert.equal(record.index, index);
		assert.equal(record.model, 'funasr-server-2pass');
	});
	assert.ok(jsonLines(paths.partials).length > 0, 'partial captions');
	assert.ok(jsonLines(paths.status).some((status) => status.type === 'server-connected'));
	assert.equal(asr.firstMessages[0].parsed!.mode, '2pass');
	const everything = readFileSync(paths.status, 'utf8') + n8n!.log();
	assert.ok(!everything.includes(SERVER_TOKEN), 'the server token is in no record and no log line');
	await client.deactivate(WORKFLOW_ID);
});
