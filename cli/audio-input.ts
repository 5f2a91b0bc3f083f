import { FfmpegSource } from '../engine/index.js';

/** Chunks handed to the consumer but not yet processed, beyond which ffmpeg's output is left unread. */
const MAX_UNCONSUMED_CHUNKS = 4;

export interface AudioInputOptions {
	ffmpegPath?: string;
	/** Aborting stops ffmpeg; the promise then resolves with what was consumed so far. */
	signal?: AbortSignal;
}

/**
 * Streams any input `transcribe` reads (a file in any format, or a stream URL) through ffmpeg as
 * 16 kHz mono samples on the int16 scale, one chunk at a time. ffmpeg's output is left unread while
 * the consumer is behind, so memory stays bounded whatever the input's length. Resolves once the
 * input has ended and every chunk was consumed; rejects with ffmpeg's or the consumer's error.
 */
export async function streamAudio(
	input: string,
	consume: (samples: Float32Array) => void | Promise<void>,
	options: AudioInputOptions = {},
): Promise<void> {
	const source = new FfmpegSource({
		url: input,
		...(options.ffmpegPath ? { ffmpegPath: options.ffmpegPath } : {}),
	});
	let consumed: Promise<void> = Promise.resolve();
	let unconsumed = 0;
	let consumerFailure: unknown;
	const stop = () => void source.stop();
	const ended = new Promise<void>((resolve, reject) => {
		source.once('end', () => resolve());
		source.once('error', reject);
	});
	source.on('audio', (samples) => {
		if (consumerFailure !== undefined) return;
		unconsumed++;
		if (unconsumed > MAX_UNCONSUMED_CHUNKS) source.pause();
		consumed = consumed
			.then(() => consume(samples))
			.catch((error: unknown) => {
				consumerFailure ??= error;
				stop();
			})
			.finally(() => {
				unconsumed--;
				if (unconsumed <= MAX_UNCONSUMED_CHUNKS / 2) source.resume();
			});
	});
	options.signal?.addEventListener('abort', stop, { once: true });
	try {
		if (options.signal?.aborted) return;
		source.start();
		await ended;
		await consumed;
	} finally {
		options.signal?.removeEventListener('abort', stop);
		await source.stop();
	}
	if (consumerFailure !== undefined) throw consumerFailure;
}
