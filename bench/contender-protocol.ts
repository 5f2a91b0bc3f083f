import type { CorpusFile, Segment } from './corpus.js';

export type Precision = 'fp32' | 'int8';

/** What one child process measures. */
export type ContenderSpec =
	| { kind: 'segments' }
	| { kind: 'frontend' }
	| { kind: 'vad' }
	| { kind: 'punctuation'; precision: Precision }
	| { kind: 'model'; precision: Precision; threads: number }
	| { kind: 'pipeline'; precision: Precision; threads: number }
	| { kind: 'sherpa'; precision: Precision; threads: number }
	| { kind: 'flops'; precision: Precision }
	| { kind: 'matmul'; modelPath: string; threads: number; rows: number; inner: number; outer: number }
	| { kind: 'memory'; precision: Precision; threads: number; streams: number }
	| { kind: 'live' | 'rtmp-live'; precision: Precision; threads: number; streams: number; seconds: number };

export interface SetupMessage {
	type: 'setup';
	spec: ContenderSpec;
	asrDir: string;
	corpus: CorpusFile[];
	segments: Segment[];
	/** Recognised text per segment, for punctuation. */
	texts: string[];
}

export type ParentMessage = SetupMessage | { type: 'pass' } | { type: 'exit' };

export interface PassResult {
	wallMs: number;
	/** CPU time of the whole child process (all its threads) during the pass. */
	cpuMs: number;
	texts?: string[];
	data?: unknown;
}

export type ChildMessage =
	| { type: 'ready'; loadMs: number; rssBytes: number }
	| { type: 'result'; result: PassResult }
	| { type: 'failed'; error: string };
