import assert from 'node:assert/strict';
import { test } from 'node:test';
import { S16leDecoder } from '../../../engine/source/s16le-decoder.js';

function encode(values: number[]): Uint8Array {
	const bytes = new Uint8Array(values.length * 2);
	const view = new DataView(bytes.buffer);
	values.forEach((value, index) => view.setInt16(index * 2, value, true));
	return bytes;
}

const VALUES = [0, 1, -1, 32767, -32768, 1234, -4321, 256, -256, 255];

test('decodes s16le to Float32 on the int16 scale', () => {
	assert.deepEqual(Array.from(new S16leDecoder().decode(encode(VALUES))), VALUES);
});

test('any split of the byte stream gives the same samples, odd splits included', () => {
	const bytes = encode(VALUES);
	for (let first = 0; first <= bytes.length; first++) {
		for (let second = first; second <= bytes.length; second++) {
			const decoder = new S16leDecoder();
			const parts = [
				bytes.subarray(0, first),
				bytes.subarray(first, second),
				bytes.subarray(second),
			];
			const samples = parts.flatMap((part) => Array.from(decoder.decode(part)));
			assert.deepEqual(samples, VALUES, `split at ${first}, ${second}`);
		}
	}
});

test('single bytes one at a time', () => {
	const decoder = new S16leDecoder();
	const samples: number[] = [];
	for (const byte of encode(VALUES)) samples.push(...decoder.decode(Uint8Array.of(byte)));
	assert.deepEqual(samples, VALUES);
});
