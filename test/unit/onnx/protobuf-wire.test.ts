import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
	MAX_FIELD_HEADER_BYTES,
	readField,
	readFields,
	readVarint,
	WIRE_FIXED32,
	WIRE_FIXED64,
	WIRE_LENGTH_DELIMITED,
	WIRE_VARINT,
	WireFormatError,
	type WireField,
} from '../../../engine/onnx/protobuf-wire.js';
import { ort } from '../../../engine/onnx/onnx-session.js';
import { fixturePath, sharedPath } from '../../helpers/paths.js';

/** Protobuf's varint encoding, written from the specification with bigint (independent of the reader's arithmetic). */
function varint(value: bigint | number): number[] {
	let rest = BigInt(value);
	const bytes: number[] = [];
	do {
		const low = Number(rest & 0x7fn);
		rest >>= 7n;
		bytes.push(rest > 0n ? low | 0x80 : low);
	} while (rest > 0n);
	return bytes;
}

const key = (number: number, wireType: number) => varint((BigInt(number) << 3n) | BigInt(wireType));
const lengthDelimited = (number: number, payload: number[]) => [
	...key(number, WIRE_LENGTH_DELIMITED),
	...varint(payload.length),
	...payload,
];
const utf8 = (text: string) => [...Buffer.from(text, 'utf8')];
const text = (bytes: Uint8Array, field: WireField) =>
	Buffer.from(bytes.subarray(field.start, field.end)).toString('utf8');

function assertWireError(read: () => unknown, message: RegExp, position: number): void {
	assert.throws(read, (error: unknown) => {
		assert.ok(error instanceof WireFormatError, String(error));
		assert.match(error.message, message);
		assert.equal(error.position, position);
		return true;
	});
}

test('varints of one to ten bytes decode to their value and length', () => {
	const values = [
		0n,
		1n,
		127n,
		128n,
		150n,
		300n,
		16_383n,
		16_384n,
		2n ** 31n - 1n,
		2n ** 32n,
		2n ** 40n + 12_345n,
		2n ** 53n - 1n,
		2n ** 63n,
	];
	for (const value of values) {
		const bytes = Uint8Array.from([0xaa, ...varint(value), 0xaa]);
		const decoded = readVarint(bytes, 1);
		assert.equal(decoded.value, Number(value), `value ${value}`);
		assert.equal(decoded.next, bytes.length - 1, `length of ${value}`);
	}
	assert.deepEqual(varint(300n), [0xac, 0x02], 'the encoder follows the specification');
	assert.equal(varint(2n ** 63n).length, 10);
	const largest = readVarint(Uint8Array.from(varint(2n ** 64n - 1n)), 0);
	assert.equal(largest.next, 10);
	assert.equal(largest.value, 2 ** 64, 'beyond 2^53 a value is rounded, not wrapped');
});

test('a varint longer than 64 bits, or cut short, is an error naming its position', () => {
	assertWireError(
		() => readVarint(Uint8Array.from([0, ...Array<number>(9).fill(0xff), 0x02]), 1),
		/longer than 64 bits at byte 1/,
		1,
	);
	assertWireError(
		() => readVarint(Uint8Array.from(Array<number>(12).fill(0xff)), 0),
		/longer than 64 bits at byte 0/,
		0,
	);
	assertWireError(
		() => readVarint(Uint8Array.from([0x96]), 0),
		/ends inside a varint at byte 0: truncated/,
		0,
	);
	assertWireError(() => readVarint(Uint8Array.from([0x96, 0x01]), 0, 1), /truncated/, 0);
});

test('fields of every wire type come with their number, key and payload bounds', () => {
	const nested = [...key(1, WIRE_VARINT), ...varint(150)];
	const message = Uint8Array.from([
		...lengthDelimited(2, utf8('Paraformer')),
		...key(3, WIRE_VARINT),
		...varint(2n ** 35n),
		...key(4, WIRE_FIXED32),
		1,
		2,
		3,
		4,
		...key(5, WIRE_FIXED64),
		1,
		2,
		3,
		4,
		5,
		6,
		7,
		8,
		...lengthDelimited(6, nested),
		...lengthDelimited(2000, []),
	]);
	const fields = readFields(message);
	assert.deepEqual(
		fields.map((field) => [field.number, field.wireType]),
		[
			[2, WIRE_LENGTH_DELIMITED],
			[3, WIRE_VARINT],
			[4, WIRE_FIXED32],
			[5, WIRE_FIXED64],
			[6, WIRE_LENGTH_DELIMITED],
			[2000, WIRE_LENGTH_DELIMITED],
		],
	);
	assert.equal(text(message, fields[0]), 'Paraformer');
	assert.deepEqual([fields[0].keyAt, fields[0].start, fields[0].end], [0, 2, 12]);
	assert.equal(
		readVarint(message, fields[1].start, fields[1].end).value,
		2 ** 35,
		'a varint field spans its own varint',
	);
	assert.deepEqual([...message.subarray(fields[2].start, fields[2].end)], [1, 2, 3, 4]);
	assert.deepEqual([...message.subarray(fields[3].start, fields[3].end)], [1, 2, 3, 4, 5, 6, 7, 8]);
	const inner = readFields(message, fields[4].start, fields[4].end);
	assert.deepEqual(
		inner.map((field) => [field.number, readVarint(message, field.start, field.end).value]),
		[[1, 150]],
	);
	assert.equal(fields[5].start, fields[5].end, 'an empty payload');
	assert.equal(fields[5].end, message.length, 'the last field ends the message');
	assert.deepEqual(readFields(message, 3, 3), [], 'an empty range has no fields');
});

test('a window of a larger message: positions count from its origin, lengths may reach past the window (64-bit)', () => {
	const length = 2 ** 40 + 3;
	const header = Uint8Array.from([...key(7, WIRE_LENGTH_DELIMITED), ...varint(length)]);
	assert.ok(header.length <= MAX_FIELD_HEADER_BYTES);
	const origin = 5_000_000_000;
	const field = readField(header, origin, origin + header.length + length, origin);
	assert.deepEqual(field, {
		number: 7,
		wireType: WIRE_LENGTH_DELIMITED,
		keyAt: origin,
		start: origin + header.length,
		end: origin + header.length + length,
	});
	assertWireError(
		() => readField(header, origin, origin + header.length + length - 1, origin),
		new RegExp(
			`field 7 at byte ${origin} running to byte ${origin + header.length + length}, past the end at byte ${origin + header.length + length - 1}: truncated`,
		),
		origin,
	);
	const longest = Uint8Array.from([
		...key(536_870_911, WIRE_LENGTH_DELIMITED),
		...varint(2n ** 64n - 1n),
	]);
	assert.equal(
		longest.length,
		MAX_FIELD_HEADER_BYTES - 5,
		'the largest key and length fit the header window',
	);
	assertWireError(
		() => readField(longest, 0, 2 ** 50),
		/field 536870911 at byte 0 running to byte .*: truncated/,
		0,
	);
});

test('a truncated message names where it ends and what was cut', () => {
	const message = Uint8Array.from([
		...key(1, WIRE_VARINT),
		...varint(300),
		...lengthDelimited(2, utf8('hello')),
	]);
	assert.equal(readFields(message).length, 2);
	assertWireError(
		() => readFields(message.subarray(0, message.length - 1)),
		/has field 2 at byte 3 running to byte 10, past the end at byte 9: truncated/,
		3,
	);
	assertWireError(
		() => readFields(message.subarray(0, 4)),
		/ends inside field 2 at byte 4: truncated/,
		4,
	);
	assertWireError(
		() => readFields(message.subarray(0, 2)),
		/ends inside field 1 at byte 1: truncated/,
		1,
	);
	assertWireError(
		() => readFields(Uint8Array.from([0x80])),
		/ends inside a field key at byte 0: truncated/,
		0,
	);
	assertWireError(
		() => readFields(Uint8Array.from([...key(4, WIRE_FIXED64), 1, 2, 3])),
		/field 4 at byte 0 running to byte 9, past the end at byte 4: truncated/,
		0,
	);
	assertWireError(() => readFields(message, 0, 7), /past the end at byte 7: truncated/, 3);
});

test('field number 0 and wire types without a length are errors', () => {
	assertWireError(
		() => readFields(Uint8Array.from([0x08, 0x01, 0x00, 0x00])),
		/invalid field number \(0\) at byte 2/,
		2,
	);
	assertWireError(
		() => readField(Uint8Array.from(key(3, 3)), 0),
		/field 3 with wire type 3 \(a group, which ONNX never uses\) at byte 0/,
		0,
	);
	assertWireError(
		() => readField(Uint8Array.from(key(9, 6)), 0),
		/field 9 with the undefined wire type 6 at byte 0/,
		0,
	);
});

test('an ONNX model walks to its end, and its graph inputs and outputs are the ones onnxruntime reports', async () => {
	for (const path of [
		sharedPath('models', 'fsmn-vad', 'model.onnx'),
		fixturePath('models', 'tiny-paraformer', 'model_quant.onnx'),
	]) {
		const model = readFileSync(path);
		const top = readFields(model);
		assert.equal(top.at(-1)!.end, model.length, path);
		assert.deepEqual(
			top.filter((field) => field.number === 1).map((field) => field.wireType),
			[WIRE_VARINT],
			'one ir_version',
		);
		const graphs = top.filter((field) => field.number === 7);
		assert.equal(graphs.length, 1, 'one graph');
		const graph = readFields(model, graphs[0].start, graphs[0].end);
		const names = (number: number, nameField: number) =>
			graph
				.filter((field) => field.number === number)
				.map((field) =>
					readFields(model, field.start, field.end).find((inner) => inner.number === nameField)!,
				)
				.map((name) => text(model, name));
		const initializers = new Set(names(5, 8));
		const session = await ort.InferenceSession.create(path);
		try {
			assert.deepEqual(
				names(11, 1).filter((name) => !initializers.has(name)),
				session.inputNames,
				path,
			);
			assert.deepEqual(names(12, 1), session.outputNames, path);
		} finally {
			await session.release();
		}
	}
});
