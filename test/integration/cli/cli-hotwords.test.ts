import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseHotwordsFile } from '../../../cli/hotwords.js';
import { runCli } from '../../helpers/cli.js';
import { fixturePath, sharedPath } from '../../helpers/paths.js';

const CONTEXTUAL = fixturePath('models', 'tiny-contextual-paraformer');
const PLAIN = fixturePath('models', 'tiny-paraformer');
const VAD = sharedPath('models', 'fsmn-vad');
const AUDIO = sharedPath('audio', 'toy', 'toy_stream.wav');
const work = mkdtempSync(join(tmpdir(), 'rtmp-asr-cli-hotwords-'));
after(() => rmSync(work, { recursive: true, force: true }));

const transcribe = (model: string, ...options: string[]) =>
	runCli(['transcribe', AUDIO, '--model', model, '--vad', VAD, '--json', ...options]);
const texts = (stdout: string) =>
	stdout
		.trim()
		.split('\n')
		.map((line) => (JSON.parse(line) as { textRaw: string }).textRaw);

test('a hotwords file takes one hotword a line and FunASR\'s "word weight" lines, the weight dropped', () => {
	assert.deepEqual(
		parseHotwordsFile(
			'魔搭 20\n达摩院\t30\n\n  语音识别  \nhello world 5\nn8n 1.5e1\nversion 2\n3\n',
		),
		{
			hotwords: ['魔搭', '达摩院', '语音识别', 'hello world', 'n8n', 'version', '3'],
			weighted: 5,
		},
	);
});

test('transcribe --hotwords and --hotwords-file bias a hotword model; weights are said to be ignored', async () => {
	const file = join(work, 'hotwords.txt');
	writeFileSync(file, '魔搭 20\n达摩院 30\n');
	const [plain, inline, fromFile] = await Promise.all([
		transcribe(CONTEXTUAL),
		transcribe(CONTEXTUAL, '--hotwords', '魔搭 达摩院'),
		transcribe(CONTEXTUAL, '--hotwords-file', file),
	]);
	for (const result of [plain, inline, fromFile]) assert.equal(result.code, 0, result.stderr);
	assert.equal(inline.stderr, '');
	assert.match(
		fromFile.stderr,
		/the weights of 2 hotword\(s\) are ignored: they steer FunASR's FST \(n-gram\) hotwords; NN hotwords have no weight/,
	);
	assert.deepEqual(
		texts(fromFile.stdout),
		texts(inline.stdout),
		'the same hotwords, given either way',
	);
	assert.notDeepEqual(texts(inline.stdout), texts(plain.stdout), 'the hotwords reach the model');
});

test('transcribe --hotwords with a model that takes none: transcribes, and warns naming the model and which to choose', async () => {
	const result = await transcribe(PLAIN, '--hotwords', '魔搭');
	assert.equal(result.code, 0, result.stderr);
	assert.match(
		result.stderr,
		/warning: The recognizer ".*tiny-paraformer" takes no hotwords .*: the hotwords given are ignored\. Choose a hotword model: paraformer-zh-contextual/,
	);
});

test('hotwords the model cannot spell are named in a warning', async () => {
	const result = await transcribe(CONTEXTUAL, '--hotwords', '吗呢 魔搭');
	assert.equal(result.code, 0, result.stderr);
	assert.match(
		result.stderr,
		/warning: 1 hotword\(s\) skipped for .*: "吗呢" \("吗" is not in the vocabulary\)\. Write hotwords in characters the model knows/,
	);
});

test('bad hotword options fail with the problem and the fix', async () => {
	const empty = join(work, 'empty.txt');
	writeFileSync(empty, '\n  \n');
	const cases: [string[], RegExp][] = [
		[['--hotwords', ' '], /--hotwords is empty\. Give the hotwords separated by spaces/],
		[
			['--hotwords-file', empty],
			/The hotwords file ".*empty\.txt" has no hotwords\. Write one hotword a line/,
		],
		[
			['--hotwords-file', join(work, 'missing.txt')],
			/The hotwords file ".*missing\.txt" cannot be read \(ENOENT/,
		],
		[
			['--hotwords', Array.from({ length: 1001 }, () => '魔搭').join(' ')],
			/1001 hotwords given; FunASR's hotword models take at most 1000\. Keep the 1000/,
		],
	];
	for (const [options, message] of cases) {
		const result = await transcribe(CONTEXTUAL, ...options);
		assert.equal(result.code, 1, `${options.join(' ')}: ${result.stderr}`);
		assert.match(result.stderr, message);
	}
});
