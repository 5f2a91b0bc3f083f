import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../../engine/errors.js';
import { findExecutable, resolveFfmpegBinary } from '../../../engine/source/ffmpeg-binary.js';

function withBin(run: (dir: string) => void): void {
	const dir = mkdtempSync(join(tmpdir(), 'ffmpeg-bin-'));
	try {
		run(dir);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

test('finds ffmpeg on PATH, skipping non-executables and relative entries', () => {
	withBin((dir) => {
		const plain = join(dir, 'plain');
		const bin = join(dir, 'bin');
		mkdirSync(plain);
		mkdirSync(bin);
		writeFileSync(join(plain, 'ffmpeg'), '#!/bin/sh\n');
		writeFileSync(join(bin, 'ffmpeg'), '#!/bin/sh\n');
		chmodSync(join(bin, 'ffmpeg'), 0o755);
		assert.equal(
			resolveFfmpegBinary(undefined, ['relative', plain, bin].join(':')),
			join(bin, 'ffmpeg'),
		);
		assert.equal(findExecutable('ffmpeg', plain), undefined, 'a file without execute permission');
	});
});

test('no ffmpeg on PATH is a fatal FFMPEG_MISSING that says how to fix it', () => {
	withBin((dir) => {
		assert.throws(
			() => resolveFfmpegBinary(undefined, dir),
			(error: unknown) =>
				error instanceof EngineError &&
				error.code === 'FFMPEG_MISSING' &&
				error.fatal &&
				/not found on PATH/.test(error.message) &&
				/apt-get install ffmpeg/.test(error.fix),
		);
	});
});

test('an explicit path must be an executable file', () => {
	withBin((dir) => {
		assert.throws(
			() => resolveFfmpegBinary(join(dir, 'missing')),
			(error: unknown) =>
				error instanceof EngineError &&
				error.code === 'FFMPEG_MISSING' &&
				error.message.includes(join(dir, 'missing')),
		);
		assert.throws(
			() => resolveFfmpegBinary(dir),
			(error: unknown) => error instanceof EngineError && error.code === 'FFMPEG_MISSING',
		);
		const fake = join(dir, 'my-ffmpeg');
		writeFileSync(fake, '#!/bin/sh\n');
		chmodSync(fake, 0o755);
		assert.equal(resolveFfmpegBinary(fake, ''), fake);
	});
});
