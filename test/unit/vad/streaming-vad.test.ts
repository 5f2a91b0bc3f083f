import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { EngineError } from '../../../engine/errors.js';
import { readWav } from '../../../engine/source/wav.js';
import { FsmnVadModel } from '../../../engine/vad/fsmn-vad-model.js';
import { StreamingVad, type SegmentSpan } from '../../../engine/vad/streaming-vad.js';
import type { VadOptions } from '../../../engine/vad/vad-options.js';
import { sharedPath } from '../../helpers/paths.js';

/**
 * FunASR's published segmentation of vad_example.wav by speech_fsmn_vad_zh-cn-16k-common:
 * modelscope/FunASR, tests/test_vad_inference_pipeline.py, TestFSMNInferencePipelines.test_16k.
 */
const PUBLISHED: [number, number][] = [
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
const TOLERANCE_MS = 20;
const SAMPLES_PER_MS = 16;

const vadExample = readWav(sharedPath('audio', 'vad_example.wav')).samples;
let model: FsmnVadModel;

before(async () => {
	model = await FsmnVadModel.load(sharedPath('models', 'fsmn-vad'));
});
after(async () => {
	await model.release();
});

async function segment(
	samples: Float32Array,
	chunkSamples = samples.length,
	overrides?: Partial<VadOptions>,
): Promise<SegmentSpan[]> {
	const vad = new StreamingVad(model, overrides);
	const segments: SegmentSpan[] = [];
	for (let start = 0; start < samples.length; start += chunkSamples)
		segments.push(...(await vad.accept(samples.subarray(start, start + chunkSamples))));
	segments.push(...(await vad.finish()));
	return segments;
}

function assertPublished(segments: SegmentSpan[], label: string): void {
	assert.equal(segments.length, PUBLISHED.length, `${label}: ${JSON.stringify(segments)}`);
	segments.forEach((found, i) => {
		const [startMs, endMs] = PUBLISHED[i];
		assert.ok(
			Math.abs(found.startMs - startMs) <= TOLERANCE_MS &&
				Math.abs(found.endMs - endMs) <= TOLERANCE_MS,
			`${label}: segment ${i} is ${found.startMs}..${found.endMs}, FunASR ${startMs}..${endMs}`,
		);
	});
}

for (const chunkMs of [10, 37, 100, 600]) {
	test(`vad_example.wav in ${chunkMs} ms chunks gives FunASR's published segments`, async () => {
		assertPublished(await segment(vadExample, chunkMs * SAMPLES_PER_MS), `${chunkMs} ms chunks`);
	});
}

test(`vad_example.wav in one piece gives FunASR's published segments`, async (t) => {
	const started = performance.now();
	const segments = await segment(vadExample);
	const elapsed = performance.now() - started;
	t.diagnostic(
		`whole file: ${elapsed.toFixed(0)} ms for ${(vadExample.length / 16000).toFixed(1)} s, RTF ${(elapsed / (vadExample.length / SAMPLES_PER_MS)).toFixed(4)}`,
	);
	assertPublished(segments, 'whole file');
});

test('finish() inside speech closes the segment at the end of the stream', async () => {
	// 20 s falls inside FunASR's segment 6480..23670.
	const head = vadExample.subarray(0, 20_000 * SAMPLES_PER_MS);
	const vad = new StreamingVad(model);
	const closedEarly = await vad.accept(head);
	assert.deepEqual(
		closedEarly.map((s) => [s.startMs, s.endMs]),
		PUBLISHED.slice(0, 2),
	);
	const last = await vad.finish();
	assert.equal(last.length, 1);
	assert.equal(last[0].startMs, 6480);
	// The last whole 25 ms frame starts at 19 970 ms; the segment ends with it.
	assert.equal(last[0].endMs, 19_980);
});

test('maxSegmentMs forces cuts inside long speech', async () => {
	const segments = await segment(vadExample, 1600, { maxSegmentMs: 5000 });
	assert.ok(segments.length > PUBLISHED.length, `${segments.length} segments`);
	for (const { startMs, endMs } of segments)
		assert.ok(endMs - startMs <= 5010, `${startMs}..${endMs} is longer than 5 s`);
	const insideLongSegment = segments.filter((s) => s.startMs >= 6480 && s.endMs <= 23670);
	assert.ok(
		insideLongSegment.length >= 3,
		`the 17 s segment is cut: ${JSON.stringify(insideLongSegment)}`,
	);
});

test('overrides change the endpointing of one stream only', async () => {
	const shortPauses = await segment(vadExample, 1600, { maxEndSilenceMs: 300 });
	const longPauses = await segment(vadExample, 1600, { maxEndSilenceMs: 3000 });
	const strict = await segment(vadExample, 1600, { speechNoiseThreshold: 0.95 });
	assert.ok(shortPauses.length > PUBLISHED.length, `300 ms: ${shortPauses.length} segments`);
	assert.ok(longPauses.length < PUBLISHED.length, `3000 ms: ${longPauses.length} segments`);
	const speechMs = (segments: SegmentSpan[]) =>
		segments.reduce((sum, s) => sum + s.endMs - s.startMs, 0);
	assert.ok(speechMs(strict) < speechMs(PUBLISHED.map(([startMs, endMs]) => ({ startMs, endMs }))));
	assertPublished(await segment(vadExample, 1600, {}), 'no overrides after overridden streams');
});

test('nonsense options are rejected with BAD_OPTION naming the option', () => {
	const cases: [Record<string, unknown>, RegExp][] = [
		[{ maxEndSilenceMs: -5 }, /maxEndSilenceMs = -5/],
		[{ maxEndSilenceMs: Number.NaN }, /maxEndSilenceMs/],
		[{ maxSegmentMs: '60000' }, /maxSegmentMs = "60000"/],
		[
			{ maxSegmentMs: 100 },
			/maxSegmentMs = 100 is invalid: it must be a number of milliseconds above the 400 ms/,
		],
		[{ speechNoiseThreshold: 1.5 }, /speechNoiseThreshold/],
		[{ silencePdfIds: [300] }, /silencePdfIds 300 exceed the model's 248 outputs/],
		[{ maxEndSilence: 500 }, /Unknown VAD option maxEndSilence/],
	];
	for (const [overrides, message] of cases) {
		assert.throws(
			() => new StreamingVad(model, overrides as Partial<VadOptions>),
			(error: unknown) =>
				error instanceof EngineError && error.code === 'BAD_OPTION' && message.test(error.message),
			JSON.stringify(overrides),
		);
	}
});

test('streams sharing one model keep their own state, even when interleaved', async () => {
	const toy = readWav(sharedPath('audio', 'toy', 'toy_stream.wav')).samples;
	const alone = [await segment(vadExample, 1600), await segment(toy, 1600)];
	const streams = [new StreamingVad(model), new StreamingVad(model)];
	const inputs = [vadExample, toy];
	const found: SegmentSpan[][] = [[], []];
	const chunk = 1600;
	for (let start = 0; start < Math.max(vadExample.length, toy.length); start += chunk) {
		const results = await Promise.all(
			streams.map((vad, i) =>
				start < inputs[i].length ? vad.accept(inputs[i].subarray(start, start + chunk)) : [],
			),
		);
		results.forEach((segments, i) => found[i].push(...segments));
	}
	const ends = await Promise.all(streams.map((vad) => vad.finish()));
	ends.forEach((segments, i) => found[i].push(...segments));
	assert.deepEqual(found, alone);
});

test('calls made without waiting are processed in order, and finish() starts a new stream at 0 ms', async () => {
	const vad = new StreamingVad(model);
	const answers: Promise<SegmentSpan[]>[] = [];
	for (let start = 0; start < vadExample.length; start += 4800)
		answers.push(vad.accept(vadExample.subarray(start, start + 4800)));
	answers.push(vad.finish());
	assertPublished((await Promise.all(answers)).flat(), 'unawaited');
	assertPublished([...(await vad.accept(vadExample)), ...(await vad.finish())], 'second stream');
});

test("toy_stream.wav: one segment per sentence, each containing the sentence's audible speech", async () => {
	const toy = readWav(sharedPath('audio', 'toy', 'toy_stream.wav')).samples;
	const truth = JSON.parse(
		readFileSync(sharedPath('audio', 'toy', 'toy_stream.segments.json'), 'utf8'),
	) as { segments: { start_s: number; end_s: number }[] };
	const segments = await segment(toy, 1600);
	assert.equal(segments.length, truth.segments.length, JSON.stringify(segments));
	truth.segments.forEach((sentence, i) => {
		const [firstLoudMs, lastLoudMs] = audibleSpan(
			toy,
			sentence.start_s * 1000,
			sentence.end_s * 1000,
		);
		const found = segments[i];
		assert.ok(
			found.startMs <= firstLoudMs && found.endMs >= lastLoudMs,
			`sentence ${i}: speech ${firstLoudMs}..${lastLoudMs}, segment ${found.startMs}..${found.endMs}`,
		);
		if (i > 0)
			assert.ok(
				found.startMs >= truth.segments[i - 1].end_s * 1000 - 200,
				`sentence ${i} starts inside the previous sentence`,
			);
	});
});

/** First and last 10 ms within [fromMs, toMs) louder than 40 dB (int16 scale; the pauses are ~26 dB). */
function audibleSpan(samples: Float32Array, fromMs: number, toMs: number): [number, number] {
	let first = -1;
	let last = -1;
	for (let ms = Math.floor(fromMs / 10) * 10; ms < toMs; ms += 10) {
		let energy = 0;
		for (let i = ms * SAMPLES_PER_MS; i < (ms + 10) * SAMPLES_PER_MS; i++)
			energy += samples[i] * samples[i];
		if (10 * Math.log10(energy / (10 * SAMPLES_PER_MS) + 1e-9) > 40) {
			if (first < 0) first = ms;
			last = ms + 10;
		}
	}
	return [first, last];
}
