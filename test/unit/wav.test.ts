import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../engine/errors.js';
import { readWav } from '../../engine/source/wav.js';
import { sharedPath } from '../helpers/paths.js';
import { wavHeader } from '../helpers/wav-file.js';

test('readWav reads the reference recordings at 16 kHz', () => {
	const audio = readWav(sharedPath('audio', 'a_cn_16k.wav'));
	assert.equal(audio.sampleRate, 16000);
	assert.equal(audio.samples.length, 59444);
});

test('readWav rejects a file that is not WAV with a clear error', () => {
	const dir = mkdtempSync(join(tmpdir(), 'wav-'));
	try {
		const path = join(dir, 'notes.wav');
		writeFileSync(path, 'just text, not audio');
		assert.throws(() => readWav(path), /is not a WAV file/);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test('readWav refuses a header claiming 65,535 channels, as ffmpeg does, instead of returning no samples', () => {
	const dir = mkdtempSync(join(tmpdir(), 'wav-'));
	try {
		const header = wavHeader({ channels: 65535, dataBytes: 3200 });
		const path = join(dir, 'channels.wav');
		writeFileSync(path, Buffer.concat([header, Buffer.alloc(3200)]));
		assert.throws(
			() => readWav(path),
			(error: unknown) =>
				error instanceof EngineError &&
				error.code === 'INPUT_NOT_AUDIO' &&
				/claims 65535 channels/.test(error.message),
		);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});
