import type { StreamInput } from './stream-url.js';

export const OUTPUT_SAMPLE_RATE = 16000;

export interface FfmpegArgsOptions {
	/** Local files: read at real-time speed (`-re`) instead of as fast as possible. Live inputs are never paced. */
	realtime?: boolean;
	/**
	 * Network inputs: ffmpeg gives up on a connection that sends nothing for this long (`-rw_timeout`;
	 * RTSP: `-timeout`). Measured with ffmpeg 5.1: before the first byte it fails after about 1×,
	 * once audio flowed it ends after about 2× this, with exit code 0.
	 */
	readTimeoutMs?: number;
	/**
	 * Network inputs: how much of the stream ffmpeg analyses before it decodes. 0 reads a single
	 * packet (the fastest start), but then an audio track behind the first video packet is never
	 * found: servers that hold audio until a video key frame (nginx-rtmp `wait_video on`) fail with
	 * "Stream map '0:a:0' matches no streams". 500 ms finds it at a slower start (start times:
	 * docs/measurements.md); the probed audio is not lost, it arrives in a burst.
	 */
	probeMs?: number;
}

export const DEFAULT_READ_TIMEOUT_MS = 5000;
export const DEFAULT_PROBE_MS = 500;

/**
 * ffmpeg's argument array (never a shell string): read the input's first audio track and write
 * 16 kHz mono s16le to stdout. `-map 0:a:0` makes a video-only input fail clearly instead of
 * producing nothing.
 */
export function buildFfmpegArgs(input: StreamInput, options: FfmpegArgsOptions = {}): string[] {
	const inputOptions = input.isNetwork
		? networkInputOptions(input, options)
		: options.realtime
			? ['-re']
			: [];
	return [
		'-hide_banner',
		'-nostdin',
		// Info lines describe the input (its duration); FfmpegSource keeps them apart from the warnings.
		'-loglevel',
		'level+info',
		'-nostats',
		'-protocol_whitelist',
		input.protocols.join(','),
		...inputOptions,
		'-i',
		input.ffmpegUrl,
		'-map',
		'0:a:0',
		'-vn',
		'-sn',
		'-dn',
		'-ac',
		'1',
		'-ar',
		String(OUTPUT_SAMPLE_RATE),
		'-acodec',
		'pcm_s16le',
		'-f',
		's16le',
		'pipe:1',
	];
}

function networkInputOptions(input: StreamInput, options: FfmpegArgsOptions): string[] {
	const probeMs = options.probeMs ?? DEFAULT_PROBE_MS;
	const timeoutUs = String(Math.round((options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS) * 1000));
	const probe =
		probeMs > 0
			? ['-analyzeduration', String(Math.round(probeMs * 1000))]
			: ['-probesize', '32', '-analyzeduration', '0'];
	// RTSP is a demuxer, not a protocol: its socket timeout is `-timeout` (µs, ffmpeg ≥ 5); on RTMP `-timeout` would mean "listen".
	const timeout =
		input.protocol === 'rtsp' || input.protocol === 'rtsps'
			? ['-timeout', timeoutUs]
			: ['-rw_timeout', timeoutUs];
	return [...probe, ...timeout];
}
