import { readFileSync } from 'node:fs';
import { arch } from 'node:os';
import { readGraph, usesOf } from './onnx-graph.js';

/**
 * FunASR quantises its models with uint8 weights (`quantize_dynamic(weight_type=QUInt8)`), so every
 * MatMulInteger multiplies uint8 activations by uint8 weights. On x86 onnxruntime has a fast kernel
 * only for uint8 × int8 (AVX-VNNI, AVX512-VNNI, AMX): with uint8 weights the int8 model runs no
 * faster than fp32. Shifting a weight and its zero point by the same 128 leaves every product
 * (w − zero) unchanged, and turns them into int8: the very same results, on the fast kernel.
 *
 * The rewrite edits the ONNX protobuf in place: an initializer's data_type 2 (UINT8) becomes 3
 * (INT8) — one varint byte either way — and each raw byte v becomes v − 128 (v XOR 0x80).
 */

const UINT8 = 2;
const INT8 = 3;

/** The x86 CPU flags with which onnxruntime multiplies uint8 × int8 exactly and fast. */
const SIGNED_INT8_FLAGS = ['avx512_vnni', 'avx_vnni', 'amx_int8'];

/** Whether a CPU with these /proc/cpuinfo flags has onnxruntime's fast uint8 × int8 kernels. */
export function hasSignedInt8Flags(flags: readonly string[]): boolean {
	return flags.some((flag) => SIGNED_INT8_FLAGS.includes(flag));
}

/** Whether this CPU has onnxruntime's fast uint8 × int8 kernels; without VNNI, int8 weights can saturate. */
export function hasFastSignedInt8(cpuinfoPath = '/proc/cpuinfo'): boolean {
	if (arch() !== 'x64') return false;
	try {
		return hasSignedInt8Flags(
			readFileSync(cpuinfoPath, 'utf8')
				.match(/^flags\s*:(.*)$/m)?.[1]
				?.split(/\s+/) ?? [],
		);
	} catch {
		return false;
	}
}

/**
 * Rewrites, in `model` itself, the uint8 weights and zero points of every MatMulInteger of the main
 * graph into int8. Returns how many MatMulInteger nodes now take int8 weights.
 */
export function convertToSignedInt8Weights(model: Uint8Array): number {
	const graph = readGraph(model);
	if (!graph) return 0;
	const convertible = (name: string | undefined) => {
		const tensor = name === undefined ? undefined : graph.initializers.get(name);
		return tensor?.dataType === UINT8 && tensor.dataTypeAt >= 0 && tensor.raw !== null;
	};
	const uses = usesOf(graph);
	let candidates = graph.nodes.filter(
		(node) =>
			node.opType === 'MatMulInteger' &&
			node.domain === '' &&
			convertible(node.inputs[1]) &&
			convertible(node.inputs[3]),
	);
	// A weight or zero point used anywhere else (another node, another input slot) must stay uint8,
	// and so must its partner in every node that uses it: drop such nodes until none is left.
	for (;;) {
		const weightNodes = new Set(candidates);
		const onlyWeights = (name: string) =>
			(uses.get(name) ?? []).every(
				({ node, slot }) => weightNodes.has(node) && (slot === 1 || slot === 3),
			);
		const kept = candidates.filter(
			(node) => onlyWeights(node.inputs[1]) && onlyWeights(node.inputs[3]),
		);
		if (kept.length === candidates.length) break;
		candidates = kept;
	}
	const names = new Set(candidates.flatMap((node) => [node.inputs[1], node.inputs[3]]));
	for (const name of names) {
		const tensor = graph.initializers.get(name)!;
		model[tensor.dataTypeAt] = INT8;
		const raw = tensor.raw!;
		for (let i = raw.start; i < raw.end; i++) model[i] ^= 0x80;
	}
	return candidates.length;
}

/** Reads the model file with its MatMulInteger weights turned int8 when this CPU gains from it. */
export function readModelForThisCpu(modelPath: string): {
	model: Uint8Array;
	convertedNodes: number;
} {
	const model = readFileSync(modelPath);
	return { model, convertedNodes: hasFastSignedInt8() ? convertToSignedInt8Weights(model) : 0 };
}
