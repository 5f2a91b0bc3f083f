import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LivePipeline } from '../../../engine/pipeline/live-pipeline.js';
import { acquireInferenceClient } from '../../../engine/runtime/inference-client.js';
import { readWav } from '../../../engine/source/wav.js';
import type { LivePipelineOptions } from '../../../engine/config.js';
import { sharedPath } from '../../helpers/paths.js';
import { record, type Recorded } from '../../helpers/pipeline-recorder.js';
import { characterErrorRate } from '../../helpers/text.js';

const models = {
	asrDir: sharedPath('models', 'toy-paraformer-zh'),
	vadDir: sharedPath('models', 'fsmn-vad'),
};
const STREAM = sharedPath('audio', 'toy', 'toy_stream.wav');
const SENTENCES = JSON.parse(readFileSync(sharedPath('audio', 'toy', 'transcripts.json'), 'utf8'))[
	'toy_stream.wav'
] as string[];

async function runToEnd(
	options: Partial<LivePipelineOptions>,
	listen?: (pipeline: LivePipeline) => void,
): Promise<Recorded> {
	const pipeline = new LivePipeline({ url: STREAM, models, ...options });
	const recorded = record(pipeline);
	listen?.(pipeline);
	const ended = new Promise<void>((resolve, reject) => {
		pipeline.once('end', resolve);
		pipeline.once('error', reject);
	});
	try {
		await pipeline.start();
		await ended;
	} finally {
		await pipeline.close();
	}
	return recorded;
}

test('a file is read to its end, every sentence recognized, then the pipeline ends by itself', async () => {
	let pipeline: LivePipeline | null = null;
	const recorded = await runToEnd({}, (created) => (pipeline = created));
	assert.deepEqual(
		pipeline!.earlyRecognitions,
		{ started: 0, used: 0 },
		'a file, read faster than real time, is not recognized early',
	);
	assert.equal(recorded.sentences.length, SENTENCES.length);
	assert.ok(
		characterErrorRate(
			SENTENCES,
			recorded.sentences.map((s) => s.text),
		) <= 0.05,
	);
	assert.deepEqual(recorded.warnings, []);
	assert.deepEqual(
		recorded.statuses.map((s) => s.type),
		['connected', 'disconnected'],
	);
});

/**
 * Recognition falls behind when the shared worker is busy: another stream keeps a backlog of 16
 * segments ahead of this file's, for as long as the file runs, while the VAD keeps closing this
 * file's segments between the worker's batches.
 */
async function runBehindBacklog(options: Partial<LivePipelineOptions>): Promise<Recorded> {
	const hog = acquireInferenceClient();
	await hog.client.open('hog', { models });
	const speech = readWav(STREAM).samples;
	let running = true;
	const keepBusy = async (): Promise<void> => {
		while (running) await hog.client.recognize('hog', speech);
	};
	const busy = Promise.all(Array.from({ length: 16 }, keepBusy));
	try {
		return await runToEnd(options);
	} finally {
		running = false;
		await busy;
		await hog.client.close('hog');
		await hog.release();
	}
}

for (const overflow of ['drop-oldest', 'drop-newest'] as const) {
	test(`queue overflow (${overflow}) drops whole segments, counts and reports every one`, async () => {
		const recorded = await runBehindBacklog({ queue: { maxSeconds: 1, overflow } });
		const overflows = recorded.statuses.flatMap((status) =>
			status.type === 'overflow' ? [status] : [],
		);
		assert.ok(overflows.length > 0, 'overflow reported');
		const dropped = overflows.at(-1)!.totalDroppedSeconds;
		const droppedSum =
			Math.round(overflows.reduce((sum, status) => sum + status.droppedSeconds, 0) * 100) / 100;
		assert.ok(Math.abs(droppedSum - dropped) < 0.05, `${droppedSum} vs ${dropped}`);
		assert.ok(
			recorded.sentences.length < SENTENCES.length && recorded.sentences.length > 0,
			`${recorded.sentences.length} sentences`,
		);
		// What was recognized is right, in order, with no gaps in the index.
		recorded.sentences.forEach((sentence, i) => {
			assert.equal(sentence.index, i);
			assert.ok(SENTENCES.includes(sentence.text), sentence.text);
		});
		const spoken = recorded.sentences.map((sentence) => SENTENCES.indexOf(sentence.text));
		assert.deepEqual(
			[...spoken].sort((a, b) => a - b),
			spoken,
			'in stream order',
		);
		if (overflow === 'drop-newest') assert.equal(spoken[0], 0, 'the oldest speech is kept');
		else assert.equal(spoken.at(-1), SENTENCES.length - 1, 'the newest speech is kept');
	});
}

test('a sentence listener that throws is reported as a warning; the stream and the other listeners go on', async () => {
	const recorded = await runToEnd({}, (pipeline) =>
		pipeline.on('sentence', (sentence) => {
			if (sentence.index === 0) throw new Error('handler bug');
		}),
	);
	assert.equal(recorded.sentences.length, SENTENCES.length);
	assert.deepEqual(
		recorded.warnings.map((warning) => warning.code),
		['LISTENER_FAILED'],
	);
	assert.match(recorded.warnings[0].message, /sentence 0 \(handler bug\)/);
	assert.deepEqual(recorded.errors, []);
});

test('backpressure drops nothing, however small the bound and however busy the worker', async () => {
	const recorded = await runBehindBacklog({ queue: { maxSeconds: 1, overflow: 'backpressure' } });
	assert.equal(recorded.sentences.length, SENTENCES.length);
	assert.equal(
		recorded.statuses.some((status) => status.type === 'overflow'),
		false,
	);
});

test('a consumer that falls behind holds speech in the bounded queue, where the overflow policy applies', async () => {
	let release: () => void = () => undefined;
	const released = new Promise<void>((resolve) => (release = resolve));
	let delivered = 0;
	// The consumer falls behind after the first sentence and catches up once the whole file has
	// been read: everything spoken after the first sentence waits for it in the queue. (Before
	// then, a slow machine may overflow the queue anyway: a file is read faster than real time.)
	const recorded = await runToEnd(
		{
			queue: { maxSeconds: 3, overflow: 'drop-oldest' },
			ready: () => (delivered < 1 ? Promise.resolve() : released),
		},
		(pipeline) => {
			pipeline.on('sentence', () => delivered++);
			pipeline.on('status', (status) => status.type === 'disconnected' && release());
		},
	);
	const spoken = recorded.sentences.map((sentence) => SENTENCES.indexOf(sentence.text));
	assert.equal(spoken[0], 0, 'recognized while the consumer kept up');
	assert.deepEqual(
		[...spoken].sort((a, b) => a - b),
		spoken,
		'in stream order',
	);
	const dropped = recorded.statuses.flatMap((status) =>
		status.type === 'overflow' ? [status.droppedSeconds] : [],
	);
	assert.ok(dropped.length > 0, 'the held speech overflowed the 3 s bound and was reported');
	// At most 3 s of held speech, the segment taken before the hold, and the first sentence.
	assert.ok(
		spoken.length > 2 && spoken.length < SENTENCES.length / 2,
		`${spoken.length} sentences`,
	);
	assert.equal(spoken.at(-1), SENTENCES.length - 1, 'drop-oldest keeps the newest speech');
	assert.deepEqual(recorded.warnings, []);
});

test('closing releases a pipeline held by its consumer; what it held is reported, not lost silently', async () => {
	const pipeline = new LivePipeline({
		url: STREAM,
		models,
		ready: () => new Promise<void>(() => undefined),
	});
	const recorded = record(pipeline);
	const segment = new Promise<void>((resolve) => pipeline.once('segment', () => resolve()));
	try {
		await pipeline.start();
		await segment;
	} finally {
		await pipeline.close();
	}
	assert.deepEqual(recorded.sentences, []);
	assert.ok(
		recorded.warnings.some((warning) =>
			/not transcribed: the pipeline was closed/.test(warning.message),
		),
		recorded.warnings.map((w) => w.message).join('; '),
	);
});

test('fatal misconfiguration rejects start() with the fix, and is not retried', async () => {
	const cases: [Partial<LivePipelineOptions>, RegExp][] = [
		[{ ffmpegPath: '/nonexistent/ffmpeg' }, /ffmpeg/],
		[
			{ models: { ...models, asrDir: sharedPath('models', 'paraformer-large-zh-vocab8404') } },
			/lacks model\.onnx/,
		],
		[{ models: { ...models, vadDir: sharedPath('models', 'toy-paraformer-zh') } }, /VAD|vad/],
		[{ url: 'rtmp://' }, /rtmp/],
		[{ url: 'gopher://example/stream' }, /gopher/],
	];
	for (const [options, message] of cases) {
		const pipeline = new LivePipeline({ url: STREAM, models, ...options });
		const recorded = record(pipeline);
		try {
			await assert.rejects(
				pipeline.start(),
				(error: Error & { fix?: string }) => message.test(error.message) && Boolean(error.fix),
			);
			assert.equal(pipeline.running, false);
			assert.deepEqual(recorded.statuses, []);
		} finally {
			await pipeline.close();
		}
	}
});

test('two pipelines in one process run side by side on the shared worker', async () => {
	const [first, second] = await Promise.all([
		runToEnd({}),
		runToEnd({ vad: { maxEndSilenceMs: 500 } }),
	]);
	for (const recorded of [first, second]) {
		assert.equal(recorded.sentences.length, SENTENCES.length);
		assert.ok(
			characterErrorRate(
				SENTENCES,
				recorded.sentences.map((s) => s.text),
			) <= 0.05,
		);
	}
});
