import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCopyPublishers } from '../../../bench/copy-publishers.js';
import { decodeFile, FfmpegSource } from '../../../engine/source/ffmpeg-source.js';
import { sharedPath } from '../../helpers/paths.js';
import { waitUntilGone } from '../../helpers/processes.js';
import { encodedFlv } from '../../helpers/publisher.js';
import { RtmpPublishConnection } from '../../helpers/rtmp-publisher.js';
import { startRtmpServer } from '../../helpers/rtmp-server.js';

const RATE = 16000;
const PUBLISH_MS = 4000;

/** The largest normalized cross-correlation of `b` against `a` shifted by 0 to `maxLag` samples. */
function bestCorrelation(a: Float32Array, b: Float32Array, maxLag: number): number {
	let best = -1;
	for (let lag = 0; lag <= maxLag; lag++) {
		let ab = 0;
		let aa = 0;
		let bb = 0;
		for (let i = 0; i + lag < a.length && i < b.length; i++) {
			ab += a[i + lag] * b[i];
			aa += a[i + lag] * a[i + lag];
			bb += b[i] * b[i];
		}
		best = Math.max(best, ab / Math.sqrt(aa * bb));
	}
	return best;
}

test('the benchmark publishers send an FLV over RTMP at real-time pace, audio unchanged', async (t) => {
	const server = await startRtmpServer();
	t.after(() => server.stop());
	const flv = await encodedFlv(sharedPath('audio', 'toy', 'toy_stream.wav'));
	const urls = [server.url('live', 'a'), server.url('live', 'b')];
	// The readers wait for the streams, so that they get them from their first frame.
	const heard = urls.map((url) => {
		const source = new FfmpegSource({ url });
		const chunks: Float32Array[] = [];
		source.on('audio', (chunk) => chunks.push(chunk));
		source.start();
		return { source, chunks };
	});
	t.after(() => Promise.all(heard.map(({ source }) => source.stop())));
	await sleep(500);
	const publishers = await startCopyPublishers({ urls, files: [flv, flv] });
	const started = performance.now();
	await sleep(PUBLISH_MS);
	const elapsedS = (performance.now() - started) / 1000;
	await publishers.stop();
	await waitUntilGone(publishers.pid, 1000);

	const original = await decodeFile(flv);
	for (const { chunks } of heard) {
		const samples = Float32Array.from(chunks.flatMap((chunk) => [...chunk]));
		const seconds = samples.length / RATE;
		// Real-time pace: about as much audio as time went by, neither a burst of the whole file nor a stall.
		assert.ok(
			seconds > elapsedS - 1.5 && seconds < elapsedS + 1,
			`${seconds.toFixed(2)} s of audio in ${elapsedS.toFixed(2)} s`,
		);
		assert.ok(original.length / RATE > elapsedS + 5, 'the file is longer than the trial');
		const heardStart = samples.subarray(0, 2 * RATE);
		const correlation = bestCorrelation(original.subarray(0, 3 * RATE), heardStart, RATE / 2);
		assert.ok(correlation > 0.99, `correlation with the file's audio ${correlation.toFixed(3)}`);
	}
});

test('a publish the server refuses fails with a message that leaves the stream key out', async (t) => {
	const server = await startRtmpServer({ streamKey: 'right-key' });
	t.after(() => server.stop());
	await assert.rejects(
		RtmpPublishConnection.open(server.url('live', 'wrong-key')),
		(error: Error) => {
			assert.match(error.message, /^Publishing to rtmp:\/\/127\.0\.0\.1:\d+\/live failed: /);
			assert.doesNotMatch(error.message, /wrong-key/);
			return true;
		},
	);
});
