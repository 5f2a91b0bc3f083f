import { existsSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { EngineError, errorMessage } from '../errors.js';
import { freeBatchDimension } from './batch-dimension.js';
import { readModelForThisCpu } from './signed-int8-weights.js';
import { simplifyUnitAxisTransposes } from './unit-axis-transposes.js';

export interface SessionOptions {
	/** intra-op threads; 0 lets onnxruntime choose. */
	threads?: number;
	/**
	 * For int8 exports: give MatMulInteger int8 weights where this CPU multiplies uint8 × int8 faster
	 * than FunASR's uint8 × uint8 (same results; see signed-int8-weights.ts).
	 */
	signedInt8Weights?: boolean;
	/** Free a batch dimension the export pinned at 1 (see batch-dimension.ts), so that one run can serve several streams. */
	freeBatchDimension?: boolean;
	/** Rewrite FunASR's FSMN transposes into ones onnxruntime runs fast (same results; see unit-axis-transposes.ts). */
	simplifyTransposes?: boolean;
}

export type Session = ort.InferenceSession;
export { ort };

export async function createSession(
	modelPath: string,
	what: string,
	options: SessionOptions = {},
): Promise<Session> {
	if (!existsSync(modelPath)) {
		throw new EngineError(
			'MODEL_MISSING',
			`${what} file "${modelPath}" does not exist.`,
			'Check the model directory.',
		);
	}
	const sessionOptions: ort.InferenceSession.SessionOptions = {
		intraOpNumThreads: options.threads ?? 1,
		interOpNumThreads: 1,
		executionMode: 'sequential',
		graphOptimizationLevel: 'all',
		// Spinning pool threads stall every operator when another process (ffmpeg, n8n, another
		// stream) takes their core (measured: docs/measurements.md).
		extra: { session: { intra_op: { allow_spinning: '0' } } },
	};
	try {
		const model = options.signedInt8Weights
			? readModelForThisCpu(modelPath).model
			: options.freeBatchDimension || options.simplifyTransposes
				? readFileSync(modelPath)
				: undefined;
		if (model && options.freeBatchDimension) freeBatchDimension(model);
		if (model && options.simplifyTransposes) simplifyUnitAxisTransposes(model);
		return model
			? await ort.InferenceSession.create(model, sessionOptions)
			: await ort.InferenceSession.create(modelPath, sessionOptions);
	} catch (cause) {
		throw new EngineError(
			'MODEL_INVALID',
			`${what} file "${modelPath}" could not be loaded by onnxruntime (${firstLine(cause)}).`,
			'The file is corrupt or not an ONNX model: download it again.',
			{ cause },
		);
	}
}

/** Checks that a session has the inputs and outputs a FunASR export of this kind has. */
export function requireInterface(
	session: Session,
	modelPath: string,
	what: string,
	inputs: readonly string[],
	outputs: readonly string[],
): void {
	const missingInputs = inputs.filter((name) => !session.inputNames.includes(name));
	const missingOutputs = outputs.filter((name) => !session.outputNames.includes(name));
	if (missingInputs.length === 0 && missingOutputs.length === 0) return;
	const wanted = [
		...missingInputs.map((n) => `input "${n}"`),
		...missingOutputs.map((n) => `output "${n}"`),
	].join(', ');
	throw new EngineError(
		'MODEL_INTERFACE',
		`${what} "${modelPath}" has no ${wanted} (it has inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')}).`,
		`Use a FunASR ONNX export of a ${what}.`,
	);
}

function firstLine(error: unknown): string {
	const text = errorMessage(error);
	return text.split('\n')[0] ?? text;
}
