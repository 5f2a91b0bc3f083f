/**
 * Writes tiny ONNX graphs for interface tests that no exported model covers (such as a Paraformer
 * declaring int64 lengths). Only what those graphs need of the protobuf format.
 */

export type ElementType = 'float32' | 'int32' | 'int64';
const ELEMENT_TYPES: Record<ElementType, number> = { float32: 1, int32: 6, int64: 7 };

export interface ValueInfo {
	name: string;
	type: ElementType;
	/** Numbers are fixed sizes, strings named dynamic ones. */
	shape: (number | string)[];
}

export interface Node {
	op: string;
	inputs: string[];
	outputs: string[];
	/** Integer-list attributes, such as a Transpose's perm. */
	ints?: Record<string, number[]>;
}

const ATTRIBUTE_TYPE_INTS = 7;

export interface Int64Initializer {
	name: string;
	values: number[];
}

export interface Graph {
	inputs: ValueInfo[];
	outputs: ValueInfo[];
	nodes: Node[];
	initializers: Int64Initializer[];
	opset: number;
}

export function encodeModel(graph: Graph): Uint8Array {
	const graphBytes = concat(
		...graph.nodes.map((node, i) =>
			message(
				1,
				concat(
					...node.inputs.map((n) => text(1, n)),
					...node.outputs.map((n) => text(2, n)),
					text(3, `node${i}`),
					text(4, node.op),
					...Object.entries(node.ints ?? {}).map(([name, values]) =>
						message(
							5,
							concat(
								text(1, name),
								...values.map((value) => varintField(8, value)),
								varintField(20, ATTRIBUTE_TYPE_INTS),
							),
						),
					),
				),
			),
		),
		text(2, 'tiny'),
		...graph.initializers.map((init) =>
			message(
				5,
				concat(
					varintField(1, init.values.length),
					varintField(2, ELEMENT_TYPES.int64),
					text(8, init.name),
					bytesField(9, int64Bytes(init.values)),
				),
			),
		),
		...graph.inputs.map((value) => message(11, valueInfo(value))),
		...graph.outputs.map((value) => message(12, valueInfo(value))),
	);
	return concat(
		varintField(1, 8),
		text(2, 'rtmp-asr-tests'),
		message(7, graphBytes),
		message(8, concat(text(1, ''), varintField(2, graph.opset))),
	);
}

function valueInfo(value: ValueInfo): Uint8Array {
	const dims = value.shape.map((dim) =>
		message(1, typeof dim === 'number' ? varintField(1, dim) : text(2, dim)),
	);
	const tensorType = concat(varintField(1, ELEMENT_TYPES[value.type]), message(2, concat(...dims)));
	return concat(text(1, value.name), message(2, message(1, tensorType)));
}

function int64Bytes(values: number[]): Uint8Array {
	const bytes = new Uint8Array(values.length * 8);
	const view = new DataView(bytes.buffer);
	values.forEach((value, i) => view.setBigInt64(i * 8, BigInt(value), true));
	return bytes;
}

function varint(value: number): number[] {
	const bytes: number[] = [];
	let rest = BigInt(value);
	do {
		let byte = Number(rest & 0x7fn);
		rest >>= 7n;
		if (rest > 0n) byte |= 0x80;
		bytes.push(byte);
	} while (rest > 0n);
	return bytes;
}

function varintField(field: number, value: number): Uint8Array {
	return Uint8Array.from([...varint(field << 3), ...varint(value)]);
}

function bytesField(field: number, bytes: Uint8Array): Uint8Array {
	return concat(Uint8Array.from([...varint((field << 3) | 2), ...varint(bytes.length)]), bytes);
}

const message = bytesField;

function text(field: number, value: string): Uint8Array {
	return bytesField(field, new TextEncoder().encode(value));
}

function concat(...parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
	let offset = 0;
	for (const part of parts) {
		out.set(part, offset);
		offset += part.length;
	}
	return out;
}
