import { readFileSync } from 'node:fs';
import { arch } from 'node:os';
import {
	readFields,
	readVarint,
	WIRE_LENGTH_DELIMITED,
	WIRE_VARINT,
	type WireField,
} from './protobuf-wire.js';

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
	const graph = readFields(model).find(
		(field) => field.number === 7 && field.wireType === WIRE_LENGTH_DELIMITED,
	);
	if (!graph) return 0;
	const graphFields = readFields(model, graph.start, graph.end);
	const nodes = graphFields
		.filter((field) => field.number === 1 && field.wireType === WIRE_LENGTH_DELIMITED)
		.map((field) => readNode(model, field));
	const tensors = new Map<string, Tensor>();
	for (const field of graphFields) {
		if (field.number !== 5 || field.wireType !== WIRE_LENGTH_DELIMITED) continue;
		const tensor = readTensor(model, field);
		if (tensor) tensors.set(tensor.name, tensor);
	}
	const convertible = (name: string | undefined) =>
		name !== undefined && tensors.get(name)?.dataType === UINT8 && tensors.get(name)?.raw !== null;
	const uses = new Map<string, { node: Node; slot: number }[]>();
	for (const node of nodes) {
		node.inputs.forEach((input, slot) => {
			const list = uses.get(input) ?? [];
			list.push({ node, slot });
			uses.set(input, list);
		});
	}
	let candidates = nodes.filter(
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
		const tensor = tensors.get(name)!;
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

interface Node {
	opType: string;
	domain: string;
	inputs: string[];
}

interface Tensor {
	name: string;
	dataType: number;
	/** Offset of the data_type varint (one byte for UINT8 and INT8). */
	dataTypeAt: number;
	raw: { start: number; end: number } | null;
}

function readNode(bytes: Uint8Array, node: WireField): Node {
	const result: Node = { opType: '', domain: '', inputs: [] };
	for (const field of readFields(bytes, node.start, node.end)) {
		if (field.wireType !== WIRE_LENGTH_DELIMITED) continue;
		if (field.number === 1) result.inputs.push(text(bytes, field));
		else if (field.number === 4) result.opType = text(bytes, field);
		else if (field.number === 7) result.domain = text(bytes, field);
	}
	return result;
}

function readTensor(bytes: Uint8Array, tensor: WireField): Tensor | null {
	let name = '';
	let dataType = 0;
	let dataTypeAt = -1;
	let raw: Tensor['raw'] = null;
	for (const field of readFields(bytes, tensor.start, tensor.end)) {
		if (field.number === 2 && field.wireType === WIRE_VARINT) {
			dataType = readVarint(bytes, field.start, field.end).value;
			dataTypeAt = field.end - field.start === 1 ? field.start : -1;
		} else if (field.number === 8 && field.wireType === WIRE_LENGTH_DELIMITED) {
			name = text(bytes, field);
		} else if (field.number === 9 && field.wireType === WIRE_LENGTH_DELIMITED) {
			raw = { start: field.start, end: field.end };
		}
	}
	return dataTypeAt < 0 ? null : { name, dataType, dataTypeAt, raw };
}

function text(bytes: Uint8Array, field: WireField): string {
	return Buffer.from(
		bytes.buffer,
		bytes.byteOffset + field.start,
		field.end - field.start,
	).toString('utf8');
}
