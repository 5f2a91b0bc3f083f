import type { FlopCount } from './contenders/flops.js';
import type { LiveTrial } from './contenders/live.js';
import type { MemoryFigures } from './contenders/memory.js';
import type { Precision } from './contender-protocol.js';
import type { Machine } from './machine.js';

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
	stage: 'front end' | 'VAD' | 'punctuation';
	precision: Precision;
	rtf: Rtf;
	note: string;
}

/** Paraformer alone, the whole pipeline and sherpa-onnx on one precision and thread count. */
export interface ModelGroup {
	precision: Precision;
	threads: number;
	model: Rtf;
	/** onnxruntime run time alone (no argmax, no tensor setup) per audio second, each round. */
	modelRunOnly: number[];
	pipeline: Rtf;
	/** The pipeline with its VAD in a second inference worker (emulating the VAD on a thread of its own). */
	sherpa: Rtf;
	/** Segments whose text is the same in the pipeline as in the model alone / in sherpa-onnx (spaces ignored). */
	pipelineAgreement: number;
	sherpaAgreement: number;
	loadSeconds: { model: number; pipeline: number; sherpa: number };
}

export interface Peak {
	precision: Precision;
	threads: number;
	rows: number;
	inner: number;
	outer: number;
	opsPerSecond: number;
	/** Per second of the process's CPU time: what one core does, even on a shared machine. */
	opsPerCpuSecond: number;
}

export interface LiveSeries {
	precision: Precision;
	threads: number;
	estimatedStreams: number;
	trials: LiveTrial[];
}

export interface BenchResults {
	quick: boolean;
	rounds: number;
	machine: Machine;
	standIn: { dir: string; generatedSeconds: number | null; generatedNow: boolean; modelMegabytes: number; quantizedMegabytes: number | null; analyticFlopsPerSecond: number | null };
	corpus: { files: { name: string; seconds: number }[]; seconds: number; segments: number; speechSeconds: number; segmentSeconds: number[] };
	stages: StageRow[];
	groups: ModelGroup[];
	flops: Partial<Record<Precision, FlopCount>>;
	peaks: Peak[];
	memory: Partial<Record<Precision, MemoryFigures>>;
	live: LiveSeries[];
	/** Core-seconds per second that other processes used during the measurements. */
	othersLoad: number;
	durationSeconds: number;
}
