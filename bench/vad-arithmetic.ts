import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFrontendOptions } from '../engine/frontend/frontend-options.js';
import { readGraph } from '../engine/onnx/onnx-graph.js';

const FLOAT = 1;
const FLOAT_BYTES = 4;
/** Ops whose input 1 is a weight every frame passes through once: one multiply-add per element. */
const WEIGHTED_OPS = new Set(['MatMul', 'Gemm', 'Conv']);

/**
 * Floating-point ops (two per multiply-add) FunASR's FSMN-VAD needs for one second of audio: every
 * float weight of its MatMul, Gemm and Conv nodes once per frame (its FSMN memory is a depthwise
 * convolution, one multiply-add per tap and channel), at the frame rate of its config.yaml. What no
 * implementation around the model can go under, whatever it does besides.
 */
export function fsmnVadOpsPerAudioSecond(vadDir: string): number {
	const graph = readGraph(readFileSync(join(vadDir, 'model.onnx')));
	if (!graph) throw new Error(`${vadDir}/model.onnx has no graph.`);
	let multiplyAddsPerFrame = 0;
	for (const node of graph.nodes) {
		const weight = WEIGHTED_OPS.has(node.opType) && graph.initializers.get(node.inputs[1]);
		if (weight && weight.dataType === FLOAT && weight.raw)
			multiplyAddsPerFrame += (weight.raw.end - weight.raw.start) / FLOAT_BYTES;
	}
	const frontend = loadFrontendOptions(vadDir);
	const framesPerSecond = 1000 / (frontend.frameShiftMs * frontend.lfrN);
	return 2 * multiplyAddsPerFrame * framesPerSecond;
}
