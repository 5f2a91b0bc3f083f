// The first text frame a FunASR websocket server reads: its fields as websocket-server-2pass.cpp
// (on_message) parses them.

/** What the 2pass server runs: partials and corrected sentences, or the corrected sentences only. */
export type ServerMode = '2pass' | 'offline';

/**
 * FunASR's streaming Paraformer chunk in 60 ms frames: 300 ms of look-back, 600 ms chunk, 300 ms
 * look-ahead. The 2pass server decodes nothing without it (3 numbers, the middle one non-zero).
 */
export const CHUNK_SIZE = [5, 10, 5] as const;

export const SAMPLE_RATE = 16_000;

export interface FirstMessageSettings {
	mode: ServerMode;
	/** Echoed back in every result: names the stream in the server's log. */
	wavName: string;
	/** Space-separated, FunASR's plain form (not the JSON-object string of FST weights). */
	hotwords: readonly string[];
	itn: boolean;
}

export function firstMessage(settings: FirstMessageSettings): string {
	return JSON.stringify({
		mode: settings.mode,
		chunk_size: CHUNK_SIZE,
		wav_name: settings.wavName,
		wav_format: 'pcm',
		audio_fs: SAMPLE_RATE,
		is_speaking: true,
		// A string whatever it holds: the C++ servers convert it to std::string outside their try block.
		hotwords: settings.hotwords.join(' '),
		itn: settings.itn,
	});
}

/** Ends the audio: the server decodes what is left and answers with `is_final: true`. */
export const END_OF_AUDIO = JSON.stringify({ is_speaking: false });
