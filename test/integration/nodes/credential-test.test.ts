import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ICredentialsDecrypted } from 'n8n-workflow';
import { testStreamCredential } from '../../../nodes/RtmpAsr/credentials/stream-probe.js';
import { freePort } from '../../helpers/free-port.js';
import { ffmpegReadersOf, waitFor } from '../../helpers/pipeline-recorder.js';
import { startPublisher, type Publisher } from '../../helpers/publisher.js';
import { startRtmpServer, type RtmpServer } from '../../helpers/rtmp-server.js';

const KEY = 'good-key-4242';
let server: RtmpServer;
const publishers: Publisher[] = [];

before(async () => {
	server = await startRtmpServer({ streamKey: KEY });
});

after(async () => {
	for (const publisher of publishers) await publisher.stop();
	await server?.stop();
});

function credential(data: Record<string, string>): ICredentialsDecrypted {
	return { id: 'c1', name: 'RTMP Stream', type: 'rtmpStreamApi', data };
}

async function publishing(key: string): Promise<void> {
	publishers.push(startPublisher({ url: server.url('live', key), loops: -1 }));
	// nginx accepts a player once the publisher's stream exists.
	await new Promise((resolve) => setTimeout(resolve, 1500));
}

describe('RTMP Stream credential test against nginx-rtmp', { concurrency: false }, () => {
	test('a published stream with audio: OK', async (t) => {
		await publishing(KEY);
		const started = performance.now();
		const result = await testStreamCredential(
			credential({ serverUrl: `rtmp://127.0.0.1:${server.port}/live`, streamKey: KEY }),
		);
		t.diagnostic(`OK after ${Math.round(performance.now() - started)} ms: ${result.message}`);
		assert.equal(result.status, 'OK', result.message);
		assert.equal(result.message, `Receiving audio from rtmp://127.0.0.1:${server.port}/live/***.`);
		await waitFor(
			() => ffmpegReadersOf(`rtmp://127.0.0.1:${server.port}/live/${KEY}`).length === 0,
			3000,
			'the probe ffmpeg to exit',
		);
	});

	test('a wrong stream key: rejected, and the key is not shown', async () => {
		const result = await testStreamCredential(
			credential({ serverUrl: `rtmp://127.0.0.1:${server.port}/live`, streamKey: 'wrong-key-777' }),
		);
		assert.equal(result.status, 'Error');
		assert.match(
			result.message,
			/closed the connection .* before sending audio\. Check the application name and the stream key/,
		);
		assert.ok(!result.message.includes('wrong-key-777'), result.message);
	});

	test('a refused port and a server URL that is not a URL', async () => {
		const port = await freePort();
		const refused = await testStreamCredential(
			credential({ serverUrl: `rtmp://127.0.0.1:${port}/live`, streamKey: KEY }),
		);
		assert.equal(refused.status, 'Error');
		assert.match(refused.message, /was refused\. Check the host and port/);
		assert.ok(!refused.message.includes(KEY));
		const invalid = await testStreamCredential(
			credential({ serverUrl: 'localhost:1935', streamKey: KEY }),
		);
		assert.equal(invalid.status, 'Error');
		assert.match(invalid.message, /server URL is "localhost:1935"/);
	});

	test('a stream without audio: says so', async () => {
		const videoServer = await startRtmpServer();
		const publisher = startPublisher({
			url: videoServer.url('live', 'video'),
			content: 'video-only',
			loops: -1,
		});
		try {
			await new Promise((resolve) => setTimeout(resolve, 1500));
			const result = await testStreamCredential(
				credential({ serverUrl: `rtmp://127.0.0.1:${videoServer.port}/live`, streamKey: 'video' }),
			);
			assert.equal(result.status, 'Error');
			assert.match(result.message, /has no audio track\. Publish the stream with audio/);
		} finally {
			await publisher.stop();
			await videoServer.stop();
		}
	});

	test('nobody publishing: the read timeout, saying what to check', async (t) => {
		const idleServer = await startRtmpServer();
		try {
			const started = performance.now();
			const result = await testStreamCredential(
				credential({ serverUrl: `rtmp://127.0.0.1:${idleServer.port}/live`, streamKey: 'nobody' }),
			);
			t.diagnostic(
				`nobody publishing: ${result.message} after ${Math.round(performance.now() - started)} ms`,
			);
			assert.equal(result.status, 'Error');
			assert.match(
				result.message,
				/^No data from rtmp:\/\/127\.0\.0\.1:\d+\/live\/\*\*\* for 5 s\. Check that someone is publishing the stream/,
			);
		} finally {
			await idleServer.stop();
		}
	});
});
