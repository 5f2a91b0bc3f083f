import { join } from 'node:path';
import { EngineError } from '../errors.js';
import { requireModelFiles } from '../model-dir/model-config.js';
import type { FeatureMatrix } from '../frontend/feature-matrix.js';
import { createSession, type Session } from '../onnx/onnx-session.js';

/** How a recognizer of either family is loaded. */
export interface RecognizerOptions {
	/** Load model_quant.onnx (int8) instead of model.onnx. */
	quantized?: boolean;
	/** onnxruntime intra-op threads. */
	threads?: number;
	/** Most segments in one onnxruntime run; more are split into runs of similar length. */
	maxBatch?: number;
}

/** The recognizer graph of a FunASR export directory, loaded once whatever its family. */
export async function openRecognizerSession(
	modelDir: string,
	options: RecognizerOptions,
	what: string,
): Promise<{ session: Session; modelPath: string }> {
	const modelFile = options.quantized ? 'model_quant.onnx' : 'model.onnx';
	requireModelFiles(modelDir, [modelFile, 'config.yaml', 'am.mvn'], what);
	const modelPath = join(modelDir, modelFile);
	const session = await createSession(modelPath, `${what} model`, {
		threads: options.threads ?? 1,
		signedInt8Weights: options.quantized === true,
	});
	return { session, modelPath };
}

export function checkMaxBatch(maxBatch: number, what: string): number {
	if (!Number.isInteger(maxBatch) || maxBatch < 1) {
		throw new EngineError(
			'BAD_OPTION',
			`${what} maxBatch ${maxBatch} is not a positive integer.`,
			'Give 1 or more segments per run.',
		);
	}
	return maxBatch;
}

/**
 * The segments that have rows, as runs of at most `maxBatch` segment indices of similar lengths:
 * padded to the longest of its run, each wastes the least.
 */
export function lengthSortedRuns(features: readonly FeatureMatrix[], maxBatch: number): number[][] {
	const order = features.map((_, i) => i).filter((i) => features[i].rows > 0);
	order.sort((a, b) => features[a].rows - features[b].rows);
	const runs: number[][] = [];
	for (let first = 0; first < order.length; first += maxBatch)
		runs.push(order.slice(first, first + maxBatch));
	return runs;
}

/** The features of one run zero-padded to the longest, row-major [batch, rows, dim]. */
export function paddedFeatures(
	features: readonly FeatureMatrix[],
	dim: number,
	what: string,
): { data: Float32Array; rows: number } {
	const rows = Math.max(...features.map((matrix) => matrix.rows));
	const data = new Float32Array(features.length * rows * dim);
	features.forEach((matrix, b) => {
		if (matrix.dim !== dim) {
			throw new EngineError(
				'BAD_OPTION',
				`Features of dimension ${matrix.dim} given to a ${what} that takes ${dim}.`,
				"Compute them with this model's front end options.",
			);
		}
		data.set(matrix.data.subarray(0, matrix.rows * dim), b * rows * dim);
	});
	return { data, rows };
}
