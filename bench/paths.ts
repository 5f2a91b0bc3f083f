import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root, from dist/bench at run time. */
export const REPO_ROOT = resolve(__dirname, '..', '..');
/** Read-only data beside the repository: the FSMN-VAD model, real speech. */
export const SHARED_DIR = process.env.RTMP_ASR_SHARED_DIR ?? resolve(REPO_ROOT, '..', 'shared');
/** Generated models and resampled audio, kept between runs, never in the repository. */
export const CACHE_DIR =
	process.env.RTMP_ASR_CACHE ??
	join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'rtmp-asr');

export const VAD_DIR = join(SHARED_DIR, 'models', 'fsmn-vad');
export const AUDIO_DIR = join(SHARED_DIR, 'audio');
/** The only punctuation model there is here: a tiny random-weight CT-Transformer (vad_realtime). */
export const PUNCTUATION_DIR = join(REPO_ROOT, 'test', 'fixtures', 'models', 'tiny-punc-realtime');
export const STAND_IN_DIR = join(CACHE_DIR, 'stand-ins', 'paraformer-large');
export const SENSEVOICE_STAND_IN_DIR = join(CACHE_DIR, 'stand-ins', 'sensevoice-small');
export const PYTHON = '/usr/bin/python3';
