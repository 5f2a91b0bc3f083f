import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root, from dist/test/helpers at run time. */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
/** Read-only data beside the repository: real models, audio, golden features. */
export const SHARED_DIR = process.env.RTMP_ASR_SHARED_DIR ?? resolve(REPO_ROOT, '..', 'shared');
export const FIXTURES_DIR = join(REPO_ROOT, 'test', 'fixtures');

export const sharedPath = (...parts: string[]): string => join(SHARED_DIR, ...parts);
export const fixturePath = (...parts: string[]): string => join(FIXTURES_DIR, ...parts);

export function readFloat32(path: string): Float32Array {
	const bytes = readFileSync(path);
	return new Float32Array(
		bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
	);
}
