import { existsSync } from 'node:fs';
import { decodeFile, readWav } from '../engine/index.js';

/**
 * Whole input as 16 kHz mono samples. A 16 kHz PCM WAV is read directly (bit-exact, no subprocess);
 * anything else goes through ffmpeg.
 */
export async function decodeAudio(input: string, ffmpegPath?: string): Promise<Float32Array> {
	if (existsSync(input) && input.toLowerCase().endsWith('.wav')) {
		try {
			const audio = readWav(input);
			if (audio.sampleRate === 16000) return audio.samples;
		} catch {
			// Not a plain PCM WAV: ffmpeg reads it, or says clearly why not.
		}
	}
	return decodeFile(input, ffmpegPath);
}
