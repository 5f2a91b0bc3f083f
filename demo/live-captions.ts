import { existsSync } from 'node:fs';
import { LivePipeline } from '../engine/index.js';
import { sharedPath } from '../test/helpers/paths.js';
import { startPublisher } from '../test/helpers/publisher.js';
import { startRtmpServer } from '../test/helpers/rtmp-server.js';

/**
 * The main job on embedded defaults: a real RTMP server on 127.0.0.1, an encoder publishing 44 s of
 * speech to it in real time, and the live pipeline turning it into captions, one line per sentence,
 * exactly as the n8n trigger would emit them.
 */
async function main(): Promise<void> {
	const models = {
		asrDir: sharedPath('models', 'toy-paraformer-zh'),
		vadDir: sharedPath('models', 'fsmn-vad'),
	};
	const speech = sharedPath('audio', 'toy', 'toy_stream.wav');
	for (const path of [models.asrDir, models.vadDir, speech]) {
		if (!existsSync(path))
			throw new Error(`The demo needs ${path} (the project's shared data beside the repository).`);
	}
	const server = await startRtmpServer();
	const url = server.url('live', 'demo-key');
	const pipeline = new LivePipeline({ url, models });
	const startedAt = performance.now();
	const clock = () => `${((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)} s`;
	pipeline.on('status', (status) => {
		if (status.type === 'connected') console.log(`${clock()}  connected to ${status.stream}`);
		else if (status.type === 'disconnected')
			console.log(`${clock()}  disconnected: ${status.reason}`);
		else if (status.type === 'reconnecting')
			console.log(`${clock()}  reconnecting in ${(status.delayMs / 1000).toFixed(1)} s`);
	});
	pipeline.on('sentence', (sentence) => {
		console.log(
			`${clock()}  #${sentence.index} [${(sentence.startMs / 1000).toFixed(2)}–${(sentence.endMs / 1000).toFixed(2)} s, ${sentence.latencyMs} ms after speech ended]  ${sentence.text}`,
		);
	});
	pipeline.on('warning', (warning) => console.log(`${clock()}  warning: ${warning.describe()}`));
	console.log(
		`Live captioning demo: nginx-rtmp on 127.0.0.1:${server.port}, publishing ${speech} in real time (44 s),`,
	);
	console.log(
		`recognized with ${models.asrDir} (a small recognizer for this synthetic speech) and FSMN-VAD.\n`,
	);
	await pipeline.start();
	const publisher = startPublisher({ url, file: speech });
	try {
		await publisher.exited;
		// The last sentence closes after 0.8 s of silence; the stall watchdog then ends the session.
		await new Promise((resolve) => setTimeout(resolve, 2500));
	} finally {
		await pipeline.close();
		await publisher.stop();
		await server.stop();
	}
	console.log(`\n${clock()}  done: the pipeline, ffmpeg and the server are stopped.`);
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exitCode = 1;
});
