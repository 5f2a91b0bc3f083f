import { parentPort, workerData } from 'node:worker_threads';
import { Paraformer } from '../../engine/asr/paraformer.js';
import type { FeatureMatrix } from '../../engine/frontend/feature-matrix.js';

// Paraformer alone on a thread of its own, one of several recognizing at once (bench/contenders/model.ts):
// features in, the text and the onnxruntime run time out.
const port = parentPort!;
const { asrDir, quantized, threads } = workerData as {
	asrDir: string;
	quantized: boolean;
	threads: number;
};

void Paraformer.load(asrDir, { quantized, threads }).then((paraformer) => {
	port.on('message', (features: FeatureMatrix | null) => {
		if (features === null) {
			void paraformer.release().then(() => port.close());
			return;
		}
		const before = paraformer.stats.inferenceMs;
		void paraformer.recognizeFeatures([features]).then(([result]) =>
			port.postMessage({
				text: result!.text,
				inferenceMs: paraformer.stats.inferenceMs - before,
			}),
		);
	});
	port.postMessage('ready');
});
