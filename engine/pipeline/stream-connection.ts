import type { LivePipelineOptions } from '../config.js';
import type { StreamError } from '../source/ffmpeg-failure.js';
import { FfmpegSource } from '../source/ffmpeg-source.js';
import type { StreamInput } from '../source/stream-url.js';
import { ConnectionWatch } from './connection-watch.js';

export interface StreamConnection {
	source: FfmpegSource;
	watch: ConnectionWatch;
}

/**
 * One ffmpeg connection to the stream, started, with the watch over its start-up and stalls: how
 * either pipeline (local recognition or FunASR servers) reads its audio. `paused` tells the watch
 * when silence is the pipeline's own doing (backpressure), not a stall.
 */
export function openStreamConnection(
	input: StreamInput,
	options: Pick<
		LivePipelineOptions,
		'secrets' | 'ffmpegPath' | 'startTimeoutMs' | 'stallTimeoutMs'
	>,
	stream: string,
	paused: () => boolean,
	on: {
		audio: (source: FfmpegSource, samples: Float32Array) => void;
		exit: (source: FfmpegSource, error?: StreamError) => void;
	},
): StreamConnection {
	const source = new FfmpegSource({
		url: input,
		secrets: options.secrets ?? [],
		...(options.ffmpegPath ? { ffmpegPath: options.ffmpegPath } : {}),
	});
	source.on('audio', (samples) => on.audio(source, samples));
	source.once('end', () => on.exit(source));
	source.once('error', (error) => on.exit(source, error));
	source.start();
	const watch = new ConnectionWatch(source, {
		stream,
		startTimeoutMs: options.startTimeoutMs,
		stallTimeoutMs: options.stallTimeoutMs,
		paused,
	});
	return { source, watch };
}
