/**
 * Protobuf's wire format (protobuf.dev/programming-guides/encoding), as far as walking an ONNX model
 * needs: where each field of a message is, without decoding the message. Positions are byte offsets
 * into `bytes`, or, when `bytes` holds only a window of a larger message (a file read piece by
 * piece), offsets into that message with `origin` the position of `bytes[0]`.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_FIXED32 = 5;

/** A key and a length (or a varint value) at most: a window this long holds any field's header. */
export const MAX_FIELD_HEADER_BYTES = 20;

const MAX_VARINT_BYTES = 10;
const MAX_FIELD_NUMBER = 2 ** 29 - 1;

/** Bytes that are not a well-formed protobuf message; the message reads after a subject ("the model …"). */
export class WireFormatError extends Error {
	constructor(
		message: string,
		/** Where reading stopped. */
		readonly position: number,
	) {
		super(message);
		this.name = 'WireFormatError';
	}
}

export interface Varint {
	/** Exact up to 2^53; beyond, rounded (a length that large is past the end of anything anyway). */
	value: number;
	/** The position after the varint. */
	next: number;
}

export interface WireField {
	number: number;
	wireType: number;
	/** Where the field's key begins. */
	keyAt: number;
	/** The payload: a length-delimited field's bytes; for a scalar, its own bytes (the varint, or 4 or 8 fixed bytes). */
	start: number;
	end: number;
}

/** The varint at `position`, which must end before `end`. */
export function readVarint(
	bytes: Uint8Array,
	position: number,
	end = bytes.length,
	origin = 0,
): Varint {
	const varint = varintAt(bytes, position, end, origin);
	if (!varint)
		throw new WireFormatError(`ends inside a varint at byte ${position}: truncated`, position);
	return varint;
}

/** The field whose key is at `position`, which must end by `end` (the end of its message). */
export function readField(
	bytes: Uint8Array,
	position: number,
	end = bytes.length,
	origin = 0,
): WireField {
	const key = varintAt(bytes, position, end, origin);
	if (!key)
		throw new WireFormatError(`ends inside a field key at byte ${position}: truncated`, position);
	const number = Math.floor(key.value / 8);
	const wireType = key.value % 8;
	if (number === 0 || number > MAX_FIELD_NUMBER)
		throw new WireFormatError(
			`has an invalid field number (${number}) at byte ${position}`,
			position,
		);
	let start = key.next;
	let payloadEnd: number;
	if (wireType === WIRE_VARINT || wireType === WIRE_LENGTH_DELIMITED) {
		const varint = varintAt(bytes, key.next, end, origin);
		if (!varint)
			throw new WireFormatError(
				`ends inside field ${number} at byte ${key.next}: truncated`,
				key.next,
			);
		if (wireType === WIRE_VARINT) {
			payloadEnd = varint.next;
		} else {
			start = varint.next;
			payloadEnd = varint.next + varint.value;
		}
	} else if (wireType === WIRE_FIXED64) {
		payloadEnd = key.next + 8;
	} else if (wireType === WIRE_FIXED32) {
		payloadEnd = key.next + 4;
	} else {
		// Groups cannot be skipped without parsing them, and ONNX never uses them.
		const kind =
			wireType === 3 || wireType === 4
				? `wire type ${wireType} (a group, which ONNX never uses)`
				: `the undefined wire type ${wireType}`;
		throw new WireFormatError(`has field ${number} with ${kind} at byte ${position}`, position);
	}
	if (payloadEnd > end)
		throw new WireFormatError(
			`has field ${number} at byte ${position} running to byte ${payloadEnd}, past the end at byte ${end}: truncated`,
			position,
		);
	return { number, wireType, keyAt: position, start, end: payloadEnd };
}

/** Every field of the message between `start` and `end`, in order. */
export function readFields(bytes: Uint8Array, start = 0, end = bytes.length): WireField[] {
	const fields: WireField[] = [];
	for (let position = start; position < end;) {
		const field = readField(bytes, position, end);
		fields.push(field);
		position = field.end;
	}
	return fields;
}

/** The varint at `position`, or null when the bytes (or the message) end first. */
function varintAt(bytes: Uint8Array, position: number, end: number, origin: number): Varint | null {
	const available = Math.min(end, origin + bytes.length);
	let value = 0;
	let scale = 1;
	for (let at = position, count = 1; at < available; at++, count++) {
		const byte = bytes[at - origin];
		// The tenth byte holds the 64th bit only.
		if (count === MAX_VARINT_BYTES && byte > 1)
			throw new WireFormatError(`has a varint longer than 64 bits at byte ${position}`, position);
		value += (byte & 0x7f) * scale;
		if (byte < 0x80) return { value, next: at + 1 };
		scale *= 128;
	}
	return null;
}
