import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LivePipelineEvents } from '../../../engine/pipeline/events.js';
import {
	StreamSupervisor,
	type StreamSession,
} from '../../../engine/pipeline/stream-supervisor.js';
import { sharedPath } from '../../helpers/paths.js';
import { ffmpegReadersOf, waitFor } from '../../helpers/pipeline-recorder.js';

/** 44 s of audio: more than ffmpeg's pipe and Node's buffer hold, so a held reader blocks ffmpeg. */
const STREAM = sharedPath('audio', 'toy', 'toy_stream.wav');
const HELD_MS = 2500;

test('a hold set while the stream is down keeps the next connection paused until it is let go', async () => {
	const events = new EventEmitter<LivePipelineEvents>();
	const statuses: string[] = [];
	events.on('status', (status) => statuses.push(status.type));
	const failures: Error[] = [];
	events.on('warning', (warning) => failures.push(warning));
	events.on('error', (error) => failures.push(error));
	let sessions = 0;
	let exits = 0;
	// A file that does not finish by itself ends like a dropped stream: the supervisor reconnects.
	const supervisor: StreamSupervisor<StreamSession> = new StreamSupervisor(
		{
			url: STREAM,
			finishAtEnd: false,
			reconnect: { initialDelayMs: 100, maxDelayMs: 100 },
			// Shorter than the hold below: a held connection must count as neither.
			startTimeoutMs: HELD_MS / 2,
			stallTimeoutMs: HELD_MS / 2,
		},
		events,
		{
			session: (clock) => {
				sessions++;
				return clock;
			},
			audio: () => undefined,
			// The recognition queue is still full when the stream drops: the pipeline holds the reader.
			exited: () => {
				if (++exits === 1) supervisor.hold(true);
			},
			ended: () => undefined,
		},
	);
	try {
		supervisor.begin();
		supervisor.connect();
		await waitFor(() => statuses.includes('reconnecting'), 10_000, 'the first connection to end');
		await waitFor(() => supervisor.reading, 5_000, 'the reconnect to start ffmpeg');
		await sleep(HELD_MS);
		assert.equal(sessions, 1, 'no audio was read from the new connection while held');
		assert.equal(
			ffmpegReadersOf(`file:${STREAM}`).length,
			1,
			'its ffmpeg waits, blocked on the pipe',
		);
		supervisor.hold(false);
		await waitFor(() => sessions === 2, 10_000, 'the held connection to deliver its audio');
		assert.deepEqual(statuses.slice(0, 4), [
			'connected',
			'disconnected',
			'reconnecting',
			'connected',
		]);
		assert.deepEqual(failures, [], 'a held connection is neither a stall nor a failed start');
	} finally {
		await supervisor.close();
	}
	assert.deepEqual(ffmpegReadersOf(`file:${STREAM}`), [], 'no ffmpeg left after close');
});
