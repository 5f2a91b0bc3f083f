import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedPath } from './paths.js';

/** The toy stream (shared/audio/toy/toy_stream.wav) and its sentences, in spoken order. */
export const TOY_STREAM = sharedPath('audio', 'toy', 'toy_stream.wav');
export const TOY_STREAM_SENTENCES = JSON.parse(
	readFileSync(sharedPath('audio', 'toy', 'transcripts.json'), 'utf8'),
)['toy_stream.wav'] as string[];
/** The sentences of the clip `cutToyClip` writes: the toy stream's first three (0–10.3 s). */
export const TOY_CLIP_SENTENCES = TOY_STREAM_SENTENCES.slice(0, 3);

/** Writes the toy stream's first three sentences (0–10.3 s) to `dir`/clip.wav; returns its path. */
export function cutToyClip(dir: string): string {
	const clip = join(dir, 'clip.wav');
	execFileSync('ffmpeg', ['-loglevel', 'error', '-i', TOY_STREAM, '-t', '10.3', clip]);
	return clip;
}
