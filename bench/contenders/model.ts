import { join } from 'node:path';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { loadRecognizer } from '../../engine/asr/recognizer.js';
import { loadCmvn } from '../../engine/frontend/cmvn.js';
import { computeFeatures } from '../../engine/frontend/feature-extractor.js';
import type { FeatureMatrix } from '../../engine/frontend/feature-matrix.js';
import { loadFrontendOptions } from '../../engine/frontend/frontend-options.js';
import type { Layout, Precision, SetupMessage } from '../contender-protocol.js';
import { cutSegments, readCorpusAudio } from '../corpus.js';
import type { Contender } from './contender.js';
import { recognizeText } from './recognize-text.js';

/**
 * The recognizer alone (Paraformer or SenseVoice, as the graph in asrDir says): one onnxruntime run
 * per segment on features computed beforehand, then its decoding (argmax; SenseVoice's CTC greedy).
 * With several recognizers, as many sessions in threads of their own take the segments in turn; the
 * run time is then the busiest session's.
 */
export async function modelContender(
	setup: SetupMessage,
	precision: Precision,
	layout: Layout,
): Promise<Contender> {
	const features = segmentFeatures(setup);
	const quantized = precision === 'int8';
	if (layout.recognizers === 1) {
		const recognizer = await loadRecognizer(setup.asrDir, { quantized, threads: layout.threads });
		return {
			async pass() {
				const inferenceBefore = recognizer.stats.inferenceMs;
				const texts: string[] = [];
				for (const matrix of features) texts.push(await recognizeText(recognizer, matrix));
				return { texts, data: { inferenceMs: recognizer.stats.inferenceMs - inferenceBefore } };
			},
			close: () => recognizer.release(),
		};
	}
	const workers = await Promise.all(
		Array.from({ length: layout.recognizers }, () =>
			startWorker(setup.asrDir, quantized, layout.threads),
		),
	);
	return {
		async pass() {
			const texts: string[] = new Array<string>(features.length);
			let next = 0;
			const inference = await Promise.all(
				workers.map(async (worker) => {
					let inferenceMs = 0;
					while (next < features.length) {
						const index = next++;
						const reply = recognized(worker);
						worker.postMessage(features[index]);
						const { text, inferenceMs: ms } = await reply;
						texts[index] = text;
						inferenceMs += ms;
					}
					return inferenceMs;
				}),
			);
			return { texts, data: { inferenceMs: Math.max(...inference) } };
		},
		async close() {
			await Promise.all(
				workers.map(async (worker) => {
					const exited = once(worker, 'exit');
					worker.postMessage(null);
					await exited;
				}),
			);
		},
	};
}

/** The recognizer's input features of every segment, computed before any timing. */
export function segmentFeatures(setup: SetupMessage): FeatureMatrix[] {
	const options = loadFrontendOptions(setup.asrDir);
	const cmvn = loadCmvn(join(setup.asrDir, 'am.mvn'));
	return cutSegments(readCorpusAudio(setup.corpus), setup.segments).map((samples) =>
		computeFeatures(samples, options, cmvn),
	);
}

async function startWorker(asrDir: string, quantized: boolean, threads: number): Promise<Worker> {
	const worker = new Worker(join(__dirname, 'model-worker.js'), {
		workerData: { asrDir, quantized, threads },
	});
	const [message] = (await Promise.race([
		once(worker, 'message'),
		once(worker, 'error').then(([error]) => Promise.reject(error as Error)),
	])) as [unknown];
	if (message !== 'ready')
		throw new Error(`unexpected ${String(message)} from the recognizer worker`);
	return worker;
}

function recognized(worker: Worker): Promise<{ text: string; inferenceMs: number }> {
	return once(worker, 'message').then(([reply]) => reply as { text: string; inferenceMs: number });
}
