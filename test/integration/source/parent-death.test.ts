import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { isAlive, waitUntilGone } from '../../helpers/processes.js';
import { startRtmpServer } from '../../helpers/rtmp-server.js';

const SOURCE_MODULE = resolve(__dirname, '..', '..', '..', 'engine', 'source', 'ffmpeg-source.js');

/**
 * A Node process that starts an FfmpegSource on a stream nobody publishes, so that ffmpeg sits
 * blocked in a read (the case where it never notices a closed stdout pipe), and prints its pid.
 */
const CHILD = `
const { FfmpegSource } = require(process.argv[1]);
const source = new FfmpegSource({ url: process.argv[2], readTimeoutMs: 600000 });
source.on('audio', () => {});
source.on('error', (error) => { console.error(error.message); process.exit(1); });
source.start();
console.log(source.pid);
setInterval(() => {}, 1000);
`;

for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
	test(`a parent killed with ${signal} leaves no ffmpeg behind`, async (t) => {
		const server = await startRtmpServer();
		t.after(() => server.stop());
		const parent = execa(
			process.execPath,
			['-e', CHILD, SOURCE_MODULE, server.url('live', 'nobody')],
			{ reject: false, buffer: false, stdin: 'ignore' },
		);
		const ffmpegPid = await new Promise<number>((resolvePid, rejectPid) => {
			parent.stdout.once('data', (chunk: Buffer) => resolvePid(Number(chunk.toString().trim())));
			void parent.then((result) =>
				rejectPid(
					new Error(`The parent process exited before starting ffmpeg: ${String(result.exitCode)}`),
				),
			);
		});
		assert.ok(ffmpegPid > 0 && isAlive(ffmpegPid), `ffmpeg ${ffmpegPid} runs`);
		await new Promise((wait) => setTimeout(wait, 500));
		assert.ok(isAlive(ffmpegPid), 'ffmpeg keeps running while its parent lives');
		parent.kill(signal);
		await parent;
		const goneAfterMs = await waitUntilGone(ffmpegPid, 3000);
		t.diagnostic(`parent ${signal} → ffmpeg ${ffmpegPid} gone after ${goneAfterMs} ms`);
	});
}
