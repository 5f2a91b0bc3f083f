import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { readFloat32, sharedPath } from '../../helpers/paths.js';
import { characterErrorRate } from '../../helpers/text.js';

const TOY = sharedPath('models', 'toy-paraformer-zh');
const VAD = sharedPath('models', 'fsmn-vad');
const work = mkdtempSync(join(tmpdir(), 'rtmp-asr-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

// FunASR's published segmentation of its own example: tests/test_vad_inference_pipeline.py (test_16k).
const FUNASR_VAD_EXAMPLE = [
	[70, 2340],
	[2620, 6200],
	[6480, 23670],
	[23950, 26250],
	[26780, 28990],
	[29950, 31430],
	[31750, 37600],
	[38210, 46900],
	[47310, 49630],
	[49910, 56460],
	[56740, 59540],
	[59820, 70450],
];

test("vad --json prints FunASR's segmentation of vad_example.wav", async () => {
	const result = await runCli([
		'vad',
		sharedPath('audio', 'vad_example.wav'),
		'--vad',
		VAD,
		'--json',
	]);
	assert.equal(result.code, 0, result.stderr);
	const segments = JSON.parse(result.stdout) as number[][];
	assert.equal(segments.length, FUNASR_VAD_EXAMPLE.length, result.stdout);
	segments.forEach((segment, i) => {
		assert.ok(
			Math.abs(segment[0] - FUNASR_VAD_EXAMPLE[i][0]) <= 20 &&
				Math.abs(segment[1] - FUNASR_VAD_EXAMPLE[i][1]) <= 20,
			`segment ${i}: ${segment} vs ${FUNASR_VAD_EXAMPLE[i]}`,
		);
	});
});

test("transcribe --json gives the toy stream's sentences, in order, with their times", async () => {
	const result = await runCli([
		'transcribe',
		sharedPath('audio', 'toy', 'toy_stream.wav'),
		'--model',
		TOY,
		'--vad',
		VAD,
		'--json',
	]);
	assert.equal(result.code, 0, result.stderr);
	const sentences = result.stdout
		.trim()
		.split('\n')
		.map(
			(line) => JSON.parse(line) as { index: number; text: string; startMs: number; endMs: number },
		);
	const truth = JSON.parse(
		readFileSync(sharedPath('audio', 'toy', 'toy_stream.segments.json'), 'utf8'),
	) as { segments: { text: string; start_s: number; end_s: number }[] };
	assert.equal(sentences.length, truth.segments.length, result.stdout);
	const cer = characterErrorRate(
		truth.segments.map((s) => s.text),
		sentences.map((s) => s.text),
	);
	assert.ok(cer <= 0.05, `CER ${cer}`);
	sentences.forEach((sentence, i) => {
		const expected = truth.segments[i];
		assert.equal(sentence.index, i);
		assert.ok(
			Math.abs(sentence.startMs - expected.start_s * 1000) <= 500,
			`start of ${i}: ${sentence.startMs} vs ${expected.start_s}`,
		);
		assert.ok(
			Math.abs(sentence.endMs - expected.end_s * 1000) <= 500,
			`end of ${i}: ${sentence.endMs} vs ${expected.end_s}`,
		);
	});
});

test('transcribe reads any format ffmpeg reads (44.1 kHz input resampled)', async () => {
	const flac = join(work, 'alarm.flac');
	const { execFileSync } = await import('node:child_process');
	execFileSync('ffmpeg', [
		'-loglevel',
		'error',
		'-i',
		sharedPath('audio', 'toy', 'toy_01_alarm.wav'),
		'-ar',
		'44100',
		'-ac',
		'2',
		flac,
	]);
	const result = await runCli(['transcribe', flac, '--model', TOY, '--vad', VAD]);
	assert.equal(result.code, 0, result.stderr);
	assert.match(result.stdout, /报警火灾请注意/);
});

test('features writes the features each model sees, equal to the golden ones', async () => {
	for (const [model, golden, dim] of [
		[VAD, 'a_cn_16k.vad_lfr_cmvn.f32', 400],
		[sharedPath('models', 'paraformer-large-zh-vocab8404'), 'a_cn_16k.asr_lfr_cmvn.f32', 560],
	] as const) {
		const out = join(work, `${dim}.f32`);
		const result = await runCli([
			'features',
			sharedPath('audio', 'a_cn_16k.wav'),
			'--model',
			model,
			'--out',
			out,
		]);
		assert.equal(result.code, 0, result.stderr);
		assert.match(result.stderr, new RegExp(`\\[\\d+, ${dim}\\]`));
		const ours = readFloat32(out);
		const reference = readFloat32(sharedPath('golden', golden));
		assert.equal(ours.length, reference.length);
		let maxDiff = 0;
		for (let i = 0; i < ours.length; i++)
			maxDiff = Math.max(maxDiff, Math.abs(ours[i] - reference[i]));
		assert.ok(maxDiff <= 1e-3, `max diff ${maxDiff}`);
	}
	const fbank = join(work, 'fbank.f32');
	const result = await runCli([
		'features',
		sharedPath('audio', 'a_cn_16k.wav'),
		'--model',
		VAD,
		'--fbank',
		'--out',
		fbank,
	]);
	assert.equal(result.code, 0, result.stderr);
	assert.equal(
		readFloat32(fbank).length,
		readFloat32(sharedPath('golden', 'a_cn_16k.fbank.f32')).length,
	);
});

test('bad input gets one clear line on stderr and a non-zero exit', async () => {
	const cases: [string[], RegExp][] = [
		[['transcribe', join(work, 'missing.wav'), '--model', TOY, '--vad', VAD], /No such file/],
		[
			[
				'transcribe',
				sharedPath('audio', 'a_cn_16k.wav'),
				'--model',
				sharedPath('models', 'paraformer-large-zh-vocab8404'),
				'--vad',
				VAD,
			],
			/lacks model\.onnx/,
		],
		[
			['transcribe', sharedPath('audio', 'a_cn_16k.wav'), '--model', VAD, '--vad', VAD],
			/model\.onnx" is no recognizer the engine knows .*Paraformer.*SenseVoiceSmall/,
		],
		[
			['transcribe', sharedPath('models', 'NOTICE.md'), '--model', TOY, '--vad', VAD],
			/not an audio or video file/,
		],
		[
			['vad', sharedPath('audio', 'a_cn_16k.wav'), '--vad', VAD, '--bogus'],
			/Unknown option '--bogus'/,
		],
		[['vad', sharedPath('audio', 'a_cn_16k.wav')], /Missing --vad/],
		[['transcribe', 'rtmp://', '--model', TOY, '--vad', VAD], /rtmp/],
		[['frobnicate'], /unknown command "frobnicate"/],
	];
	for (const [args, message] of cases) {
		const result = await runCli(args);
		assert.notEqual(result.code, 0, `${args.join(' ')} should fail`);
		assert.match(result.stderr, message, args.join(' '));
		assert.equal(result.stderr.trim().split('\n')[0].startsWith('rtmp-asr'), true, result.stderr);
		assert.equal(result.stdout, '', args.join(' '));
	}
});
