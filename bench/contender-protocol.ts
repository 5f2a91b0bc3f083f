import type { ThreadCpuMs } from './thread-cpu.js';
import type { RecognizerFamily } from '../engine/asr/recognizer-family.js';
import type { CorpusFile, CorpusSegment } from './corpus.js';

export type Precision = 'fp32' | 'int8';

/**
 * How recognition uses its threads: `recognizers` recognitions at once (the pipeline's recognizer
 * workers, Paraformer alone's sessions in threads of their own, sherpa-onnx's decodeAsync calls on
 * one recognizer), each on `threads` onnxruntime threads.
 */
export interface Layout {
	threads: number;
	recognizers: number;
}

/** What one child process measures. */
export type ContenderSpec =
	| { kind: 'segments' }
	| { kind: 'frontend' }
	| { kind: 'vad'; chunkSamples: number }
	| { kind: 'punctuation'; precision: Precision }
	| ({
			kind: 'model' | 'pipeline' | 'sherpa';
			precision: Precision;
			/** The recognizer in the setup's asrDir (default Paraformer): sherpa-onnx and the pipeline's punctuation depend on it. */
			family?: RecognizerFamily;
	  } & Layout)
	| { kind: 'flops'; precision: Precision }
	| { kind: 'int8-weights' }
	| { kind: 'hotwords'; precision: Precision; threads: number }
	| {
			kind: 'matmul';
			modelPath: string;
			threads: number;
			rows: number;
			inner: number;
			outer: number;
			pairs: number;
	  }
	| { kind: 'memory'; precision: Precision; threads: number; streams: number }
	| ({
			kind: 'live' | 'rtmp-live';
			precision: Precision;
			/** The recognizer in the setup's asrDir (default Paraformer). */
			family?: RecognizerFamily;
			streams: number;
			seconds: number;
			earlyRecognition: boolean;
	  } & Layout)
	| ({
			kind: 'main-cpu';
			recognition: 'remote' | 'local';
			precision: Precision;
			streams: number;
			seconds: number;
	  } & Layout);

export interface SetupMessage {
	type: 'setup';
	spec: ContenderSpec;
	asrDir: string;
	corpus: CorpusFile[];
	segments: CorpusSegment[];
	/** Recognized text per segment, for punctuation. */
	texts: string[];
}

export type ParentMessage = SetupMessage | { type: 'pass' } | { type: 'exit' };

export interface PassResult {
	wallMs: number;
	/** CPU time of the whole child process (all its threads) during the pass. */
	cpuMs: number;
	/** The same by thread role (Linux only). */
	threadCpuMs?: ThreadCpuMs;
	texts?: string[];
	data?: unknown;
}

export type ChildMessage =
	| { type: 'ready'; loadMs: number; rssBytes: number }
	| { type: 'result'; result: PassResult }
	| { type: 'failed'; error: string };
