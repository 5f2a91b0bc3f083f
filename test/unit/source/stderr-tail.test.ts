import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactText } from '../../../engine/source/redact.js';
import { MAX_LINE_LENGTH, StderrTail } from '../../../engine/source/stderr-tail.js';
import { parseStreamInput } from '../../../engine/source/stream-url.js';

test('keeps the last lines, split on \\n, \\r\\n and \\r, blank lines dropped', () => {
	const tail = new StderrTail(3);
	tail.push('one\ntwo\r\n\nthr');
	tail.push('ee\rfour\n');
	tail.push('fi');
	assert.deepEqual(tail.lines(), ['three', 'four', 'fi']);
});

test('a line split across chunks comes back whole, so that it can be redacted whole', () => {
	const tail = new StderrTail();
	tail.push('rtmp://h/live/top');
	assert.deepEqual(tail.lines(), ['rtmp://h/live/top']);
	tail.push('secret: Input/output error\n');
	assert.deepEqual(tail.lines(), ['rtmp://h/live/topsecret: Input/output error']);
});

test('an endless line is bounded', () => {
	const tail = new StderrTail();
	for (let i = 0; i < 100; i++) tail.push('x'.repeat(1000));
	assert.ok(tail.lines()[0].length <= MAX_LINE_LENGTH);
});

test('a line holds the longest URL whole, so that no piece of its secrets escapes redaction', () => {
	const password = `pw${'P'.repeat(3000)}`;
	const input = parseStreamInput(`rtsp://admin:${password}@cam.local:554/stream1`);
	const tail = new StderrTail();
	tail.push(
		`[tcp @ 0x55fb6d2f3100] Connection to ${input.ffmpegUrl} failed: Connection refused\n${input.ffmpegUrl}: Connection refused`,
	);
	for (const line of tail.lines())
		assert.ok(!redactText(line, input.secrets).includes('PPPP'), line.slice(0, 80));
});
