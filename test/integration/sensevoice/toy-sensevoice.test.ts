import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { LivePipeline } from '../../../engine/pipeline/live-pipeline.js';
import { runCli } from '../../helpers/cli.js';
import { sharedPath } from '../../helpers/paths.js';
import { record, waitFor } from '../../helpers/pipeline-recorder.js';
import { startPublisher } from '../../helpers/publisher.js';
import { startRtmpServer, type RtmpServer } from '../../helpers/rtmp-server.js';
import { characterErrorRate, wordErrorRate } from '../../helpers/text.js';
import {
	TOY_ENGLISH_WER_CEILING,
	TOY_SENSEVOICE,
	toySenseVoiceAudio,
} from '../../helpers/toy-sensevoice.js';

// The toy SenseVoice recognizer (trained on espeak-ng English and Mandarin) on speech it was not
// trained on: speech in, its words (within the toy's English error rate) and the right language tags out.
const MODEL = TOY_SENSEVOICE;
const VAD = sharedPath('models', 'fsmn-vad');
const AUDIO = toySenseVoiceAudio;

interface Spoken {
	language: 'en' | 'zh';
	text: string;
	textWithItn: string;
	event?: string;
}
const TRANSCRIPTS = JSON.parse(readFileSync(AUDIO('transcripts.json'), 'utf8')) as Record<
	string,
	Spoken
> & { 'stream.wav': { sentences: Spoken[] } };
const STREAM = TRANSCRIPTS['stream.wav'].sentences;

interface Heard {
	text: string;
	language?: string;
	emotion?: string;
	events?: string[];
}

/** The error rate of what was heard, per language: words for English, characters for Mandarin. */
function errorRates(spoken: Spoken[], heard: Heard[], withItn: boolean) {
	const reference = (s: Spoken) => (withItn ? s.textWithItn : s.text);
	const pick = (language: string) => spoken.flatMap((s, i) => (s.language === language ? [i] : []));
	const en = pick('en');
	const zh = pick('zh');
	return {
		wer: wordErrorRate(
			en.map((i) => reference(spoken[i])),
			en.map((i) => heard[i]?.text ?? ''),
		),
		cer: zh.length
			? characterErrorRate(
					zh.map((i) => reference(spoken[i])),
					zh.map((i) => heard[i]?.text ?? ''),
				)
			: 0,
	};
}

function transcribe(file: string, extra: string[]) {
	return runCli(['transcribe', file, '--model', MODEL, '--vad', VAD, '--json', ...extra]);
}

const jsonLines = (stdout: string) =>
	stdout
		.trim()
		.split('\n')
		.filter((line) => line !== '')
		.map((line) => JSON.parse(line) as Heard);

test('the CLI hears the held-out speech: its words, its language, and music under speech as BGM', async (t) => {
	const files = Object.keys(TRANSCRIPTS).filter((file) => file !== 'stream.wav');
	const heard: Heard[] = [];
	for (const file of files) {
		const result = await transcribe(AUDIO(file), []);
		assert.equal(result.code, 0, result.stderr);
		const lines = jsonLines(result.stdout);
		assert.equal(lines.length, 1, `${file}: ${result.stdout}`);
		heard.push(lines[0]);
	}
	const stream = await transcribe(AUDIO('stream.wav'), []);
	assert.equal(stream.code, 0, stream.stderr);
	const streamHeard = jsonLines(stream.stdout);
	assert.equal(streamHeard.length, STREAM.length, stream.stdout);
	const spoken = files.map((file) => TRANSCRIPTS[file] as Spoken);
	// Every English word of the held-out audio (98): one error in a 39-word sample is 2.6 % already.
	const { wer, cer } = errorRates([...spoken, ...STREAM], [...heard, ...streamHeard], false);
	t.diagnostic(
		`WER ${wer}, CER ${cer}: ${[...heard, ...streamHeard].map((h) => h.text).join(' | ')}`,
	);
	assert.ok(wer <= TOY_ENGLISH_WER_CEILING, `English WER ${wer}`);
	assert.ok(cer <= 0.05, `Mandarin CER ${cer}`);
	spoken.forEach((s, i) => {
		assert.equal(heard[i].language, s.language, files[i]);
		assert.equal(heard[i].emotion, 'neutral', files[i]);
		assert.deepEqual(heard[i].events, s.event === 'BGM' ? ['BGM'] : [], files[i]);
	});
});

test("the CLI with --itn: numbers as digits and the model's own full stop, one sentence per spoken one", async (t) => {
	const result = await transcribe(AUDIO('stream.wav'), ['--itn']);
	assert.equal(result.code, 0, result.stderr);
	const heard = jsonLines(result.stdout);
	const { wer, cer } = errorRates(STREAM, heard, true);
	t.diagnostic(`${heard.length} sentences, WER ${wer}, CER ${cer}`);
	assert.equal(heard.length, STREAM.length, result.stdout);
	assert.ok(wer <= TOY_ENGLISH_WER_CEILING, `English WER ${wer}: ${result.stdout}`);
	assert.ok(cer <= 0.05, `Mandarin CER ${cer}: ${result.stdout}`);
	assert.deepEqual(
		heard.map((h) => h.language),
		STREAM.map((s) => s.language),
	);
	for (const h of heard) assert.match(h.text, /[.。]$/, 'ITN ends the sentence');
	const people = await transcribe(AUDIO('en_03_people.wav'), ['--itn']);
	assert.match(jsonLines(people.stdout)[0]?.text ?? '', /\b25\b/, '"twenty five" written as 25');
});

describe('a live RTMP stream of English and Mandarin through the node engine', () => {
	let server: RtmpServer;
	before(async () => {
		server = await startRtmpServer();
	});
	after(async () => {
		await server?.stop();
	});

	test('each sentence as it is spoken, tagged en, and the Mandarin one zh', async (t) => {
		const url = server.url('live', 'sensevoice');
		const pipeline = new LivePipeline({
			url,
			models: { asrDir: MODEL, vadDir: VAD },
			language: 'auto',
			itn: true,
		});
		const recorded = record(pipeline);
		try {
			await pipeline.start();
			const publisher = startPublisher({ url, file: AUDIO('stream.wav') });
			await publisher.exited;
			await waitFor(
				() => recorded.sentences.length >= STREAM.length,
				30_000,
				`${STREAM.length} sentences (have ${recorded.sentences.map((s) => s.text).join(' | ')})`,
			);
			const heard = recorded.sentences;
			const { wer, cer } = errorRates(STREAM, heard, true);
			t.diagnostic(
				`WER ${wer}, CER ${cer}, latency ms ${heard.map((s) => s.latencyMs).join(' ')}: ${heard.map((s) => `[${s.language}] ${s.text}`).join(' | ')}`,
			);
			assert.equal(heard.length, STREAM.length);
			assert.ok(wer <= TOY_ENGLISH_WER_CEILING, `English WER ${wer}`);
			assert.ok(cer <= 0.05, `Mandarin CER ${cer}`);
			assert.deepEqual(
				heard.map((s) => s.language),
				STREAM.map((s) => s.language),
			);
			assert.deepEqual(recorded.errors, []);
		} finally {
			await pipeline.close();
		}
	});
});
