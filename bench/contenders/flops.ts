import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCmvn } from '../../engine/frontend/cmvn.js';
import { computeFeatures } from '../../engine/frontend/feature-extractor.js';
import { loadFrontendOptions } from '../../engine/frontend/frontend-options.js';
import { ort } from '../../engine/onnx/onnx-session.js';
import { readModelForThisCpu } from '../../engine/onnx/signed-int8-weights.js';
import type { Precision, SetupMessage } from '../contender-protocol.js';
import { cutSegments, readCorpusAudio, segmentSeconds } from '../corpus.js';
import type { Contender } from './contender.js';

/** Operations that multiply matrices: 2·K floating-point (or integer) operations per output value. */
const MATRIX_OPS = new Set([
	'MatMul',
	'FusedMatMul',
	'Gemm',
	'MatMulInteger',
	'MatMulIntegerToFloat',
	'DynamicQuantizeMatMul',
	'QLinearMatMul',
]);
const INTEGER_OPS = new Set([
	'MatMulInteger',
	'MatMulIntegerToFloat',
	'DynamicQuantizeMatMul',
	'QLinearMatMul',
]);

export interface FlopCount {
	/** Multiply-add work ×2 of float matrix products and convolutions, over the whole corpus. */
	floatOps: number;
	/** The same for int8 matrix products. */
	integerOps: number;
	/** Node kernel time the profile recorded, ms. */
	kernelMs: number;
	/** Kernel time per operator type, ms, largest first. */
	kernelMsByOp: [string, number][];
	audioSeconds: number;
}

interface ProfileEvent {
	cat?: string;
	dur?: number;
	args?: {
		op_name?: string;
		input_type_shape?: Record<string, number[]>[];
		output_type_shape?: Record<string, number[]>[];
	};
}

/**
 * Counts the work of the model as onnxruntime actually ran it (after its graph optimisations): one
 * profiled run per segment, then the shapes of every matrix product and convolution in the profile.
 */
export async function flopsContender(
	setup: SetupMessage,
	precision: Precision,
): Promise<Contender> {
	const profileDir = mkdtempSync(join(tmpdir(), 'rtmp-asr-profile-'));
	// The model as the engine loads it (int8 weights where this CPU is faster with them).
	const model = readModelForThisCpu(
		join(setup.asrDir, precision === 'int8' ? 'model_quant.onnx' : 'model.onnx'),
	).model;
	const session = await ort.InferenceSession.create(model, {
		intraOpNumThreads: 1,
		interOpNumThreads: 1,
		executionMode: 'sequential',
		graphOptimizationLevel: 'all',
		enableProfiling: true,
		profileFilePrefix: join(profileDir, 'paraformer'),
	});
	const lengths = session.inputMetadata.find((entry) => entry.name === 'speech_lengths');
	const int64 = lengths?.isTensor === true && lengths.type === 'int64';
	const options = loadFrontendOptions(setup.asrDir);
	const cmvn = loadCmvn(join(setup.asrDir, 'am.mvn'));
	const features = cutSegments(readCorpusAudio(setup.corpus), setup.segments).map((samples) =>
		computeFeatures(samples, options, cmvn),
	);
	return {
		async pass() {
			for (const matrix of features) {
				if (matrix.rows === 0) continue;
				await session.run({
					speech: new ort.Tensor('float32', matrix.data, [1, matrix.rows, matrix.dim]),
					speech_lengths: int64
						? new ort.Tensor('int64', BigInt64Array.of(BigInt(matrix.rows)), [1])
						: new ort.Tensor('int32', Int32Array.of(matrix.rows), [1]),
				});
			}
			session.endProfiling();
			const file = readdirSync(profileDir).find((name) => name.endsWith('.json'));
			if (!file) throw new Error(`onnxruntime wrote no profile into ${profileDir}`);
			const events = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as ProfileEvent[];
			return { data: countFlops(events, segmentSeconds(setup.segments)) };
		},
		async close() {
			await session.release();
			rmSync(profileDir, { recursive: true, force: true });
		},
	};
}

export function countFlops(events: readonly ProfileEvent[], audioSeconds: number): FlopCount {
	let floatOps = 0;
	let integerOps = 0;
	let kernelMs = 0;
	const byOp = new Map<string, number>();
	for (const event of events) {
		const op = event.args?.op_name;
		if (event.cat !== 'Node' || !op) continue;
		const ms = (event.dur ?? 0) / 1000;
		kernelMs += ms;
		byOp.set(op, (byOp.get(op) ?? 0) + ms);
		const inputs = (event.args?.input_type_shape ?? []).map(shapeOf);
		const output = shapeOf(event.args?.output_type_shape?.[0] ?? {});
		const outputValues = output.reduce((product, dim) => product * dim, 1);
		if (MATRIX_OPS.has(op)) {
			const work = 2 * outputValues * (inputs[0]?.at(-1) ?? 0);
			if (INTEGER_OPS.has(op)) integerOps += work;
			else floatOps += work;
		} else if (op === 'Conv') {
			const weight = inputs[1] ?? [];
			floatOps += 2 * outputValues * weight.slice(1).reduce((product, dim) => product * dim, 1);
		}
	}
	const kernelMsByOp = [...byOp].sort((a, b) => b[1] - a[1]);
	return { floatOps, integerOps, kernelMs, kernelMsByOp, audioSeconds };
}

function shapeOf(typed: Record<string, number[]>): number[] {
	return Object.values(typed)[0] ?? [];
}
