import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readWav } from '../../engine/source/wav.js';
import { sharedPath } from '../helpers/paths.js';

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
