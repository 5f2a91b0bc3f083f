import type { FlopCount } from './contenders/flops.js';
import type { Int8WeightsFigures } from './contenders/int8-weights.js';
import type { LiveTrial } from './contenders/live.js';
import type { MemoryFigures } from './contenders/memory.js';
import type { MainCapacity } from './main-capacity.js';
import type { Layout, Precision } from './contender-protocol.js';
import type { Machine } from './machine.js';
import type { ThreadRole } from './thread-cpu.js';
import type { RecognizerFamily } from '../engine/asr/recognizer-family.js';

/**
 * Real-time factors of one contender over the rounds: seconds of compute per second of stream (the
 * whole corpus, silence included, whether the contender saw all of it or only the VAD's segments).
 */
export interface Rtf {
	/** Wall-clock seconds per audio second, each round. */
	wall: number[];
	/** CPU seconds of the contender's process (all threads) per audio second, each round. */
	cpu: number[];
}

export interface StageRow {
	stage: 'front end' | 'VAD' | 'VAD (backlog)' | 'punctuation';
	precision: Precision;
	rtf: Rtf;
	note: string;
}

/** Paraformer alone, the whole pipeline and sherpa-onnx on one precision and layout. */
export interface ModelGroup extends Layout {
	precision: Precision;
	model: Rtf;
	/** onnxruntime run time alone (no argmax, no tensor setup) per audio second, each round. */
	modelRunOnly: number[];
	pipeline: Rtf;
	/** The pipeline's CPU per audio second by thread role, each round (absent in results of older runs). */
	pipelineThreads?: Record<ThreadRole, number[]>;
	sherpa: Rtf;
	/** Segments whose text is the same in the pipeline as in the model alone / in sherpa-onnx (spaces ignored). */
	pipelineAgreement: number;
	sherpaAgreement: number;
	loadSeconds: { model: number; pipeline: number; sherpa: number };
}

export interface Peak extends Layout {
	precision: Precision;
	rows: number;
	inner: number;
	outer: number;
	/** Feed-forward pairs per run (absent in results of runs that timed a single MatMul). */
	pairs?: number;
	opsPerSecond: number;
	/** Per second of the process's CPU time: what one core does, even on a shared machine. */
	opsPerCpuSecond: number;
}

export function sameLayout(a: Layout, b: Layout): boolean {
	return a.threads === b.threads && a.recognizers === b.recognizers;
}

/** "1 thread", "2 threads", "2 × 1 thread" (two recognitions at once, one thread each). */
export function describeLayout({ threads, recognizers }: Layout): string {
	const perRecognition = `${threads} thread${threads === 1 ? '' : 's'}`;
	return recognizers === 1 ? perRecognition : `${recognizers} × ${perRecognition}`;
}

export interface LiveSeries extends Layout {
	precision: Precision;
	estimatedStreams: number;
	trials: LiveTrial[];
	/** One stream with early recognition off: each sentence recognized only once the VAD closed it. */
	late: LiveTrial | null;
}

export interface BenchResults {
	quick: boolean;
	rounds: number;
	machine: Machine;
	standIn: {
		dir: string;
		generatedSeconds: number | null;
		generatedNow: boolean;
		modelMegabytes: number;
		quantizedMegabytes: number | null;
		analyticFlopsPerSecond: number | null;
	};
	corpus: {
		files: { name: string; seconds: number }[];
		seconds: number;
		segments: number;
		speechSeconds: number;
		segmentSeconds: number[];
	};
	stages: StageRow[];
	groups: ModelGroup[];
	/** SenseVoiceSmall beside Paraformer-large (absent in results of runs before it was measured). */
	sensevoice?: SenseVoiceComparison;
	flops: Partial<Record<Precision, FlopCount>>;
	peaks: Peak[];
	/** Without VNNI: what int8 weights would give (the engine keeps uint8 there); absent on VNNI CPUs, where the engine converts. */
	int8Weights?: Int8WeightsFigures;
	memory: Partial<Record<Precision, MemoryFigures>>;
	live: LiveSeries[];
	/** The n8n main's CPU per stream, recognition remote against local (absent in older results). */
	mainCapacity?: MainCapacity;
	/** Core-seconds per second that other processes used during the measurements. */
	othersLoad: number;
	durationSeconds: number;
}

/** One family's figures on one precision and layout. */
export interface FamilyFigures {
	/** The recognizer alone: run, tensors, decoding. */
	model: Rtf;
	/** Its onnxruntime runs alone, per second of stream. */
	modelRunOnly: number[];
	/** The whole pipeline: VAD → queue → recognizer (→ punctuation for Paraformer). */
	pipeline: Rtf;
	loadSeconds: { model: number; pipeline: number };
}

/** SenseVoice beside Paraformer-large on one precision and layout, with sherpa-onnx's SenseVoice. */
export interface SenseVoiceGroup extends Layout {
	precision: Precision;
	paraformer: FamilyFigures;
	sensevoice: FamilyFigures;
	/** sherpa-onnx's OfflineRecognizer on its re-export of the same SenseVoice weights. */
	sherpa: Rtf;
	sherpaLoadSeconds: number;
	/**
	 * Segments whose SenseVoice text is the same in the pipeline / in sherpa-onnx as in SenseVoice alone.
	 * sherpa-onnx takes the first four tokens as the tags whatever they are; the engine, as FunASR,
	 * reads only real tags there, and random weights emit none: sherpa-onnx's text is then the
	 * engine's less its first four tokens, and counts as the same when it ends it.
	 */
	pipelineAgreement: number;
	sherpaAgreement: number;
}

export interface SenseVoiceComparison {
	standIn: {
		dir: string;
		generatedSeconds: number | null;
		megabytes: Record<'model' | 'quantized' | 'sherpa' | 'sherpaInt8', number>;
	};
	/** fbank + LFR + CMVN of every segment, with each model's front end options (config.yaml, am.mvn). */
	frontend: Record<RecognizerFamily, Rtf>;
	groups: SenseVoiceGroup[];
	/** Live searches of both families, one after the other, on the two-core layout (2 × 1 thread), in the last precision measured (int8 when there is one). Absent in older results. */
	live?: Record<RecognizerFamily, LiveSeries>;
}
