import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import {
	MAX_FIELD_HEADER_BYTES,
	readField,
	readVarint,
	WIRE_LENGTH_DELIMITED,
	WIRE_VARINT,
	WireFormatError,
} from '../engine/onnx/protobuf-wire.js';

const IR_VERSION_FIELD = 1;
/** Field 1 as a varint: the first byte of every ONNX export. */
const IR_VERSION_KEY = (IR_VERSION_FIELD << 3) | WIRE_VARINT;
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

function walk(file: PositionalReader): string | null {
	if (file.size === 0) return 'it is empty';
	if (file.byteAt(0) !== IR_VERSION_KEY)
		return `it does not start like an ONNX model (first bytes ${file.hexAt(0, 8)}${looksLikeText(file) ? ', which is text: an error page?' : ''})`;
	let sawGraph = false;
	try {
		for (let position = 0, fields = 0; position < file.size; fields++) {
			if (fields === MAX_TOP_LEVEL_FIELDS)
				return 'it has too many top-level fields to be an ONNX model';
			const header = file.bytes(position, MAX_FIELD_HEADER_BYTES);
			const field = readField(header, position, file.size, position);
			if (field.wireType === WIRE_VARINT) {
				const value = readVarint(header, field.start, field.end, position).value;
				if (field.number === IR_VERSION_FIELD && (value < 1 || value > MAX_IR_VERSION))
					return `its ir_version ${value} is not plausible`;
			} else if (field.wireType === WIRE_LENGTH_DELIMITED) {
				if (field.number === GRAPH_FIELD) sawGraph = true;
			} else {
				return `field ${field.number} has wire type ${field.wireType}, which a ModelProto never uses`;
			}
			position = field.end;
		}
	} catch (error) {
		if (error instanceof WireFormatError) return `it ${error.message}`;
		throw error;
	}
	return sawGraph ? null : 'it has no graph';
}

function looksLikeText(reader: PositionalReader): boolean {
	const head = reader.bytes(0, 16);
	return head.every(
		(byte) => byte === 0x09 || byte === 0x0a || byte === 0x0d || (byte >= 0x20 && byte < 0x7f),
	);
}

/** Small reads at arbitrary offsets of an open file. */
class PositionalReader {
	private readonly buffer = Buffer.alloc(MAX_FIELD_HEADER_BYTES);

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
		return [...this.bytes(position, count)]
			.map((byte) => byte.toString(16).padStart(2, '0'))
			.join(' ');
	}
}
