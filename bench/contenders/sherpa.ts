import { join } from 'node:path';
import type { RecognizerFamily } from '../../engine/asr/recognizer-family.js';
import type { Layout, Precision, SetupMessage } from '../contender-protocol.js';
import { cutSegments, readCorpusAudio } from '../corpus.js';
import type { Contender } from './contender.js';

/** The part of sherpa-onnx-node's API used here (the package ships no TypeScript types). */
interface SherpaOnnx {
	OfflineRecognizer: new (config: unknown) => SherpaRecognizer;
}
interface SherpaRecognizer {
	createStream(): { acceptWaveform(wave: { samples: Float32Array; sampleRate: number }): void };
	decode(stream: unknown): void;
	decodeAsync(stream: unknown): Promise<{ text: string }>;
	getResult(stream: unknown): { text: string };
}

/** Where the SenseVoice stand-in keeps sherpa-onnx's re-export of its weights (tools/stand-ins/sensevoice_dir.py). */
const SHERPA_SENSEVOICE_DIR = 'sherpa-onnx';

/**
 * sherpa-onnx's offline recognizer (its own fbank, LFR, CMVN from the model's metadata, onnxruntime
 * run, decode) on the same weights and the same segments, one stream per segment: `decode` one
 * after the other, or with several recognizers as many `decodeAsync` at once on the one recognizer
 * (sherpa-onnx runs them on libuv's threads, sharing its onnxruntime session). Paraformer: the same
 * model file; SenseVoice: sherpa-onnx's re-export of the same weights (its input names and metadata).
 */
export function sherpaContender(
	setup: SetupMessage,
	precision: Precision,
	{ threads, recognizers }: Layout,
	family: RecognizerFamily = 'paraformer',
): Contender {
	const sherpa = require('sherpa-onnx-node') as SherpaOnnx;
	const int8 = precision === 'int8';
	const sherpaDir = join(setup.asrDir, SHERPA_SENSEVOICE_DIR);
	const model =
		family === 'sensevoice'
			? {
					senseVoice: {
						model: join(sherpaDir, int8 ? 'model.int8.onnx' : 'model.onnx'),
						language: '',
						useInverseTextNormalization: 1,
					},
					tokens: join(sherpaDir, 'tokens.txt'),
				}
			: {
					paraformer: { model: join(setup.asrDir, int8 ? 'model_quant.onnx' : 'model.onnx') },
					tokens: join(setup.asrDir, 'tokens.txt'),
				};
	const recognizer = new sherpa.OfflineRecognizer({
		featConfig: { sampleRate: 16000, featureDim: 80 },
		modelConfig: {
			...model,
			numThreads: threads,
			provider: 'cpu',
			debug: 0,
		},
	});
	// sherpa-onnx takes samples in [-1, 1]; converted beforehand so the pass times only recognition.
	const segments = cutSegments(readCorpusAudio(setup.corpus), setup.segments).map((samples) =>
		Float32Array.from(samples, (value) => value / 32768),
	);
	const streamOf = (samples: Float32Array) => {
		const stream = recognizer.createStream();
		stream.acceptWaveform({ samples, sampleRate: 16000 });
		return stream;
	};
	return {
		async pass() {
			if (recognizers === 1) {
				return {
					texts: segments.map((samples) => {
						const stream = streamOf(samples);
						recognizer.decode(stream);
						return recognizer.getResult(stream).text;
					}),
				};
			}
			const texts: string[] = new Array<string>(segments.length);
			let next = 0;
			await Promise.all(
				Array.from({ length: recognizers }, async () => {
					while (next < segments.length) {
						const index = next++;
						texts[index] = (await recognizer.decodeAsync(streamOf(segments[index]))).text;
					}
				}),
			);
			return { texts };
		},
		async close() {},
	};
}
