import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineError } from '../../../engine/errors.js';
import { ConnectionWatch } from '../../../engine/pipeline/connection-watch.js';
import type { FfmpegSource } from '../../../engine/source/ffmpeg-source.js';

/** The part of FfmpegSource the watch uses: what it was failed with. */
function fakeSource(): { source: FfmpegSource; failures: EngineError[] } {
	const failures: EngineError[] = [];
	return {
		source: {
			fail: (error: EngineError) => failures.push(error),
			stderr: [],
		} as unknown as FfmpegSource,
		failures,
	};
}

test('no audio within the start deadline fails the connection, naming the stream', async () => {
	const { source, failures } = fakeSource();
	const watch = new ConnectionWatch(source, {
		stream: 'http://host/a.wav?token=***',
		startTimeoutMs: 60,
		stallTimeoutMs: 1000,
		paused: () => false,
	});
	await sleep(120);
	watch.stop();
	assert.equal(failures.length, 1);
	assert.equal(failures[0].code, 'STREAM_STALLED');
	assert.equal(failures[0].fatal, false);
	assert.match(
		failures[0].message,
		/No audio from http:\/\/host\/a\.wav\?token=\*\*\* within 0\.1 s of connecting/,
	);
});

test('audio in time switches to stall detection; a paused reader is neither a failed start nor a stall', async () => {
	const { source, failures } = fakeSource();
	let paused = true;
	const watch = new ConnectionWatch(source, {
		stream: 's',
		startTimeoutMs: 60,
		stallTimeoutMs: 60,
		paused: () => paused,
	});
	await sleep(150);
	assert.equal(failures.length, 0, 'paused before the first audio');
	paused = false;
	watch.audio();
	paused = true;
	await sleep(150);
	assert.equal(failures.length, 0, 'paused after it');
	paused = false;
	await sleep(200);
	watch.stop();
	assert.equal(failures.length, 1);
	assert.match(failures[0].message, /No audio from s for 0 s\./);
});

test('stop() leaves no timer', async () => {
	const { source, failures } = fakeSource();
	const before = process
		.getActiveResourcesInfo()
		.filter((resource) => resource === 'Timeout').length;
	const watch = new ConnectionWatch(source, {
		stream: 's',
		startTimeoutMs: 30,
		paused: () => false,
	});
	watch.stop();
	assert.equal(
		process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length,
		before,
	);
	await sleep(60);
	assert.deepEqual(failures, []);
});
