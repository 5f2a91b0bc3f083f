import {
	readFields,
	readVarint,
	WIRE_LENGTH_DELIMITED,
	WIRE_VARINT,
	type WireField,
} from './protobuf-wire.js';

// ONNX protobuf field numbers (onnx/onnx.proto).
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_OUTPUT = 12;
const GRAPH_VALUE_INFO = 13;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const NODE_DOMAIN = 7;
const ATTRIBUTE_NAME = 1;
const ATTRIBUTE_TENSOR = 5;
const ATTRIBUTE_INTS = 8;
const TENSOR_DATA_TYPE = 2;
const TENSOR_INT64_DATA = 7;
const TENSOR_NAME = 8;
const TENSOR_RAW_DATA = 9;
const VALUE_INFO_NAME = 1;

/** Where one integer of a model is written, as a varint or as 8 little-endian bytes (raw int64). */
export interface IntegerAt {
	value: number;
	start: number;
	end: number;
	encoding: 'varint' | 'int64';
}

export interface GraphTensor {
	name: string;
	dataType: number;
	/** Offset of the data_type varint when it is one byte (every type but the newest), else -1. */
	dataTypeAt: number;
	raw: { start: number; end: number } | null;
	/** Its values as written in int64_data or, for an INT64 tensor, raw_data. */
	int64s: IntegerAt[];
}

export interface GraphAttribute {
	name: string;
	/** Its `ints`, unpacked as the exporters write them (a packed list is left empty). */
	ints: IntegerAt[];
	tensor: GraphTensor | null;
}

export interface GraphNode {
	opType: string;
	domain: string;
	inputs: string[];
	outputs: string[];
	attributes: GraphAttribute[];
}

/** The main graph of an ONNX model, read where it lies in the bytes so that a caller can edit values in place. */
export interface Graph {
	nodes: GraphNode[];
	initializers: Map<string, GraphTensor>;
	/** Names of the values whose type and shape the model writes down: its outputs and annotated intermediates. */
	declaredValues: Set<string>;
}

const INT64 = 7;

export function readGraph(model: Uint8Array): Graph | null {
	const graph = readFields(model).find(
		(field) => field.number === MODEL_GRAPH && field.wireType === WIRE_LENGTH_DELIMITED,
	);
	if (!graph) return null;
	const result: Graph = { nodes: [], initializers: new Map(), declaredValues: new Set() };
	for (const field of readFields(model, graph.start, graph.end)) {
		if (field.wireType !== WIRE_LENGTH_DELIMITED) continue;
		if (field.number === GRAPH_NODE) result.nodes.push(readNode(model, field));
		else if (field.number === GRAPH_INITIALIZER) {
			const tensor = readTensor(model, field);
			result.initializers.set(tensor.name, tensor);
		} else if (field.number === GRAPH_OUTPUT || field.number === GRAPH_VALUE_INFO) {
			const name = readFields(model, field.start, field.end).find(
				(inner) => inner.number === VALUE_INFO_NAME,
			);
			if (name) result.declaredValues.add(text(model, name));
		}
	}
	return result;
}

/** For each value, the nodes that take it and in which input slot. */
export function usesOf(graph: Graph): Map<string, { node: GraphNode; slot: number }[]> {
	const uses = new Map<string, { node: GraphNode; slot: number }[]>();
	for (const node of graph.nodes) {
		node.inputs.forEach((input, slot) => {
			const list = uses.get(input) ?? [];
			list.push({ node, slot });
			uses.set(input, list);
		});
	}
	return uses;
}

/** Writes `value` over an integer of the model, in place; it must fit in the bytes the old one took. */
export function writeInteger(model: Uint8Array, at: IntegerAt, value: number): void {
	if (at.encoding === 'int64') {
		new DataView(model.buffer, model.byteOffset + at.start, 8).setBigInt64(0, BigInt(value), true);
		return;
	}
	if (at.end - at.start !== 1 || value < 0 || value > 127)
		throw new RangeError(`${value} does not fit the ${at.end - at.start}-byte varint it replaces`);
	model[at.start] = value;
}

function readNode(bytes: Uint8Array, node: WireField): GraphNode {
	const result: GraphNode = { opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
	for (const field of readFields(bytes, node.start, node.end)) {
		if (field.wireType !== WIRE_LENGTH_DELIMITED) continue;
		if (field.number === NODE_INPUT) result.inputs.push(text(bytes, field));
		else if (field.number === NODE_OUTPUT) result.outputs.push(text(bytes, field));
		else if (field.number === NODE_OP_TYPE) result.opType = text(bytes, field);
		else if (field.number === NODE_DOMAIN) result.domain = text(bytes, field);
		else if (field.number === NODE_ATTRIBUTE) result.attributes.push(readAttribute(bytes, field));
	}
	return result;
}

function readAttribute(bytes: Uint8Array, attribute: WireField): GraphAttribute {
	const result: GraphAttribute = { name: '', ints: [], tensor: null };
	for (const field of readFields(bytes, attribute.start, attribute.end)) {
		if (field.number === ATTRIBUTE_NAME && field.wireType === WIRE_LENGTH_DELIMITED)
			result.name = text(bytes, field);
		else if (field.number === ATTRIBUTE_INTS && field.wireType === WIRE_VARINT)
			result.ints.push(varintAt(bytes, field));
		else if (field.number === ATTRIBUTE_TENSOR && field.wireType === WIRE_LENGTH_DELIMITED)
			result.tensor = readTensor(bytes, field);
	}
	return result;
}

function readTensor(bytes: Uint8Array, tensor: WireField): GraphTensor {
	const result: GraphTensor = { name: '', dataType: 0, dataTypeAt: -1, raw: null, int64s: [] };
	for (const field of readFields(bytes, tensor.start, tensor.end)) {
		if (field.number === TENSOR_DATA_TYPE && field.wireType === WIRE_VARINT) {
			result.dataType = readVarint(bytes, field.start, field.end).value;
			result.dataTypeAt = field.end - field.start === 1 ? field.start : -1;
		} else if (field.number === TENSOR_NAME && field.wireType === WIRE_LENGTH_DELIMITED) {
			result.name = text(bytes, field);
		} else if (field.number === TENSOR_RAW_DATA && field.wireType === WIRE_LENGTH_DELIMITED) {
			result.raw = { start: field.start, end: field.end };
		} else if (field.number === TENSOR_INT64_DATA && field.wireType === WIRE_VARINT) {
			result.int64s.push(varintAt(bytes, field));
		}
	}
	if (result.dataType === INT64 && result.raw && result.int64s.length === 0) {
		const view = new DataView(bytes.buffer, bytes.byteOffset);
		for (let at = result.raw.start; at + 8 <= result.raw.end; at += 8)
			result.int64s.push({
				value: Number(view.getBigInt64(at, true)),
				start: at,
				end: at + 8,
				encoding: 'int64',
			});
	}
	return result;
}

function varintAt(bytes: Uint8Array, field: WireField): IntegerAt {
	return {
		value: readVarint(bytes, field.start, field.end).value,
		start: field.start,
		end: field.end,
		encoding: 'varint',
	};
}

function text(bytes: Uint8Array, field: WireField): string {
	return Buffer.from(
		bytes.buffer,
		bytes.byteOffset + field.start,
		field.end - field.start,
	).toString('utf8');
}
