import { join } from 'node:path';
import { EngineError } from '../errors.js';
import { requireModelFiles } from '../model-dir/model-config.js';
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
