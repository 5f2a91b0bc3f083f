import { parentPort, workerData } from 'node:worker_threads';
import { loadRecognizer } from '../../engine/asr/recognizer.js';
import type { FeatureMatrix } from '../../engine/frontend/feature-matrix.js';
import { recognizeText } from './recognize-text.js';

// The recognizer alone on a thread of its own, one of several recognizing at once (bench/contenders/model.ts):
// features in, the text and the onnxruntime run time out.
const port = parentPort!;
const { asrDir, quantized, threads } = workerData as {
	asrDir: string;
	quantized: boolean;
	threads: number;
};

void loadRecognizer(asrDir, { quantized, threads }).then((recognizer) => {
	port.on('message', (features: FeatureMatrix | null) => {
		if (features === null) {
			void recognizer.release().then(() => port.close());
			return;
		}
		const before = recognizer.stats.inferenceMs;
		void recognizeText(recognizer, features).then((text) =>
			port.postMessage({ text, inferenceMs: recognizer.stats.inferenceMs - before }),
		);
	});
	port.postMessage('ready');
});
