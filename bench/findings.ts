import { hasSignedInt8Flags } from '../engine/onnx/signed-int8-weights.js';
import { judgeLive, sustainedStreams } from './live-search.js';
import {
	describeLayout,
	sameLayout,
	type BenchResults,
	type LiveSeries,
	type ModelGroup,
} from './results.js';
import type { Layout } from './contender-protocol.js';
import { PAUSE_SECONDS, type LiveTrial } from './contenders/live.js';
import type { SoakRecord } from './soak-verdict.js';
import { median, quantile } from './stats.js';
import { VAD_DIR } from './paths.js';
import { THREAD_ROLES, type ThreadRole } from './thread-cpu.js';
import { fsmnVadOpsPerAudioSecond } from './vad-arithmetic.js';

/** A "5 s sentence": segments of this many seconds of speech. */
export const SENTENCE_SECONDS: readonly [number, number] = [3.5, 6.5];

export type Verdict = 'met' | 'partly met' | 'not met' | 'not measured' | 'does not apply';

export interface Target {
	name: string;
	goal: string;
	measured: string;
	verdict: Verdict;
}

/** A share as "12.3 %"; "not read" where the results lack it. */
export function percent(share: number | null): string {
	return share === null ? 'not read' : `${(share * 100).toFixed(1)} %`;
}

/** 'met' when every configuration meets the goal, 'partly met' when some do. */
function verdictOf(results: readonly boolean[]): Verdict {
	if (results.length === 0) return 'not measured';
	if (results.every(Boolean)) return 'met';
	return results.some(Boolean) ? 'partly met' : 'not met';
}

export interface GroupFigures {
	group: ModelGroup;
	/** Medians, wall-clock RTF per stream second. */
	model: number;
	runOnly: number;
	pipeline: number;
	sherpa: number;
	pipelineCpu: number;
	sherpaCpu: number;
	/** sherpa-onnx time / pipeline time. */
	speedup: number;
	speedupCpu: number;
	/** Pipeline time beyond the Paraformer runs, as a share of those runs. */
	overhead: number;
	/** CPU time of the pipeline's process beyond that of Paraformer alone (run, tensors, argmax), as a share of it: the VAD's thread counted. */
	overheadCpu: number;
	/**
	 * CPU time of the pipeline's threads other than the recognizers' (the VAD worker's fbank, FSMN-VAD
	 * and punctuation, the main thread, V8's), as a share of Paraformer alone's: all of it is around
	 * the run, and it is measured directly, not as a difference of two totals. Null for results
	 * without the threads.
	 */
	offRecognizersCpu: number | null;
	/** Median CPU per audio second of each thread role of the pipeline. */
	threadCpu: Record<ThreadRole, number> | null;
}

export function groupFigures(group: ModelGroup): GroupFigures {
	const pipeline = median(group.pipeline.wall);
	const sherpa = median(group.sherpa.wall);
	const runOnly = median(group.modelRunOnly);
	const pipelineCpu = median(group.pipeline.cpu);
	const sherpaCpu = median(group.sherpa.cpu);
	const modelCpu = median(group.model.cpu);
	const threads = group.pipelineThreads;
	return {
		group,
		model: median(group.model.wall),
		runOnly,
		pipeline,
		sherpa,
		pipelineCpu,
		sherpaCpu,
		speedup: sherpa / pipeline,
		speedupCpu: sherpaCpu / pipelineCpu,
		overhead: pipeline / runOnly - 1,
		overheadCpu: pipelineCpu / modelCpu - 1,
		offRecognizersCpu: threads
			? median(
					threads.recognizers.map(
						(_, round) => threads['vad worker'][round] + threads.main[round] + threads.other[round],
					),
				) / modelCpu
			: null,
		threadCpu: threads
			? (Object.fromEntries(THREAD_ROLES.map((role) => [role, median(threads[role])])) as Record<
					ThreadRole,
					number
				>)
			: null,
	};
}

/** Under 5 %: the difference of totals, and the part measured directly, which past 5 % fails the goal whatever the noisy difference says. */
export function aroundMeetsGoal(f: GroupFigures): boolean {
	return f.overheadCpu < 0.05 && (f.offRecognizersCpu ?? 0) < 0.05;
}

/**
 * What the around share cannot go under on this CPU: FunASR's fp32 FSMN-VAD alone, its arithmetic
 * at the fp32 GEMM peak measured on one core, as a share of int8 Paraformer alone's CPU.
 */
function aroundFloor(results: BenchResults, figures: readonly GroupFigures[]): string {
	const peak = results.peaks.find(
		(p) => p.precision === 'fp32' && p.threads === 1 && p.recognizers === 1,
	);
	const int8 = figures.filter((f) => f.group.precision === 'int8');
	if (!peak || int8.length === 0) return '';
	const vadOps = fsmnVadOpsPerAudioSecond(VAD_DIR);
	const vadCpu = vadOps / peak.opsPerCpuSecond;
	return `; a floor on this CPU: FunASR's fp32 FSMN-VAD alone, ${(vadOps / 1e6).toFixed(1)} M ops per second of audio at the fp32 peak measured on one core (${(peak.opsPerCpuSecond / 1e9).toFixed(0)} G ops per CPU second), would be ${int8.map((f) => `${describeLayout(f.group)} ${percent(vadCpu / median(f.group.model.cpu))}`).join(', ')} of int8 Paraformer alone`;
}

/**
 * The around share without FunASR's FSMN-VAD, per int8 layout: the threads off the recognizers less
 * the VAD stage measured alone in the same run (fbank and FSMN-VAD in a file's 2 s chunks, as the
 * pipeline sends it), each a share of int8 Paraformer alone's CPU: what the rest of the engine adds.
 */
export function aroundBesidesVad(
	results: Pick<BenchResults, 'stages'>,
	figures: readonly GroupFigures[],
): { layout: string; vad: number; rest: number }[] {
	const vad = results.stages.find((row) => row.stage === 'VAD (backlog)');
	if (!vad) return [];
	return figures.flatMap((f) => {
		if (f.group.precision !== 'int8' || f.offRecognizersCpu === null) return [];
		const vadShare = median(vad.rtf.cpu) / median(f.group.model.cpu);
		return [
			{ layout: describeLayout(f.group), vad: vadShare, rest: f.offRecognizersCpu - vadShare },
		];
	});
}

function describeAroundBesidesVad(results: BenchResults, figures: readonly GroupFigures[]): string {
	const shares = aroundBesidesVad(results, figures);
	if (shares.length === 0) return '';
	return `; besides the FSMN-VAD stage (its fbank and runs in 2 s chunks, measured alone in this run: ${shares.map((f) => `${f.layout} ${percent(f.vad)}`).join(', ')}), the rest of the engine: ${shares.map((f) => `${f.layout} ${percent(f.rest)}`).join(', ')}`;
}

/** Latencies (ms) of the single-stream live trial: all sentences, and those of about 5 s. */
export function singleStreamLatency(
	results: BenchResults,
	precision: 'fp32' | 'int8',
	layout: Layout,
) {
	const trial = results.live
		.find((series) => series.precision === precision && sameLayout(series, layout))
		?.trials.find((candidate) => candidate.streams === 1);
	if (!trial) return null;
	return {
		all: trial.samples.map((sample) => sample.latencyMs),
		fiveSeconds: fiveSecondLatencies(trial),
		verdict: judgeLive(trial),
	};
}

/** Latencies (ms) of a trial's sentences of about 5 s. */
export function fiveSecondLatencies(trial: LiveTrial): number[] {
	return trial.samples
		.filter(
			(sample) => sample.seconds >= SENTENCE_SECONDS[0] && sample.seconds <= SENTENCE_SECONDS[1],
		)
		.map((sample) => sample.latencyMs);
}

export function targets(results: BenchResults): Target[] {
	const figures = results.groups.map(groupFigures);
	const list: Target[] = [];
	const describe = (f: GroupFigures) => `${f.group.precision} ${describeLayout(f.group)}`;
	list.push({
		name: 'whole pipeline vs sherpa-onnx',
		goal: '≥ 1.15× faster (wall clock), same model and segments',
		measured: `${figures.map((f) => `${describe(f)}: ${f.speedup.toFixed(2)}× (CPU ${f.speedupCpu.toFixed(2)}×)`).join('; ')}`,
		verdict: verdictOf(figures.map((f) => f.speedup >= 1.15)),
	});
	const directAround = figures.some((f) => f.offRecognizersCpu !== null)
		? '; of it, measured directly on the threads other than the recognizer threads (VAD worker: fbank, FSMN-VAD, punctuation; main; V8): ' +
			figures.map((f) => `${describe(f)} ${percent(f.offRecognizersCpu)}`).join(', ')
		: '';
	list.push({
		name: 'everything around the Paraformer run',
		goal: "< 5 % of the Paraformer run's CPU in int8",
		measured: `CPU (every thread, the VAD's included): ${figures.map((f) => `${describe(f)} ${(f.overheadCpu * 100).toFixed(1)} %`).join(', ')}${directAround}${aroundFloor(results, figures)}${describeAroundBesidesVad(results, figures)}; wall clock (the pipeline's time to the last sentence): ${figures.map((f) => `${describe(f)} ${(f.overhead * 100).toFixed(1)} %`).join(', ')}`,
		verdict: verdictOf(figures.filter((f) => f.group.precision === 'int8').map(aroundMeetsGoal)),
	});
	const bounds = results.live
		.map((series) => ({ series, bound: throughputBound(results, series) }))
		.filter((entry) => entry.bound !== null);
	list.push({
		name: 'live streams sustained by one process',
		goal: '≥ 70 % of the throughput bound (cores ÷ CPU per stream-second, readers included)',
		measured:
			bounds
				.map(
					({ series, bound }) =>
						`${series.precision} ${describeLayout(series)}: ${sustainedStreams(series.trials)} of ${bound!.streams.toFixed(1)} (${((sustainedStreams(series.trials) / bound!.streams) * 100).toFixed(0)} %)`,
				)
				.join('; ') || 'not measured (no RTMP trials)',
		verdict: verdictOf(
			bounds.map(({ series, bound }) => sustainedStreams(series.trials) >= 0.7 * bound!.streams),
		),
	});
	const latencies = results.live
		.map((series) => ({
			label: `${series.precision} ${describeLayout(series)}`,
			latency: singleStreamLatency(results, series.precision, series),
		}))
		.filter((entry) => entry.latency !== null);
	list.push({
		name: '5 s sentence after its VAD end',
		goal: '≤ 150 ms (p95, two threads, one live stream)',
		measured:
			latencies
				.map(({ label, latency }) =>
					latency!.fiveSeconds.length > 0
						? `${label}: p95 ${quantile(latency!.fiveSeconds, 0.95).toFixed(0)} ms, p50 ${quantile(latency!.fiveSeconds, 0.5).toFixed(0)} ms over ${latency!.fiveSeconds.length} sentences of ${SENTENCE_SECONDS[0]}–${SENTENCE_SECONDS[1]} s`
						: `${label}: no ${SENTENCE_SECONDS[0]}–${SENTENCE_SECONDS[1]} s sentence`,
				)
				.join('; ') || 'not measured',
		verdict: verdictOf(
			latencies
				.filter(({ latency }) => latency!.fiveSeconds.length > 0)
				.map(({ latency }) => quantile(latency!.fiveSeconds, 0.95) <= 150),
		),
	});
	const int8 = figures
		.filter((f) => f.group.precision === 'fp32')
		.map((fp32) => {
			const quantized = figures.find(
				(f) => f.group.precision === 'int8' && sameLayout(f.group, fp32.group),
			);
			return quantized
				? { layout: describeLayout(fp32.group), speedup: fp32.runOnly / quantized.runOnly }
				: null;
		})
		.filter((entry) => entry !== null);
	// Without VNNI, onnxruntime's int8 MatMuls have no fast dot product: the goal is VNNI's.
	const vnni = hasSignedInt8Flags(results.machine.simd);
	list.push({
		name: 'int8 vs fp32 (Paraformer run)',
		goal: '≥ 1.8× faster on CPUs with VNNI',
		measured:
			int8.length > 0
				? `${int8.map((entry) => `${entry.layout}: ${entry.speedup.toFixed(2)}×`).join('; ')}${vnni ? '' : ' (no VNNI)'}`
				: 'no model_quant.onnx',
		verdict: vnni ? verdictOf(int8.map((entry) => entry.speedup >= 1.8)) : 'does not apply',
	});
	return list;
}

/** The soak's goal: two hours, eight live streams, publishers killed at random. */
const SOAK_GOAL = { minutes: 120, streams: 8 };

/** The recorded soak (bench/results/soak.json), judged: it runs apart from the benchmark, for hours. */
export function soakTarget(soak: SoakRecord | null): Target {
	const goal = `≥ ${SOAK_GOAL.minutes / 60} h, ≥ ${SOAK_GOAL.streams} live streams, publishers killed at random: memory, heaps, handles and threads flat; one reader per stream, none left`;
	if (!soak)
		return {
			name: 'soak',
			goal,
			measured: 'no bench/results/soak.json',
			verdict: 'not measured',
		};
	const { report, machine } = soak;
	const longEnough = report.minutes >= SOAK_GOAL.minutes && report.streams >= SOAK_GOAL.streams;
	return {
		name: 'soak',
		goal,
		measured: `${report.minutes} min, ${report.streams} streams, ${report.kills} kills (at ${machine.gitCommit}, ${machine.cpuModel}): ${report.flat ? 'flat' : 'NOT flat'}, ${report.clean ? 'clean' : 'NOT clean'}; RSS ${report.rssMb.first} → ${report.rssMb.second} MB by halves, main heap ${report.dataHeapMb.first} → ${report.dataHeapMb.second} MB, handles ${report.handles.first} → ${report.handles.second} (Soak below)`,
		verdict: longEnough && report.flat && report.clean ? 'met' : 'not met',
	};
}

/**
 * The most streams the machine's cores could carry if CPU alone limited them: the cores ÷ the CPU
 * per stream-second, readers included. The pipeline's CPU (whole corpus, one stream, same precision
 * and layout) is spread over the live stream's length, the corpus with a pause after each file;
 * the reader's is the live trials' mean per stream.
 */
export function throughputBound(
	results: BenchResults,
	series: LiveSeries,
): { streams: number; perStreamSecond: number; pipeline: number; reader: number } | null {
	const group = results.groups.find(
		(candidate) => candidate.precision === series.precision && sameLayout(candidate, series),
	);
	if (!group) return null;
	return liveBound(
		median(group.pipeline.cpu),
		results.corpus.seconds,
		results.corpus.files.length,
		results.machine.cores,
		series,
	);
}

/**
 * Streams the cores could carry at most: the pipeline's CPU per second of corpus (measured on the
 * corpus as a file), spread over the live stream's length (the corpus plus a pause after each
 * file), plus the ffmpeg reader's CPU per stream measured in the live trials.
 */
export function liveBound(
	pipelineCpuRtf: number,
	corpusSeconds: number,
	corpusFiles: number,
	cores: number,
	series: LiveSeries,
): { streams: number; perStreamSecond: number; pipeline: number; reader: number } | null {
	const measured = series.trials.filter((trial) => trial.cpu);
	if (measured.length === 0) return null;
	const pipeline = (pipelineCpuRtf * corpusSeconds) / (corpusSeconds + corpusFiles * PAUSE_SECONDS);
	const reader =
		measured.reduce((sum, trial) => sum + trial.cpu!.readers / trial.streams, 0) / measured.length;
	const perStreamSecond = pipeline + reader;
	return { streams: cores / perStreamSecond, perStreamSecond, pipeline, reader };
}
