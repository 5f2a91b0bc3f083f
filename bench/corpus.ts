import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readWav } from '../engine/source/wav.js';
import { AUDIO_DIR, CACHE_DIR } from './paths.js';

const SAMPLE_RATE = 16000;

/** One file of real speech, 16 kHz. */
export interface CorpusFile {
	name: string;
	path: string;
	seconds: number;
}

/** A speech segment the VAD cut from a corpus file. */
export interface CorpusSegment {
	file: number;
	startMs: number;
	endMs: number;
}

/**
 * The real speech in the shared audio folder (its top level: the toy folder is synthetic), each
 * file at 16 kHz; files at other rates are resampled once by ffmpeg into the cache.
 */
export function prepareCorpus(): CorpusFile[] {
	const names = readdirSync(AUDIO_DIR)
		.filter((name) => name.endsWith('.wav'))
		.sort();
	return names.map((name) => {
		let path = join(AUDIO_DIR, name);
		let audio = readWav(path);
		if (audio.sampleRate !== SAMPLE_RATE) {
			path = resampled(path);
			audio = readWav(path);
		}
		return { name, path, seconds: audio.samples.length / SAMPLE_RATE };
	});
}

export function readCorpusAudio(files: readonly CorpusFile[]): Float32Array[] {
	return files.map((file) => readWav(file.path).samples);
}

/** The samples of each segment (views, not copies). */
export function cutSegments(
	audio: readonly Float32Array[],
	segments: readonly CorpusSegment[],
): Float32Array[] {
	return segments.map((segment) =>
		audio[segment.file].subarray(segment.startMs * 16, segment.endMs * 16),
	);
}

export function segmentSeconds(segments: readonly CorpusSegment[]): number {
	return segments.reduce((total, segment) => total + (segment.endMs - segment.startMs) / 1000, 0);
}

function resampled(path: string): string {
	const dir = join(CACHE_DIR, 'audio-16k');
	const target = join(dir, basename(path));
	if (existsSync(target)) return target;
	mkdirSync(dir, { recursive: true });
	const partial = `${target}.partial-${process.pid}.wav`;
	execFileSync('ffmpeg', [
		'-v',
		'error',
		'-y',
		'-i',
		path,
		'-ac',
		'1',
		'-ar',
		String(SAMPLE_RATE),
		'-c:a',
		'pcm_s16le',
		partial,
	]);
	renameSync(partial, target);
	return target;
}
