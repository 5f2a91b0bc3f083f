import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { fixturePath, sharedPath } from '../../helpers/paths.js';

// Random weights: these tests check what comes out and in which shape, not the words.
const SENSEVOICE = fixturePath('models', 'tiny-sensevoice');
const PARAFORMER = fixturePath('models', 'tiny-paraformer');
const VAD = sharedPath('models', 'fsmn-vad');
const STREAM = sharedPath('audio', 'toy', 'toy_stream.wav');
const SEGMENTS = (
	JSON.parse(readFileSync(sharedPath('audio', 'toy', 'toy_stream.segments.json'), 'utf8')) as {
		segments: unknown[];
	}
).segments.length;
const TAG_NAMES = new Set(
	(JSON.parse(readFileSync(`${SENSEVOICE}/tokens.json`, 'utf8')) as string[]).flatMap((token) => {
		const tag = /^<\|(.+)\|>$/.exec(token);
		return tag ? [tag[1]] : [];
	}),
);

interface Line {
	index: number;
	text: string;
	textRaw: string;
	startMs: number;
	endMs: number;
	language?: string;
	emotion?: string;
	events?: string[];
}

test('transcribe --json with a SenseVoice model: each sentence with its language, emotion and events, in spoken order', async () => {
	const result = await runCli([
		'transcribe',
		STREAM,
		'--model',
		SENSEVOICE,
		'--vad',
		VAD,
		'--json',
		'--language',
		'en',
		'--itn',
	]);
	assert.equal(result.code, 0, result.stderr);
	const lines = result.stdout
		.trim()
		.split('\n')
		.map((line) => JSON.parse(line) as Line);
	assert.ok(lines.length >= SEGMENTS, `at least one sentence per segment: ${result.stdout}`);
	lines.forEach((line, i) => {
		assert.equal(line.index, i);
		assert.ok(line.text.length > 0);
		assert.ok(line.endMs > line.startMs);
		assert.ok(Array.isArray(line.events), JSON.stringify(line));
		for (const event of line.events)
			assert.ok(TAG_NAMES.has(event), `${event} is a tag of the model`);
		assert.ok(!line.events.includes('Speech'), 'speech alone is no event');
		if (line.language !== undefined) assert.ok(TAG_NAMES.has(line.language), line.language);
		if (line.emotion !== undefined) assert.match(line.emotion, /^[a-z]+$/);
		assert.doesNotMatch(line.text, /<\|/, 'no tag in the text');
	});
	for (let i = 1; i < lines.length; i++) assert.ok(lines[i].startMs >= lines[i - 1].startMs);
});

test('transcribe with a Paraformer writes no SenseVoice fields', async () => {
	const result = await runCli([
		'transcribe',
		STREAM,
		'--model',
		PARAFORMER,
		'--vad',
		VAD,
		'--json',
	]);
	assert.equal(result.code, 0, result.stderr);
	const first = JSON.parse(result.stdout.trim().split('\n')[0]) as Line;
	assert.equal('language' in first, false);
	assert.equal('events' in first, false);
});

test('transcribe --language: an unknown language, and a language a Paraformer cannot take, fail with the fix', async () => {
	const unknown = await runCli([
		'transcribe',
		STREAM,
		'--model',
		SENSEVOICE,
		'--vad',
		VAD,
		'--language',
		'fr',
	]);
	assert.notEqual(unknown.code, 0);
	assert.match(unknown.stderr, /--language "fr" is no language SenseVoiceSmall is asked for/);
	const paraformer = await runCli([
		'transcribe',
		STREAM,
		'--model',
		PARAFORMER,
		'--vad',
		VAD,
		'--language',
		'en',
	]);
	assert.notEqual(paraformer.code, 0);
	assert.match(
		paraformer.stderr,
		/is a Paraformer model, but the language "en" needs a SenseVoice model/,
	);
	assert.match(paraformer.stderr, /sensevoice-small-int8/);
});
