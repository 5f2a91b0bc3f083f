import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ServerPipelineOptions } from '../../../engine/config.js';
import type { PartialCaption } from '../../../engine/pipeline/events.js';
import { ServerPipeline } from '../../../engine/pipeline/server-pipeline.js';
import { freePort } from '../../helpers/free-port.js';
import {
	FunasrTestServer,
	releaseTestServerModels,
	type FunasrTestServerOptions,
} from '../../helpers/funasr-test-server.js';
import { sharedPath } from '../../helpers/paths.js';
import { activeTimers, record, waitFor, type Recorded } from '../../helpers/pipeline-recorder.js';
import { characterErrorRate } from '../../helpers/text.js';
import { cutToyClip, TOY_CLIP_SENTENCES } from '../../helpers/toy-clip.js';

const work = mkdtempSync(join(tmpdir(), 'server-pipeline-'));
const CLIP = cutToyClip(work);

const cleanups: (() => Promise<unknown>)[] = [];

before(() => {});

after(async () => {
	for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
	await releaseTestServerModels();
	rmSync(work, { recursive: true, force: true });
});

async function server(options: FunasrTestServerOptions = {}): Promise<FunasrTestServer> {
	const started = await FunasrTestServer.start(options);
	cleanups.push(() => started.close());
	return started;
}

interface Run {
	pipeline: ServerPipeline;
	recorded: Recorded;
	partials: PartialCaption[];
	ended: Promise<void>;
}

function pipelineFor(urls: string[], overrides: Partial<ServerPipelineOptions> = {}): Run {
	const pipeline = new ServerPipeline({
		url: CLIP,
		server: { urls, watchdogMs: 3000 },
		reconnect: { initialDelayMs: 100, maxDelayMs: 400 },
		...overrides,
	});
	cleanups.push(() => pipeline.close());
	const partials: PartialCaption[] = [];
	pipeline.on('partial', (partial) => partials.push(partial));
	const ended = new Promise<void>((resolve) => pipeline.once('end', resolve));
	return { pipeline, recorded: record(pipeline), partials, ended };
}

function texts(recorded: Recorded): string[] {
	return recorded.sentences.map((sentence) => sentence.textRaw);
}

describe('ServerPipeline with a FunASR 2pass server', () => {
	test('a file: one sentence per 2pass-offline, timed from start_time/end_time, then end', async () => {
		const asr = await server();
		const run = pipelineFor([asr.url], { partialIntervalMs: 0 });
		await run.pipeline.start();
		await run.ended;
		assert.deepEqual(run.recorded.errors, []);
		const cer = characterErrorRate(TOY_CLIP_SENTENCES, texts(run.recorded));
		assert.ok(cer < 0.1, `CER ${cer}: ${texts(run.recorded).join(' | ')}`);
		assert.deepEqual(
			run.recorded.sentences.map((sentence) => sentence.index),
			[0, 1, 2],
		);
		for (const sentence of run.recorded.sentences) assert.match(sentence.text, /。$/);
		assert.equal(asr.endsOfAudio, 1, 'the end of a file ends the audio');
		const first = run.recorded.sentences[0];
		const expected = JSON.parse(
			readFileSync(sharedPath('audio', 'toy', 'toy_stream.segments.json'), 'utf8'),
		).segments[0] as { start_s: number; end_s: number };
		assert.ok(Math.abs(first.startMs - expected.start_s * 1000) < 400, `start ${first.startMs}`);
		assert.ok(Math.abs(first.endMs - expected.end_s * 1000) < 700, `end ${first.endMs}`);
		const message = asr.firstMessages[0].parsed!;
		assert.deepEqual(
			{ ...message, wav_name: typeof message.wav_name },
			{
				mode: '2pass',
				chunk_size: [5, 10, 5],
				wav_name: 'string',
				wav_format: 'pcm',
				audio_fs: 16000,
				is_speaking: true,
				hotwords: '',
				itn: true,
			},
		);
		assert.ok(run.partials.length > 0, 'partials');
		for (const partial of run.partials) {
			const final = run.recorded.sentences.find((sentence) => sentence.index === partial.index);
			assert.ok(final, `partial ${partial.index} has a final`);
			assert.ok(final.textRaw.startsWith(partial.text), `${partial.text} ⊂ ${final.textRaw}`);
		}
	});

	test('a released server (no 2026 fields) and a timestamp model: tokens and times from stamp_sents', async () => {
		const asr = await server({ release: 'released', timestamps: true });
		const run = pipelineFor([asr.url], { hotwords: ['会议', '报警'] });
		await run.pipeline.start();
		await run.ended;
		assert.ok(characterErrorRate(TOY_CLIP_SENTENCES, texts(run.recorded)) < 0.1);
		assert.equal(asr.firstMessages[0].parsed!.hotwords, '会议 报警');
		for (const sentence of run.recorded.sentences) {
			assert.ok(sentence.tokens, 'tokens');
			assert.equal(sentence.tokens.map((token) => token.text).join(''), sentence.textRaw);
			assert.equal(sentence.startMs, sentence.tokens[0].startMs);
			assert.equal(sentence.endMs, sentence.tokens.at(-1)!.endMs);
		}
	});

	test('offline mode: sentences without partials', async () => {
		const asr = await server();
		const run = pipelineFor([asr.url], {
			server: { urls: [asr.url], mode: 'offline' },
			partialIntervalMs: 0,
		});
		await run.pipeline.start();
		await run.ended;
		assert.equal(asr.firstMessages[0].parsed!.mode, 'offline');
		assert.equal(run.recorded.sentences.length, 3);
		assert.deepEqual(run.partials, []);
	});

	test('an unreachable server is left for the next URL of the fleet; URL secrets never show', async () => {
		const asr = await server();
		const dead = `ws://user:s3cret-pass@127.0.0.1:${await freePort()}/?token=t0ken-value`;
		const run = pipelineFor([dead, asr.url, dead]);
		await run.pipeline.start();
		await run.ended;
		assert.equal(run.recorded.sentences.length, 3);
		const shown = JSON.stringify([
			run.recorded.statuses,
			run.recorded.warnings.map((w) => w.message + w.fix),
		]);
		assert.doesNotMatch(shown, /s3cret-pass|t0ken-value/);
		assert.ok(asr.connections >= 1);
	});

	test('closed by its owner: no timer left', async () => {
		const before = activeTimers();
		const asr = await server();
		const run = pipelineFor([asr.url]);
		await run.pipeline.start();
		await waitFor(() => asr.audioBytes > 0, 10_000, 'audio at the server');
		await run.pipeline.close();
		assert.equal(activeTimers(), before);
	});
});
