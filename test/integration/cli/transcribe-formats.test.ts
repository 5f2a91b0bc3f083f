import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { fixturePath, sharedPath } from '../../helpers/paths.js';

const TOY = sharedPath('models', 'toy-paraformer-zh');
const TIMESTAMPS = fixturePath('models', 'tiny-paraformer-timestamps');
const VAD = sharedPath('models', 'fsmn-vad');
const STREAM = sharedPath('audio', 'toy', 'toy_stream.wav');
const TRUTH = (
	JSON.parse(readFileSync(sharedPath('audio', 'toy', 'toy_stream.segments.json'), 'utf8')) as {
		segments: { text: string; start_s: number; end_s: number }[];
	}
).segments;

const CUE_TIME = /^(\d\d):(\d\d):(\d\d)[,.](\d\d\d) --> (\d\d):(\d\d):(\d\d)[,.](\d\d\d)$/;

function parseCues(text: string, numbered: boolean) {
	return text
		.trim()
		.split(/\n\n+/)
		.map((block) => {
			const lines = block.split('\n');
			const number = numbered ? Number(lines.shift()) : null;
			const time = CUE_TIME.exec(lines.shift() ?? '');
			assert.ok(time, block);
			const ms = (h: string, m: string, s: string, f: string) =>
				((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000 + Number(f);
			return {
				number,
				startMs: ms(time[1], time[2], time[3], time[4]),
				endMs: ms(time[5], time[6], time[7], time[8]),
				lines,
			};
		});
}

test("transcribe --format srt writes numbered cues of the toy stream's sentences at their times", async () => {
	const result = await runCli([
		'transcribe',
		STREAM,
		'--model',
		TOY,
		'--vad',
		VAD,
		'--format',
		'srt',
	]);
	assert.equal(result.code, 0, result.stderr);
	const cues = parseCues(result.stdout, true);
	assert.deepEqual(
		cues.map((cue) => cue.number),
		cues.map((_, i) => i + 1),
	);
	assert.equal(cues.length, TRUTH.length, result.stdout);
	cues.forEach((cue, i) => {
		assert.ok(cue.lines.length >= 1 && cue.lines.length <= 2, JSON.stringify(cue));
		assert.ok(
			Math.abs(cue.startMs - TRUTH[i].start_s * 1000) <= 500 &&
				Math.abs(cue.endMs - TRUTH[i].end_s * 1000) <= 500,
			`cue ${i}: ${cue.startMs}-${cue.endMs} vs ${TRUTH[i].start_s}-${TRUTH[i].end_s}`,
		);
	});
});

test('transcribe --format vtt starts with the WebVTT header; an unknown format is refused', async () => {
	const result = await runCli([
		'transcribe',
		sharedPath('audio', 'toy', 'toy_01_alarm.wav'),
		'--model',
		TOY,
		'--vad',
		VAD,
		'--format',
		'vtt',
	]);
	assert.equal(result.code, 0, result.stderr);
	assert.ok(result.stdout.startsWith('WEBVTT\n\n'), result.stdout);
	const cues = parseCues(result.stdout.slice('WEBVTT\n\n'.length), false);
	assert.match(cues.map((cue) => cue.lines.join('')).join(''), /报警火灾请注意/);
	const refused = await runCli([
		'transcribe',
		STREAM,
		'--model',
		TOY,
		'--vad',
		VAD,
		'--format',
		'ass',
	]);
	assert.notEqual(refused.code, 0);
	assert.match(refused.stderr, /--format must be one of text, jsonl, srt, vtt, not "ass"/);
});

test("a timestamp model's sentences carry their words' times, inside their speech", async () => {
	const result = await runCli([
		'transcribe',
		STREAM,
		'--model',
		TIMESTAMPS,
		'--vad',
		VAD,
		'--json',
	]);
	assert.equal(result.code, 0, result.stderr);
	const sentences = result.stdout
		.trim()
		.split('\n')
		.map(
			(line) =>
				JSON.parse(line) as {
					text: string;
					startMs: number;
					endMs: number;
					tokens: { text: string; startMs: number; endMs: number }[];
				},
		);
	assert.ok(sentences.length >= TRUTH.length / 2, result.stdout);
	for (const sentence of sentences) {
		const { tokens } = sentence;
		assert.ok(Array.isArray(tokens) && tokens.length > 0, JSON.stringify(sentence));
		assert.equal(tokens.map((token) => token.text).join(''), sentence.text.replace(/ /g, ''));
		assert.equal(sentence.startMs, tokens[0].startMs);
		assert.equal(sentence.endMs, tokens.at(-1)!.endMs);
		tokens.forEach((token, i) =>
			assert.ok(
				token.startMs < token.endMs && (i === 0 || token.startMs >= tokens[i - 1].endMs),
				JSON.stringify(tokens),
			),
		);
		// Within a spoken stretch, give or take the VAD's 200 ms lookback and the 30 ms peak offset.
		assert.ok(
			TRUTH.some(
				(segment) =>
					sentence.startMs >= segment.start_s * 1000 - 500 &&
					sentence.endMs <= segment.end_s * 1000 + 900,
			),
			`${sentence.startMs}-${sentence.endMs}`,
		);
	}
});
