import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const IR_VERSION_TAG = 0x08;
const GRAPH_FIELD = 7;
const MAX_IR_VERSION = 100;
/** A ModelProto has a dozen top-level fields; far more means this is not one. */
const MAX_TOP_LEVEL_FIELDS = 10_000;

/**
 * Why the file is not a complete ONNX model, or null. Walks the top-level fields of the protobuf
 * ModelProto without reading their contents: an ONNX export starts with field 1 (ir_version, a
 * varint), has a graph (field 7) and its last field ends exactly at the end of the file — so an HTML
 * error page, a truncated download or a file with bytes appended is caught in a few reads, even at
 * hundreds of megabytes.
 */
export function onnxStructureProblem(path: string): string | null {
	const fd = openSync(path, 'r');
	try {
		return walk(new PositionalReader(fd, fstatSync(fd).size));
	} finally {
		closeSync(fd);
	}
}

function walk(reader: PositionalReader): string | null {
	if (reader.size === 0) return 'it is empty';
	const first = reader.byteAt(0);
	if (first !== IR_VERSION_TAG) return `it does not start like an ONNX model (first bytes ${reader.hexAt(0, 8)}${looksLikeText(reader) ? ', which is text: an error page?' : ''})`;
	let position = 0;
	let sawGraph = false;
	for (let fields = 0; position < reader.size; fields++) {
		if (fields === MAX_TOP_LEVEL_FIELDS) return 'it has too many top-level fields to be an ONNX model';
		const tag = reader.varintAt(position);
		if (!tag) return `it ends inside a field header at byte ${position}: truncated`;
		position += tag.length;
		const field = Number(tag.value >> 3n);
		const wireType = Number(tag.value & 7n);
		if (field === 0) return `it has an invalid field number at byte ${position - tag.length}`;
		if (wireType === WIRE_VARINT) {
			const value = reader.varintAt(position);
			if (!value) return `it ends inside field ${field} at byte ${position}: truncated`;
			if (field === 1 && (value.value < 1n || value.value > BigInt(MAX_IR_VERSION))) return `its ir_version ${value.value} is not plausible`;
			position += value.length;
		} else if (wireType === WIRE_LENGTH_DELIMITED) {
			const length = reader.varintAt(position);
			if (!length) return `it ends inside field ${field} at byte ${position}: truncated`;
			position += length.length;
			const end = position + Number(length.value);
			if (end > reader.size) return `field ${field} needs ${end} bytes but the file has ${reader.size}: truncated`;
			if (field === GRAPH_FIELD) sawGraph = true;
			position = end;
		} else {
			return `field ${field} has wire type ${wireType}, which a ModelProto never uses`;
		}
	}
	return sawGraph ? null : 'it has no graph';
}

function looksLikeText(reader: PositionalReader): boolean {
	const head = reader.bytes(0, 16);
	return head.every((byte) => byte === 0x09 || byte === 0x0a || byte === 0x0d || (byte >= 0x20 && byte < 0x7f));
}

/** Small reads at arbitrary offsets of an open file. */
class PositionalReader {
	private readonly buffer = Buffer.alloc(16);

	constructor(
		private readonly fd: number,
		readonly size: number,
	) {}

	bytes(position: number, count: number): Buffer {
		const length = readSync(this.fd, this.buffer, 0, Math.min(count, this.buffer.length), position);
		return this.buffer.subarray(0, length);
	}

	byteAt(position: number): number | undefined {
		return this.bytes(position, 1)[0];
	}

	hexAt(position: number, count: number): string {
		return [...this.bytes(position, count)].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
	}

	/** A base-128 varint, or null when the file ends first (or it runs past 10 bytes). */
	varintAt(position: number): { value: bigint; length: number } | null {
		const bytes = this.bytes(position, 10);
		let value = 0n;
		for (let i = 0; i < bytes.length; i++) {
			value |= BigInt(bytes[i]! & 0x7f) << BigInt(7 * i);
			if ((bytes[i]! & 0x80) === 0) return { value, length: i + 1 };
		}
		return null;
	}
}
