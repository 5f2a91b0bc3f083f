import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { EngineError } from '../../../engine/errors.js';
import { StreamError } from '../../../engine/source/ffmpeg-failure.js';
import { decodeFile, FfmpegSource, type SourceEnd } from '../../../engine/source/ffmpeg-source.js';
import { readWav } from '../../../engine/source/wav.js';
import { sharedPath } from '../../helpers/paths.js';
import { isAlive, waitUntilGone } from '../../helpers/processes.js';

let dir = '';

before(() => {
	dir = mkdtempSync(join(tmpdir(), 'ffmpeg-file-'));
});

after(() => {
	rmSync(dir, { recursive: true, force: true });
});

async function rejectsWith(
	promise: Promise<unknown>,
	check: (error: StreamError | EngineError) => void,
): Promise<void> {
	await assert.rejects(promise, (error: unknown) => {
		assert.ok(error instanceof EngineError, String(error));
		check(error);
		return true;
	});
}

test('decodeFile resamples the 44.1 kHz recording to 16 kHz mono: length = duration × 16000', async () => {
	const { stdout } = await execa('ffprobe', [
		'-v',
		'error',
		'-show_entries',
		'stream=sample_rate,duration_ts',
		'-of',
		'csv=p=0',
		sharedPath('audio', 'c_cn_16k.wav'),
	]);
	const [sourceRate, sourceFrames] = stdout.trim().split(',').map(Number);
	assert.equal(sourceRate, 44100);
	const samples = await decodeFile(sharedPath('audio', 'c_cn_16k.wav'));
	const expected = (sourceFrames * 16000) / sourceRate;
	assert.ok(
		Math.abs(samples.length - expected) <= 16,
		`${samples.length} samples, expected ≈ ${expected}`,
	);
	let peak = 0;
	for (const sample of samples) peak = Math.max(peak, Math.abs(sample));
	assert.ok(peak > 1000 && peak <= 32768, `int16 scale, peak ${peak}`);
});

test('decodeFile of a 16 kHz mono PCM WAV equals the WAV reader bit for bit', async () => {
	const path = sharedPath('audio', 'a_cn_16k.wav');
	const decoded = await decodeFile(path);
	assert.deepEqual(decoded, readWav(path).samples);
});

test('a missing file fails before ffmpeg starts, with INPUT_UNREADABLE', async () => {
	await rejectsWith(decodeFile(join(dir, 'missing.wav')), (error) => {
		assert.equal(error.code, 'INPUT_UNREADABLE');
		assert.match(error.message, /No such file: .*missing\.wav/);
	});
});

test("a text file named .wav fails with INPUT_NOT_AUDIO and ffmpeg's own words", async () => {
	const path = join(dir, 'notes.wav');
	writeFileSync(path, 'just text, not audio\n');
	await rejectsWith(decodeFile(path), (error) => {
		assert.ok(error instanceof StreamError);
		assert.equal(error.reason, 'not-audio');
		assert.equal(error.code, 'INPUT_NOT_AUDIO');
		assert.equal(error.fatal, true);
		assert.match(error.stderr.join('\n'), /Invalid data found when processing input/);
	});
});

test('a video without audio fails clearly with "no audio track"', async () => {
	const path = join(dir, 'video-only.mp4');
	await execa('ffmpeg', [
		'-hide_banner',
		'-loglevel',
		'error',
		'-y',
		'-f',
		'lavfi',
		'-i',
		'testsrc=duration=1:size=160x120:rate=10',
		'-c:v',
		'libx264',
		'-preset',
		'ultrafast',
		path,
	]);
	await rejectsWith(decodeFile(path), (error) => {
		assert.ok(error instanceof StreamError);
		assert.equal(error.reason, 'no-audio');
		assert.equal(error.code, 'INPUT_NOT_AUDIO');
		assert.match(error.message, /has no audio track/);
		assert.match(error.stderr.join('\n'), /Stream map '0:a:0' matches no streams/);
	});
});

test('decodeFile refuses a stream URL', async () => {
	await rejectsWith(decodeFile('rtmp://127.0.0.1/live/key'), (error) =>
		assert.equal(error.code, 'BAD_OPTION'),
	);
});

test('a file read in real time arrives at real-time pace, and stop() ends ffmpeg for sure', async (t) => {
	const source = new FfmpegSource({
		url: sharedPath('audio', 'toy', 'toy_stream.wav'),
		realtime: true,
	});
	t.after(() => source.stop());
	let samples = 0;
	let firstAt = 0;
	source.on('audio', (chunk) => {
		if (samples === 0) firstAt = performance.now();
		samples += chunk.length;
	});
	const ended = new Promise<SourceEnd>((resolve, reject) => {
		source.once('end', resolve);
		source.once('error', reject);
	});
	source.start();
	const pid = source.pid!;
	assert.ok(isAlive(pid));
	await new Promise((resolve) => setTimeout(resolve, 1500));
	const elapsed = (performance.now() - firstAt) / 1000;
	const seconds = samples / 16000;
	// -re sends the first moments in a burst; afterwards 1 s of audio per second.
	assert.ok(
		seconds > elapsed - 0.3 && seconds < elapsed + 0.8,
		`${seconds.toFixed(2)} s of audio in ${elapsed.toFixed(2)} s`,
	);
	const stopAt = performance.now();
	await source.stop();
	const end = await ended;
	assert.equal(end.stopped, true);
	assert.equal(isAlive(pid), false, 'ffmpeg is gone when stop() resolves');
	// stop()'s kill grace, with room for a loaded 2-core machine: without the kill it would run the 44 s file out.
	assert.ok(performance.now() - stopAt < 5000);
	await waitUntilGone(pid, 0);
});
