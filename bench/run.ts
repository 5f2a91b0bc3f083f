import { execFileSync } from 'node:child_process';
import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	statSync,
	writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isEngineError } from '../engine/errors.js';
import { hasFastSignedInt8 } from '../engine/onnx/signed-int8-weights.js';
import { writeCharts } from './chart.js';
import { ContenderProcess, describeSpec, runOnce, type Context } from './contender-process.js';
import type { ContenderSpec, Layout, PassResult, Precision } from './contender-protocol.js';
import type { FlopCount } from './contenders/flops.js';
import type { Int8WeightsFigures } from './contenders/int8-weights.js';
import type { MemoryFigures } from './contenders/memory.js';
import { prepareCorpus, segmentSeconds, type CorpusSegment } from './corpus.js';
import { estimateStreams, measureLive } from './live-series.js';
import { measureMainCapacity } from './main-capacity.js';
import { renderMainCapacity } from './main-capacity-report.js';
import { describeLayout, sameLayout } from './results.js';
import { cpuAccount, describeMachine, othersLoad } from './machine.js';
import { parseOptions, type BenchOptions } from './options.js';
import { PYTHON, REPO_ROOT } from './paths.js';
import { readRecords } from './records.js';
import { renderMarkdown, renderSummary } from './report.js';
import type { BenchResults, LiveSeries, ModelGroup, Peak, StageRow } from './results.js';
import {
	agreement,
	measureSideBySide,
	rtfSeries,
	runOnlySeries,
	threadSeries,
} from './side-by-side.js';
import { measureSenseVoice } from './sensevoice.js';
import { renderSenseVoice, type SenseVoiceRun } from './sensevoice-report.js';
import { ensureStandIn } from './stand-in.js';
import { median } from './stats.js';

const GEMM_INNER = 512;
const GEMM_OUTER = 2048;
/** Feed-forward pairs per peak run: enough that onnxruntime's cost per run is small beside them. */
const GEMM_PAIRS = 4;
/** The VAD's chunks: live audio (100 ms), and a backlog as VadFeed sends it (2 s). */
const LIVE_CHUNK_SAMPLES = 1600;
const BACKLOG_CHUNK_SAMPLES = 32_000;
/** One thread; two threads on one recognition at a time; two recognitions at a time on a thread each. */
const LAYOUTS: readonly Layout[] = [
	{ threads: 1, recognizers: 1 },
	{ threads: 2, recognizers: 1 },
	{ threads: 1, recognizers: 2 },
];

async function main(): Promise<void> {
	const options = parseOptions(process.argv.slice(2));
	if (options.reportOnly) {
		writeReport(
			JSON.parse(readFileSync(join(options.outDir, 'results.json'), 'utf8')) as BenchResults,
			options,
		);
		return;
	}
	const started = performance.now();
	const log = (line: string) =>
		console.error(
			`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`,
		);
	const machine = describeMachine();
	const standIn = ensureStandIn(log);
	if (standIn.generatedNow) log(`stand-in generated in ${standIn.generatedSeconds!.toFixed(0)} s`);
	const measuring = performance.now();
	const quantized = existsSync(join(standIn.dir, 'model_quant.onnx'));
	const precisions: Precision[] = quantized ? ['fp32', 'int8'] : ['fp32'];
	if (!quantized) log('no model_quant.onnx in the stand-in: int8 is not measured');

	const corpus = prepareCorpus();
	const context: Context = { asrDir: standIn.dir, corpus, segments: [], texts: [] };
	// The main's CPU with recognition local is measured as the best live capacity: int8 when there is one.
	const mainPrecision = precisions.at(-1)!;
	if (options.only === 'remote') {
		const capacity = await measureMainCapacity(mainPrecision, context, options, log);
		mkdirSync(options.outDir, { recursive: true });
		const path = join(options.outDir, 'main-capacity.json');
		writeFileSync(path, `${JSON.stringify({ machine, mainCapacity: capacity }, null, '\t')}\n`);
		console.log(renderMainCapacity(capacity).join('\n'));
		console.error(`wrote ${path} (BENCHMARKS.md is written by a full run)`);
		return;
	}
	const segments = (await runOnce({ kind: 'segments' }, context)).data as CorpusSegment[];
	context.segments = segments;
	log(
		`corpus: ${corpus.length} files, ${sumSeconds(corpus).toFixed(1)} s, ${segments.length} VAD segments (${segmentSeconds(segments).toFixed(1)} s of speech)`,
	);
	// Quick runs measure SenseVoice on one thread only; full runs on every layout.
	const senseVoiceLayouts = options.quick ? LAYOUTS.slice(0, 1) : LAYOUTS;
	if (options.only === 'sensevoice') {
		const before = cpuAccount();
		const comparison = await measureSenseVoice(
			context,
			precisions,
			senseVoiceLayouts,
			options,
			log,
		);
		const run: SenseVoiceRun = {
			machine,
			rounds: options.rounds,
			quick: options.quick,
			othersLoad: othersLoad(before, cpuAccount()),
			streamSeconds: sumSeconds(corpus),
			corpusFiles: corpus.length,
			speechSeconds: segmentSeconds(segments),
			segments: segments.length,
			alone: true,
		};
		mkdirSync(options.outDir, { recursive: true });
		writeFileSync(
			join(options.outDir, 'sensevoice.json'),
			`${JSON.stringify({ run, comparison }, null, '\t')}\n`,
		);
		const section = `${renderSenseVoice(comparison, run).join('\n')}\n`;
		writeFileSync(join(options.outDir, 'SENSEVOICE.md'), section);
		console.log(section);
		return;
	}

	const accountBefore = cpuAccount();
	const groups: (ModelGroup & { texts: string[] })[] = [];
	for (const precision of precisions) {
		for (const layout of LAYOUTS) {
			groups.push(await measureModelGroup(precision, layout, context, options, log));
			if (context.texts.length === 0) context.texts = groups[0].texts;
		}
	}
	const stages = await measureStages(precisions, context, options, log);
	const sensevoice = await measureSenseVoice(context, precisions, senseVoiceLayouts, options, log);
	const flops: BenchResults['flops'] = {};
	for (const precision of precisions) {
		log(`counting the model's operations (${precision}, profiled run)`);
		flops[precision] = (await runOnce({ kind: 'flops', precision }, context)).data as FlopCount;
	}
	const peaks = await measurePeaks(precisions, segments, context, log);
	const int8Weights =
		quantized && !hasFastSignedInt8() ? await measureInt8Weights(context, log) : undefined;
	const memory: BenchResults['memory'] = {};
	for (const precision of precisions) {
		log(`memory (${precision}): model loaded, then ${options.memoryStreams} more streams`);
		memory[precision] = (
			await runOnce(
				{ kind: 'memory', precision, threads: 2, streams: options.memoryStreams },
				context,
			)
		).data as MemoryFigures;
	}
	const accountAfter = cpuAccount();
	const live: LiveSeries[] = [];
	for (const precision of precisions) {
		for (const layout of LAYOUTS.filter(({ threads, recognizers }) => threads * recognizers === 2))
			live.push(
				await measureLive(
					precision,
					layout,
					estimateStreams(
						median(
							groups.find((group) => group.precision === precision && sameLayout(group, layout))!
								.pipeline.wall,
						),
					),
					context,
					options,
					log,
				),
			);
	}
	const mainCapacity = await measureMainCapacity(mainPrecision, context, options, log);

	const results: BenchResults = {
		quick: options.quick,
		rounds: options.rounds,
		machine,
		standIn: {
			dir: standIn.dir,
			generatedSeconds: standIn.generatedSeconds,
			generatedNow: standIn.generatedNow,
			modelMegabytes: megabytes(join(standIn.dir, 'model.onnx')),
			quantizedMegabytes: quantized ? megabytes(join(standIn.dir, 'model_quant.onnx')) : null,
			analyticFlopsPerSecond: analyticFlops(),
		},
		corpus: {
			files: corpus.map(({ name, seconds }) => ({ name, seconds })),
			seconds: sumSeconds(corpus),
			segments: segments.length,
			speechSeconds: segmentSeconds(segments),
			segmentSeconds: segments.map((segment) => (segment.endMs - segment.startMs) / 1000),
		},
		stages,
		groups: groups.map(({ texts: _texts, ...group }) => group),
		sensevoice,
		flops,
		peaks,
		int8Weights,
		memory,
		live,
		mainCapacity,
		othersLoad: othersLoad(accountBefore, accountAfter),
		durationSeconds: (performance.now() - measuring) / 1000,
	};
	mkdirSync(options.outDir, { recursive: true });
	writeFileSync(join(options.outDir, 'results.json'), `${JSON.stringify(results, null, '\t')}\n`);
	writeReport(results, options);
}

function writeReport(results: BenchResults, options: BenchOptions): void {
	writeCharts(results, options.outDir);
	writeFileSync(options.markdownPath, renderMarkdown(results, options, readRecords()));
	console.log(renderSummary(results));
	console.error(
		`wrote ${options.markdownPath} and the charts in ${options.outDir} (data: ${join(options.outDir, 'results.json')})`,
	);
}

/** Paraformer alone, the whole pipeline and sherpa-onnx, loaded side by side and run in alternating rounds. */
async function measureModelGroup(
	precision: Precision,
	layout: Layout,
	context: Context,
	options: BenchOptions,
	log: (line: string) => void,
): Promise<ModelGroup & { texts: string[] }> {
	log(
		`${precision}, ${describeLayout(layout)}: loading Paraformer alone, the pipeline and sherpa-onnx`,
	);
	const { firstPasses, rounds, loadSeconds } = await measureSideBySide(
		(['model', 'pipeline', 'sherpa'] as const).map((kind) => ({
			spec: { kind, precision, ...layout },
			context,
		})),
		options.rounds,
		log,
	);
	const [model, pipeline, sherpa] = rounds as [PassResult[], PassResult[], PassResult[]];
	const modelTexts = firstPasses[0].texts ?? [];
	const streamSeconds = sumSeconds(context.corpus);
	return {
		precision,
		...layout,
		model: rtfSeries(model, streamSeconds),
		modelRunOnly: runOnlySeries(model, streamSeconds),
		pipeline: rtfSeries(pipeline, streamSeconds),
		pipelineThreads: threadSeries(pipeline, streamSeconds),
		sherpa: rtfSeries(sherpa, streamSeconds),
		pipelineAgreement: agreement(modelTexts, firstPasses[1].texts ?? []),
		sherpaAgreement: agreement(modelTexts, firstPasses[2].texts ?? []),
		loadSeconds: { model: loadSeconds[0], pipeline: loadSeconds[1], sherpa: loadSeconds[2] },
		texts: modelTexts,
	};
}

async function measureStages(
	precisions: Precision[],
	context: Context,
	options: BenchOptions,
	log: (line: string) => void,
): Promise<StageRow[]> {
	const rows: { spec: ContenderSpec; row: Omit<StageRow, 'rtf'> }[] = [
		{
			spec: { kind: 'frontend' },
			row: {
				stage: 'front end',
				precision: 'fp32',
				note: 'fbank + LFR 7/6 + CMVN of every segment',
			},
		},
		{
			spec: { kind: 'vad', chunkSamples: LIVE_CHUNK_SAMPLES },
			row: {
				stage: 'VAD',
				precision: 'fp32',
				note: 'real FSMN-VAD, whole files in 100 ms chunks, as live audio comes (per second of stream, not of speech)',
			},
		},
		{
			spec: { kind: 'vad', chunkSamples: BACKLOG_CHUNK_SAMPLES },
			row: {
				stage: 'VAD (backlog)',
				precision: 'fp32',
				note: 'the same in 2 s chunks, as VadFeed sends audio that waited (a file)',
			},
		},
		...precisions.map((precision) => ({
			spec: { kind: 'punctuation', precision } as ContenderSpec,
			row: {
				stage: 'punctuation' as const,
				precision,
				note: 'tiny random-weight CT-Transformer (vad_realtime) fixture: no real-size punctuation model here',
			},
		})),
	];
	log(`stages alone: ${rows.map(({ spec }) => describeSpec(spec)).join(', ')}`);
	const { rounds } = await measureSideBySide(
		rows.map(({ spec }) => ({ spec, context })),
		options.rounds,
		log,
	);
	return rows.map(({ row }, i) => ({
		...row,
		rtf: rtfSeries(rounds[i], sumSeconds(context.corpus)),
	}));
}

async function measurePeaks(
	precisions: Precision[],
	segments: CorpusSegment[],
	context: Context,
	log: (line: string) => void,
): Promise<Peak[]> {
	const modelDir = mkdtempSync(join(tmpdir(), 'rtmp-asr-peak-'));
	try {
		execFileSync(
			PYTHON,
			[
				join(REPO_ROOT, 'bench', 'peak_matmul.py'),
				modelDir,
				String(GEMM_INNER),
				String(GEMM_OUTER),
				String(GEMM_PAIRS),
			],
			{ stdio: ['ignore', 'ignore', 'inherit'] },
		);
		// The GEMM of a typical second of speech (the LFR rows, one per 60 ms, of the segment it lies in)
		// and of the longest segment: the model runs both, and small row counts fall short of the peak.
		const lengthsMs = segments.map((segment) => segment.endMs - segment.startMs);
		const rowCounts = [
			...new Set(
				[medianSecondOfSpeech(lengthsMs), Math.max(...lengthsMs)].map((ms) => Math.ceil(ms / 60)),
			),
		];
		const peaks: Peak[] = [];
		for (const precision of precisions) {
			for (const layout of LAYOUTS) {
				let best: Peak | null = null;
				for (const rows of rowCounts) {
					const spec: ContenderSpec = {
						kind: 'matmul',
						modelPath: join(modelDir, `matmul_${precision}.onnx`),
						threads: layout.threads,
						rows,
						inner: GEMM_INNER,
						outer: GEMM_OUTER,
						pairs: GEMM_PAIRS,
					};
					// Several recognizers: as many processes multiplying at once, their rates added.
					const results = await Promise.all(
						Array.from({ length: layout.recognizers }, () => runOnce(spec, context)),
					);
					const rates = results.map(
						(result) => result.data as { opsPerSecond: number; opsPerCpuSecond: number },
					);
					const opsPerSecond = rates.reduce((total, rate) => total + rate.opsPerSecond, 0);
					const opsPerCpuSecond =
						rates.reduce((total, rate) => total + rate.opsPerCpuSecond, 0) / rates.length;
					log(
						`peak ${precision} ${describeLayout(layout)} on ${GEMM_PAIRS} x [${rows},${GEMM_INNER}]x[${GEMM_INNER},${GEMM_OUTER}]x[${GEMM_OUTER},${GEMM_INNER}]: ${(opsPerSecond / 1e9).toFixed(1)} G op/s, ${(opsPerCpuSecond / 1e9).toFixed(1)} per CPU second`,
					);
					if (!best || opsPerCpuSecond > best.opsPerCpuSecond)
						best = {
							precision,
							...layout,
							rows,
							inner: GEMM_INNER,
							outer: GEMM_OUTER,
							pairs: GEMM_PAIRS,
							opsPerSecond,
							opsPerCpuSecond,
						};
				}
				peaks.push(best!);
			}
		}
		return peaks;
	} finally {
		rmSync(modelDir, { recursive: true, force: true });
	}
}

/** Without VNNI: FunASR's uint8 weights against the same shifted to int8 (what the engine does with VNNI), after a warm-up pass. */
async function measureInt8Weights(
	context: Context,
	log: (line: string) => void,
): Promise<Int8WeightsFigures> {
	log("int8 without VNNI: FunASR's uint8 weights against the same shifted to int8, one thread");
	const contender = await ContenderProcess.start({ kind: 'int8-weights' }, context);
	try {
		await contender.pass();
		const figures = (await contender.pass()).data as Int8WeightsFigures;
		log(
			`  int8 weights ${(figures.uint8RunMs / figures.int8RunMs).toFixed(2)}x as fast, ${figures.identicalSegments}/${figures.segments} segments with the same tokens`,
		);
		return figures;
	} finally {
		await contender.stop();
	}
}

/** One stream for latency, then a search for the most streams one process keeps up with. */

/** The generator's own estimate from the architecture (10 s utterances), to check the profile's count. */
function analyticFlops(): number | null {
	try {
		const script =
			'import sys; sys.path.insert(0, "tools/stand-ins"); from paraformer import PARAFORMER_LARGE, flops_per_audio_second; print(flops_per_audio_second(PARAFORMER_LARGE))';
		return Number(
			execFileSync(PYTHON, ['-c', script], {
				cwd: REPO_ROOT,
				encoding: 'utf8',
				stdio: ['ignore', 'pipe', 'ignore'],
			}).trim(),
		);
	} catch {
		return null;
	}
}

/** The length of the segment that the median millisecond of speech belongs to. */
function medianSecondOfSpeech(lengthsMs: readonly number[]): number {
	const sorted = [...lengthsMs].sort((a, b) => a - b);
	const half = sorted.reduce((total, length) => total + length, 0) / 2;
	let covered = 0;
	for (const length of sorted) {
		covered += length;
		if (covered >= half) return length;
	}
	return sorted.at(-1) ?? 0;
}

function sumSeconds(files: readonly { seconds: number }[]): number {
	return files.reduce((total, file) => total + file.seconds, 0);
}

function megabytes(path: string): number {
	return statSync(path).size / 1e6;
}

main().catch((error: unknown) => {
	console.error(isEngineError(error) ? error.describe() : error);
	process.exit(1);
});
