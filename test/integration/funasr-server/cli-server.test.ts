import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { FunasrTestServer, releaseTestServerModels } from '../../helpers/funasr-test-server.js';
import { sharedPath } from '../../helpers/paths.js';
import { characterErrorRate } from '../../helpers/text.js';

const SENTENCES = (
	JSON.parse(readFileSync(sharedPath('audio', 'toy', 'transcripts.json'), 'utf8')) as Record<
		string,
		string[]
	>
)['toy_stream.wav'].slice(0, 3);
const work = mkdtempSync(join(tmpdir(), 'cli-server-'));
const CLIP = join(work, 'clip.wav');
let asr: FunasrTestServer;

before(async () => {
	execFileSync('ffmpeg', [
		'-loglevel',
		'error',
		'-i',
		sharedPath('audio', 'toy', 'toy_stream.wav'),
		'-t',
		'10.3',
		CLIP,
	]);
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
			SENTENCES,
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
