import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
	describeProgress,
	formatBytes,
	formatDuration,
	progressPrinter,
	RateMeter,
} from '../../../models/progress.js';
import type { PullEvent } from '../../../models/pull-events.js';

test('the rate is measured over the last seconds, and ETA follows from it', () => {
	let now = 0;
	const meter = new RateMeter(5_000, () => now);
	assert.deepEqual(
		meter.update(0, 30_000_000),
		{ received: 0, total: 30_000_000, bytesPerSecond: null, etaSeconds: null },
		'no rate from one measurement',
	);
	let received = 0;
	for (let second = 1; second <= 10; second++) {
		now = second * 1000;
		received += 2_000_000;
		meter.update(received, 30_000_000);
	}
	assert.equal(meter.update(received, 30_000_000).bytesPerSecond, 2_000_000);
	// The connection slows down: five seconds later only the slow part is in the window.
	let latest = meter.update(received, 30_000_000);
	for (let second = 11; second <= 15; second++) {
		now = second * 1000;
		received += 500_000;
		latest = meter.update(received, 30_000_000);
	}
	assert.equal(latest.bytesPerSecond, 500_000);
	assert.equal(latest.etaSeconds, (30_000_000 - 22_500_000) / 500_000);
	assert.equal(meter.update(received, null).etaSeconds, null, 'no ETA without a size');
});

test('bytes and durations read naturally', () => {
	assert.equal(formatBytes(512), '512 B');
	assert.equal(formatBytes(1500), '1.50 kB');
	assert.equal(formatBytes(880_000_000), '880.0 MB');
	assert.equal(formatBytes(238_380_216), '238.4 MB');
	assert.equal(formatDuration(39.2), '0:40');
	assert.equal(formatDuration(3725), '1:02:05');
	assert.equal(
		describeProgress({ received: 400e6, total: 880e6, bytesPerSecond: 12e6, etaSeconds: 40 }),
		'45%, 400.0 MB of 880.0 MB, 12.0 MB/s, ETA 0:40',
	);
	assert.equal(
		describeProgress({ received: 2000, total: null, bytesPerSecond: 0, etaSeconds: null }),
		'2.00 kB, 0 B/s',
	);
	assert.equal(
		describeProgress({ received: 2000, total: 4000, bytesPerSecond: null, etaSeconds: null }),
		'50%, 2.00 kB of 4.00 kB',
	);
});

const start: PullEvent = {
	type: 'start',
	model: 'fsmn-vad',
	file: 'model.onnx',
	fileIndex: 0,
	fileCount: 3,
	source: 'modelscope',
	url: 'http://x/model.onnx',
	resumeFrom: 0,
};
const progressAt = (received: number): PullEvent => ({
	type: 'progress',
	model: 'fsmn-vad',
	file: 'model.onnx',
	progress: { received, total: 1000, bytesPerSecond: 100, etaSeconds: (1000 - received) / 100 },
});
const done: PullEvent = {
	type: 'done',
	model: 'fsmn-vad',
	file: 'model.onnx',
	bytes: 1000,
	source: 'modelscope',
};

test('on a terminal the progress is one bar redrawn in place', () => {
	const written: string[] = [];
	const print = progressPrinter({ isTTY: true, columns: 100, write: (text) => written.push(text) });
	for (const event of [start, progressAt(100), progressAt(550), done]) print(event);
	assert.equal(written[0], 'fsmn-vad: model.onnx [1/3] from modelscope (http://x/model.onnx)\n');
	assert.equal(
		written[1],
		'\r\x1b[Kmodel.onnx [###...........................] 10%, 100 B of 1.00 kB, 100 B/s, ETA 0:09',
	);
	assert.equal(
		written[2],
		'\r\x1b[Kmodel.onnx [#################.............] 55%, 550 B of 1.00 kB, 100 B/s, ETA 0:05',
	);
	assert.deepEqual(written.slice(3), [
		'\r\x1b[K',
		'fsmn-vad: model.onnx done (1.00 kB from modelscope)\n',
	]);
});

test('elsewhere (a pipe, a log) progress is a plain line every 10 %', () => {
	const written: string[] = [];
	const print = progressPrinter({ write: (text) => written.push(text) });
	print(start);
	for (let received = 0; received <= 1000; received += 25) print(progressAt(received));
	print(done);
	const lines = written.join('').trimEnd().split('\n');
	assert.equal(lines.length, 11);
	assert.deepEqual(lines.slice(1, 3), [
		'fsmn-vad: model.onnx: 10%, 100 B of 1.00 kB, 100 B/s, ETA 0:09',
		'fsmn-vad: model.onnx: 20%, 200 B of 1.00 kB, 100 B/s, ETA 0:08',
	]);
	assert.equal(lines[9], 'fsmn-vad: model.onnx: 90%, 900 B of 1.00 kB, 100 B/s, ETA 0:01');
	assert.equal(
		lines[10],
		'fsmn-vad: model.onnx done (1.00 kB from modelscope)',
		'the done line, not a 100 % line',
	);
	assert.ok(!written.join('').includes('\r'), 'no control characters in a log');
});
