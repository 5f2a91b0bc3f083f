import type { RecognizerFamily } from '../engine/asr/recognizer-family.js';
import { hasSignedInt8Flags } from '../engine/onnx/signed-int8-weights.js';
import { liveBound } from './findings.js';
import { judgeLive, sustainedStreams } from './live-search.js';
import type { Machine } from './machine.js';
import {
	describeLayout,
	sameLayout,
	type LiveSeries,
	type Rtf,
	type SenseVoiceComparison,
	type SenseVoiceGroup,
} from './results.js';
import { median } from './stats.js';

const fixed = (value: number, digits = 4) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const wallCpu = (rtf: Rtf) => `${fixed(median(rtf.wall))} (${fixed(median(rtf.cpu))})`;
const ratio = (a: number, b: number) => `${fixed(a / b, 2)}×`;

/** How the comparison was run: a run of its own (`--only sensevoice`) or part of the whole benchmark. */
export interface SenseVoiceRun {
	machine: Machine;
	rounds: number;
	quick: boolean;
	/** Core-seconds per second that other processes used meanwhile. */
	othersLoad: number;
	streamSeconds: number;
	/** Files in the corpus: a live stream pauses after each. */
	corpusFiles: number;
	speechSeconds: number;
	segments: number;
	/** Whether the comparison ran on its own; its heading then says how. */
	alone: boolean;
}

/** Streams whose pipelines' CPU time fills the machine's cores: a bound, not a live measurement. */
function cpuBoundStreams(cores: number, cpuPerStreamSecond: number): number {
	return Math.floor(cores / cpuPerStreamSecond);
}

/** The SenseVoice section of BENCHMARKS.md. */
export function renderSenseVoice(comparison: SenseVoiceComparison, run: SenseVoiceRun): string[] {
	const { groups, standIn, frontend } = comparison;
	const { machine } = run;
	const lines: string[] = [];
	const add = (...more: string[]) => lines.push(...more);
	const columns = groups.map((group) => `${group.precision}, ${describeLayout(group)}`);
	const row = (name: string, cell: (group: SenseVoiceGroup) => string) =>
		add(`| ${name} | ${groups.map(cell).join(' | ')} |`);
	const m = (rtf: Rtf) => median(rtf.wall);
	const c = (rtf: Rtf) => median(rtf.cpu);
	/** The largest max ÷ min − 1 over rounds of any contender's series. */
	const spread = (series: (rtf: Rtf) => number[]) =>
		Math.max(
			...groups.flatMap((g) =>
				[
					g.paraformer.model,
					g.paraformer.pipeline,
					g.sensevoice.model,
					g.sensevoice.pipeline,
					g.sherpa,
				]
					.map(series)
					.map((values) => Math.max(...values) / Math.min(...values) - 1),
			),
		);

	add('## SenseVoiceSmall beside Paraformer-large', '');
	if (run.alone)
		add(
			`Written by \`npm run bench -- ${run.quick ? '--quick ' : ''}--only sensevoice --rounds ${run.rounds}\` on ${machine.date.slice(0, 10)} at commit ${machine.gitCommit}: ${machine.cpuModel}, ${machine.cores} cores (${machine.simd.join(', ')}); other processes kept **${run.othersLoad.toFixed(2)} cores** busy on average meanwhile, so absolute figures are this loaded machine's, not its capacity. Every contender was loaded at once and timed in alternating rounds: between rounds its CPU time varied by at most ${(spread((rtf) => rtf.cpu) * 100).toFixed(0)} %, its wall time by up to ${(spread((rtf) => rtf.wall) * 100).toFixed(0)} %, so read the CPU ratios. ${run.rounds} timed round(s) after an untimed warm-up, medians.`,
			'',
		);
	add(
		`- **SenseVoice**: a random-weight stand-in with SenseVoiceSmall's architecture and FunASR's ONNX interface (tools/stand-ins/generate.py --large-sensevoice: SAN-M encoder 50 + 20 tp blocks, d 512, vocabulary 25 055; 234.0 M parameters): model.onnx ${fixed(standIn.megabytes.model, 0)} MB, model_quant.onnx ${fixed(standIn.megabytes.quantized, 0)} MB; sherpa-onnx's re-export of the same weights (its input names and metadata) ${fixed(standIn.megabytes.sherpa, 0)} MB, model.int8.onnx ${fixed(standIn.megabytes.sherpaInt8, 0)} MB. Both int8 files are the generator's dynamic uint8 MatMul weights per column, as FunASR's export quantises (onnxruntime quantize_dynamic, MatMul, per channel, QUInt8); sherpa-onnx's own export uses QUInt8 per tensor. ${standIn.generatedSeconds === null ? '' : `Generated once in ${fixed(standIn.generatedSeconds / 60, 1)} min.`}`,
		`- **Paraformer**: the Paraformer-large-size stand-in of the sections above; **audio and segments**: the same corpus (${run.streamSeconds.toFixed(1)} s) and the same ${run.segments} FSMN-VAD segments (${run.speechSeconds.toFixed(1)} s of speech) for every contender.`,
		'- Pipelines as the node runs each family: Paraformer with the punctuation model (the tiny fixture), SenseVoice with ITN on and no punctuation model (it punctuates itself); language auto.',
		'',
	);
	add(
		"Compute seconds per second of stream, wall clock; CPU time of the contender's process (all threads) in parentheses.",
		'',
	);
	add(`| | ${columns.join(' | ')} |`, `| --- | ${columns.map(() => '---:').join(' | ')} |`);
	row(
		'front end (fbank + LFR + CMVN), JS, 1 thread: Paraformer / SenseVoice',
		() => `${fixed(m(frontend.paraformer))} / ${fixed(m(frontend.sensevoice))}`,
	);
	row(
		'onnxruntime run alone: Paraformer / SenseVoice',
		(g) =>
			`${fixed(median(g.paraformer.modelRunOnly))} / ${fixed(median(g.sensevoice.modelRunOnly))}`,
	);
	row('Paraformer alone (run + tensors + argmax)', (g) => wallCpu(g.paraformer.model));
	row('SenseVoice alone (run + tensors + CTC greedy)', (g) => wallCpu(g.sensevoice.model));
	row('**whole pipeline, Paraformer**', (g) => `**${wallCpu(g.paraformer.pipeline)}**`);
	row('**whole pipeline, SenseVoice**', (g) => `**${wallCpu(g.sensevoice.pipeline)}**`);
	row('**sherpa-onnx SenseVoice**, same weights and segments', (g) => `**${wallCpu(g.sherpa)}**`);
	row(
		'SenseVoice ÷ Paraformer, alone / pipeline: wall; CPU',
		(g) =>
			`${ratio(m(g.sensevoice.model), m(g.paraformer.model))} / ${ratio(m(g.sensevoice.pipeline), m(g.paraformer.pipeline))}; CPU ${ratio(c(g.sensevoice.model), c(g.paraformer.model))} / ${ratio(c(g.sensevoice.pipeline), c(g.paraformer.pipeline))}`,
	);
	row(
		'sherpa-onnx time ÷ SenseVoice: alone / pipeline',
		(g) =>
			`${ratio(m(g.sherpa), m(g.sensevoice.model))} / ${ratio(m(g.sherpa), m(g.sensevoice.pipeline))} (CPU ${ratio(c(g.sherpa), c(g.sensevoice.pipeline))})`,
	);
	row(
		'same text as SenseVoice alone: pipeline / sherpa-onnx (less the four tag places)',
		(g) =>
			`${(g.pipelineAgreement * 100).toFixed(0)} % / ${(g.sherpaAgreement * 100).toFixed(0)} %`,
	);
	row(
		'model load, s: SenseVoice alone / pipeline / sherpa-onnx',
		(g) =>
			`${g.sensevoice.loadSeconds.model.toFixed(1)} / ${g.sensevoice.loadSeconds.pipeline.toFixed(1)} / ${g.sherpaLoadSeconds.toFixed(1)}`,
	);
	row(
		`streams per box, CPU bound (${machine.cores} cores ÷ pipeline CPU per stream second): Paraformer / SenseVoice`,
		(g) =>
			`${cpuBoundStreams(machine.cores, c(g.paraformer.pipeline))} / ${cpuBoundStreams(machine.cores, c(g.sensevoice.pipeline))}`,
	);
	add('');
	const cpuRatios = (pick: (g: SenseVoiceGroup) => [Rtf, Rtf]) =>
		groups.map((g) => `${g.precision} ${ratio(c(pick(g)[0]), c(pick(g)[1]))}`).join(', ');
	add(
		`- **SenseVoiceSmall costs more CPU than Paraformer-large per second of audio**, not less: alone ${cpuRatios((g) => [g.sensevoice.model, g.paraformer.model])}, whole pipeline ${cpuRatios((g) => [g.sensevoice.pipeline, g.paraformer.pipeline])} (CPU time, the figure least moved by other load). Its encoder has 70 SAN-M blocks (50 + 20 tp) against Paraformer-large's 50 and a 16-block decoder that runs on ~4 tokens per second, and its CTC output is 25 055 wide: counted like the generator's estimate (10 s utterances), 8.4 against 6.25 GFLOP per second of speech, 1.34×. Its claimed speed is against autoregressive models (Whisper); beside Paraformer, both non-autoregressive, it is the bigger model.`,
	);
	add(
		`- **sherpa-onnx's SenseVoice** on the same weights and segments, over the engine's SenseVoice pipeline: ${groups.map((g) => `${g.precision} ${describeLayout(g)} ${ratio(m(g.sherpa), m(g.sensevoice.pipeline))}`).join(', ')}.${hasSignedInt8Flags(machine.simd) ? " In int8 the gap is the weights: on this CPU (VNNI) the engine shifts FunASR's uint8 weights to int8 and runs the VNNI kernel; sherpa-onnx runs the uint8 weights as exported (QUInt8: its export script notes that QInt8 gave incorrect results in C++ onnxruntime)." : ''}`,
	);
	add('');
	if (comparison.live) add(...renderLive(comparison.live, groups, run));
	return lines;
}

/** Both families' live searches: the most streams each kept up with, what one stream cost there, and the share of the bound. */
function renderLive(
	live: Record<RecognizerFamily, LiveSeries>,
	groups: readonly SenseVoiceGroup[],
	run: SenseVoiceRun,
): string[] {
	const describe = (name: string, family: RecognizerFamily) => {
		const series = live[family];
		const most = sustainedStreams(series.trials);
		const trial = series.trials.find((candidate) => candidate.streams === most);
		const tried = series.trials
			.map((t) => `${t.streams}${judgeLive(t).sustained ? '' : ' ✗'}`)
			.join(', ');
		const group = groups.find((g) => g.precision === series.precision && sameLayout(g, series));
		const bound = group
			? liveBound(
					median(group[family].pipeline.cpu),
					run.streamSeconds,
					run.corpusFiles,
					run.machine.cores,
					series,
				)
			: null;
		const share = bound
			? `${most} of ${bound.streams.toFixed(1)} (${((most / bound.streams) * 100).toFixed(0)} %)`
			: '–';
		const perStream = (cores: number | undefined) =>
			trial && cores !== undefined ? fixed(cores / most) : '–';
		const latency = trial ? `${judgeLive(trial).p95.toFixed(0)} ms` : '–';
		return `| ${name} | **${most}** | ${latency} | ${perStream(trial?.cpu?.pipeline)} | ${perStream(trial?.cpu?.readers)} | ${share} | ${tried} |`;
	};
	const p = sustainedStreams(live.paraformer.trials);
	const s = sustainedStreams(live.sensevoice.trials);
	const first = live.paraformer.trials;
	return [
		`Live streams per box, measured: each family's live search (${live.paraformer.precision}, ${describeLayout(live.paraformer)}; RTMP publishers sending the corpus by stream copy, one LivePipeline and ffmpeg reader per stream, ${(first[1] ?? first[0]).seconds} s per trial), Paraformer first, then SenseVoice, in the same run. Sustained: every sentence within 2 s of its VAD end (p95), audio lag ≤ 1 s. The bound: ${run.machine.cores} cores ÷ (the pipeline's CPU per second of corpus above, spread over the live stream with its pauses, + the reader's CPU per stream).`,
		'',
		'| recognizer | streams sustained | latency p95 there | pipeline process, cores per stream | ffmpeg reader, cores per stream | of the throughput bound | stream counts tried (✗ fell behind) |',
		'| --- | ---: | ---: | ---: | ---: | ---: | --- |',
		describe('Paraformer-large stand-in', 'paraformer'),
		describe('SenseVoiceSmall stand-in', 'sensevoice'),
		'',
		p > 0 && s > 0
			? `SenseVoice sustained ${s} streams against Paraformer's ${p}: ${fixed(s / p, 2)}× as many on this machine.`
			: 'One of the searches sustained no stream: see the trials above.',
		'',
	];
}
