import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RecognizerFamily } from '../engine/asr/recognizer-family.js';
import type { Context } from './contender-process.js';
import type { ContenderSpec, Layout, PassResult, Precision } from './contender-protocol.js';
import { estimateStreams, measureLive } from './live-series.js';
import type { BenchOptions } from './options.js';
import {
	describeLayout,
	sameLayout,
	type FamilyFigures,
	type LiveSeries,
	type SenseVoiceComparison,
	type SenseVoiceGroup,
} from './results.js';
import {
	agreement,
	measureSideBySide,
	rtfSeries,
	runOnlySeries,
	type Entry,
} from './side-by-side.js';
import { ensureStandIn, SENSEVOICE_SMALL } from './stand-in.js';
import { median } from './stats.js';

/** The live searches' layout: two recognitions at a time on a thread each, as the node runs on two cores. */
const LIVE_LAYOUT: Layout = { threads: 1, recognizers: 2 };

const FAMILIES: readonly RecognizerFamily[] = ['paraformer', 'sensevoice'];

/**
 * SenseVoiceSmall's cost beside Paraformer-large's on the same corpus and VAD segments: each
 * front end, each recognizer alone and each whole pipeline, and sherpa-onnx's SenseVoice, all loaded
 * at once per precision and layout and timed in alternating rounds (ratios hold on a loaded machine).
 */
export async function measureSenseVoice(
	paraformer: Context,
	precisions: readonly Precision[],
	layouts: readonly Layout[],
	options: BenchOptions,
	log: (line: string) => void,
): Promise<SenseVoiceComparison> {
	const { rounds } = options;
	const standIn = ensureStandIn(log, SENSEVOICE_SMALL);
	const contexts: Record<RecognizerFamily, Context> = {
		paraformer,
		sensevoice: { ...paraformer, asrDir: standIn.dir, texts: [] },
	};
	const streamSeconds = paraformer.corpus.reduce((total, file) => total + file.seconds, 0);
	log('front ends of Paraformer and SenseVoice');
	const frontends = await measureSideBySide(
		FAMILIES.map((family) => ({ spec: { kind: 'frontend' }, context: contexts[family] })),
		rounds,
		log,
	);
	const groups: SenseVoiceGroup[] = [];
	for (const precision of precisions) {
		for (const layout of layouts) {
			log(
				`${precision}, ${describeLayout(layout)}: Paraformer and SenseVoice, alone and in the pipeline; sherpa-onnx's SenseVoice`,
			);
			const entries: Entry[] = [];
			for (const family of FAMILIES)
				for (const kind of ['model', 'pipeline'] as const)
					entries.push({ spec: { kind, precision, family, ...layout }, context: contexts[family] });
			const sherpaSpec: ContenderSpec = {
				kind: 'sherpa',
				precision,
				family: 'sensevoice',
				...layout,
			};
			entries.push({ spec: sherpaSpec, context: contexts.sensevoice });
			const measured = await measureSideBySide(entries, rounds, log);
			const figures = (i: number): FamilyFigures => ({
				model: rtfSeries(measured.rounds[i], streamSeconds),
				modelRunOnly: runOnlySeries(measured.rounds[i], streamSeconds),
				pipeline: rtfSeries(measured.rounds[i + 1], streamSeconds),
				loadSeconds: { model: measured.loadSeconds[i], pipeline: measured.loadSeconds[i + 1] },
			});
			const texts = (i: number) => (measured.firstPasses[i] as PassResult).texts ?? [];
			groups.push({
				precision,
				...layout,
				paraformer: figures(0),
				sensevoice: figures(2),
				sherpa: rtfSeries(measured.rounds[4], streamSeconds),
				sherpaLoadSeconds: measured.loadSeconds[4],
				pipelineAgreement: agreement(texts(2), texts(3)),
				sherpaAgreement: agreement(texts(2), texts(4), (ours, sherpa) => ours.endsWith(sherpa)),
			});
		}
	}
	const live = await measureLiveSideBySide(groups, contexts, precisions.at(-1)!, options, log);
	const megabytes = (file: string) => {
		const path = join(standIn.dir, file);
		return existsSync(path) ? statSync(path).size / 1e6 : Number.NaN;
	};
	return {
		standIn: {
			dir: standIn.dir,
			generatedSeconds: standIn.generatedSeconds,
			megabytes: {
				model: megabytes('model.onnx'),
				quantized: megabytes('model_quant.onnx'),
				sherpa: megabytes('sherpa-onnx/model.onnx'),
				sherpaInt8: megabytes('sherpa-onnx/model.int8.onnx'),
			},
		},
		frontend: {
			paraformer: rtfSeries(frontends.rounds[0], streamSeconds),
			sensevoice: rtfSeries(frontends.rounds[1], streamSeconds),
		},
		groups,
		live,
	};
}

/**
 * Each family's live search on the same RTMP streams, Paraformer then SenseVoice, starting from the
 * estimate its pipeline's measured speed gives (one thread's, halved, when the two-core layout was
 * not measured).
 */
async function measureLiveSideBySide(
	groups: readonly SenseVoiceGroup[],
	contexts: Record<RecognizerFamily, Context>,
	precision: Precision,
	options: BenchOptions,
	log: (line: string) => void,
): Promise<Record<RecognizerFamily, LiveSeries>> {
	const estimate = (family: RecognizerFamily) => {
		const same = groups.find((g) => g.precision === precision && sameLayout(g, LIVE_LAYOUT));
		const single = groups.find((g) => g.precision === precision && g.threads * g.recognizers === 1);
		const wall = same
			? median(same[family].pipeline.wall)
			: median(single![family].pipeline.wall) / 2;
		return estimateStreams(wall);
	};
	const live = {} as Record<RecognizerFamily, LiveSeries>;
	for (const family of FAMILIES)
		live[family] = await measureLive(
			precision,
			LIVE_LAYOUT,
			estimate(family),
			contexts[family],
			options,
			log,
			family,
		);
	return live;
}
