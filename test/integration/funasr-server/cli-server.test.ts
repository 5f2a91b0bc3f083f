import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { FunasrTestServer, releaseTestServerModels } from '../../helpers/funasr-test-server.js';
import { characterErrorRate } from '../../helpers/text.js';
import { cutToyClip, TOY_CLIP_SENTENCES } from '../../helpers/toy-clip.js';

const work = mkdtempSync(join(tmpdir(), 'cli-server-'));
const CLIP = cutToyClip(work);
let asr: FunasrTestServer;

before(async () => {
	asr = await FunasrTestServer.start({ timestamps: true });
});

after(async () => {
	await asr?.close();
	await releaseTestServerModels();
	rmSync(work, { recursive: true, force: true });
});

test("transcribe --server: each sentence from the FunASR server, with its words' times; exits 0", async () => {
	const result = await runCli(
		['transcribe', CLIP, '--server', asr.url, '--json', '--hotwords', '会议'],
		60_000,
	);
	assert.equal(result.code, 0, result.stderr);
	const sentences = result.stdout
		.trim()
		.split('\n')
		.map((line) => JSON.parse(line) as { index: number; textRaw: string; tokens?: unknown[] });
	assert.deepEqual(
		sentences.map((sentence) => sentence.index),
		[0, 1, 2],
	);
	assert.ok(
		characterErrorRate(
			TOY_CLIP_SENTENCES,
			sentences.map((sentence) => sentence.textRaw),
		) < 0.1,
	);
	assert.ok(sentences.every((sentence) => sentence.tokens && sentence.tokens.length > 0));
	assert.equal(asr.firstMessages.at(-1)!.parsed!.hotwords, '会议');
});

test('transcribe --server with a bad URL says what is wrong, without its secret, and exits 1', async () => {
	const result = await runCli(
		['transcribe', CLIP, '--server', 'http://user:hunter2-pw@host:10095'],
		30_000,
	);
	assert.equal(result.code, 1);
	assert.match(result.stderr, /uses http, not ws or wss/);
	assert.doesNotMatch(result.stderr, /hunter2-pw/);
});
