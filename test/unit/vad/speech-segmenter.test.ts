import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { computeFbank } from '../../../engine/frontend/fbank.js';
import {
	loadFrontendOptions,
	sameFbank,
	type FrontendOptions,
} from '../../../engine/frontend/frontend-options.js';
import { readWav } from '../../../engine/source/wav.js';
import { FsmnVadModel } from '../../../engine/vad/fsmn-vad-model.js';
import {
	SpeechSegmenter,
	type ProvisionalSegment,
	type Segment,
} from '../../../engine/vad/speech-segmenter.js';
import { StreamingVad } from '../../../engine/vad/streaming-vad.js';
import { sharedPath } from '../../helpers/paths.js';

const vadExample = readWav(sharedPath('audio', 'vad_example.wav')).samples;
const paraformerFrontend = loadFrontendOptions(
	sharedPath('models', 'paraformer-large-zh-vocab8404'),
);
let model: FsmnVadModel;

before(async () => {
	model = await FsmnVadModel.load(sharedPath('models', 'fsmn-vad'));
});
after(async () => {
	await model.release();
});

async function cutAll(
	segmenter: SpeechSegmenter,
	samples: Float32Array,
	chunk: number,
): Promise<Segment[]> {
	const segments: Segment[] = [];
	for (let start = 0; start < samples.length; start += chunk)
		segments.push(...(await segmenter.accept(samples.slice(start, start + chunk))));
	segments.push(...(await segmenter.finish()));
	return segments;
}

async function assertSegmentsCarryTheirFbank(
	recognizerFrontend: FrontendOptions,
	label: string,
): Promise<void> {
	const vad = new StreamingVad(model);
	const expected = [...(await vad.accept(vadExample)), ...(await vad.finish())];
	const segmenter = new SpeechSegmenter(model, recognizerFrontend, {});
	for (const session of [1, 2]) {
		const segments = await cutAll(segmenter, vadExample, 1600);
		assert.deepEqual(
			segments.map(({ startMs, endMs }) => ({ startMs, endMs })),
			expected,
			`${label}, session ${session}: the VAD's own segments`,
		);
		for (const segment of segments) {
			const alone = computeFbank(
				vadExample.subarray(segment.startMs * 16, segment.endMs * 16),
				recognizerFrontend,
			);
			assert.equal(
				segment.fbank.length,
				alone.data.length,
				`${label}, session ${session}: rows of ${segment.startMs}..${segment.endMs}`,
			);
			assert.deepEqual(
				segment.fbank,
				alone.data,
				`${label}, session ${session}: the fbank of ${segment.startMs}..${segment.endMs} cut out alone`,
			);
		}
	}
}

test('Paraformer and FSMN-VAD share their fbank: each segment carries exactly the fbank of its audio cut out alone', async () => {
	assert.ok(
		sameFbank(model.frontend, paraformerFrontend),
		'FunASR ships both with the same fbank settings',
	);
	await assertSegmentsCarryTheirFbank(paraformerFrontend, 'shared fbank');
});

test('a recognizer with other fbank settings gets its own rows, computed beside the VAD', async () => {
	const other: FrontendOptions = { ...paraformerFrontend, numMelBins: 40, window: 'povey' };
	assert.equal(sameFbank(model.frontend, other), false);
	await assertSegmentsCarryTheirFbank(other, 'own fbank');
});

test('rows older than the longest segment plus its margin are forgotten', async () => {
	const segmenter = new SpeechSegmenter(model, paraformerFrontend, { maxSegmentMs: 3000 });
	const segments = await cutAll(segmenter, vadExample, 16000);
	assert.ok(segments.length > 12, 'long speech is cut at 3 s');
	for (const segment of segments)
		assert.ok(
			segment.fbank.length / 80 >= (segment.endMs - segment.startMs - 25) / 10 - 1,
			`${segment.startMs}..${segment.endMs} keeps all its rows`,
		);
});

test('a provisional segment, offered during the trailing silence, is exactly the segment the VAD closes after it', async () => {
	const segmenter = new SpeechSegmenter(model, paraformerFrontend, {}, 200);
	const offered: ProvisionalSegment[] = [];
	const closed: Segment[] = [];
	for (const session of [1, 2]) {
		for (let start = 0; start < vadExample.length; start += 1600) {
			closed.push(...(await segmenter.accept(vadExample.slice(start, start + 1600))));
			const provisional = segmenter.takeProvisional();
			if (provisional) offered.push(provisional);
		}
		closed.push(...(await segmenter.finish()));
		assert.equal(
			segmenter.takeProvisional(),
			null,
			`session ${session}: no provisional segment after the end`,
		);
	}
	const confirmed = closed.filter((segment) => segment.provisionalId !== undefined);
	// The last segment of each session closes at the end of the file, not by silence.
	assert.ok(
		confirmed.length >= closed.length - 2,
		`${confirmed.length} of ${closed.length} segments were offered first`,
	);
	for (const segment of confirmed) {
		const provisional = offered.find((candidate) => candidate.id === segment.provisionalId)!;
		assert.deepEqual([provisional.startMs, provisional.endMs], [segment.startMs, segment.endMs]);
		assert.deepEqual(
			provisional.fbank,
			segment.fbank,
			`${segment.startMs}..${segment.endMs}: the same rows`,
		);
	}
	assert.equal(
		new Set(offered.map((provisional) => provisional.id)).size,
		offered.length,
		'each offered once',
	);
	const unconfirmed = offered.filter(
		(provisional) => !confirmed.some((segment) => segment.provisionalId === provisional.id),
	);
	for (const provisional of unconfirmed) {
		assert.ok(
			!closed.some(
				(segment) => segment.startMs === provisional.startMs && segment.endMs === provisional.endMs,
			),
			`${provisional.startMs}..${provisional.endMs} never closed as offered`,
		);
	}
	assert.equal(
		new SpeechSegmenter(model, paraformerFrontend, {}).takeProvisional(),
		null,
		'none without provisionalAfterMs',
	);
});
