import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactText } from '../../../engine/source/redact.js';
import {
	classifyFfmpegExit,
	describeSpawnFailure,
	type FfmpegExit,
	type StreamFailureReason,
} from '../../../engine/source/ffmpeg-failure.js';
import { parseStreamInput } from '../../../engine/source/stream-url.js';
import { sharedPath } from '../../helpers/paths.js';

const RTMP = parseStreamInput('rtmp://127.0.0.1:1935/live/abc123');
const FILE = parseStreamInput(sharedPath('audio', 'a_cn_16k.wav'));

function exit(overrides: Partial<FfmpegExit>): FfmpegExit {
	const input = overrides.input ?? RTMP;
	const redact = (text: string) => redactText(text, input.secrets);
	return {
		input,
		exitCode: 1,
		signal: undefined,
		stderr: [],
		redact,
		audioBytes: 0,
		runMs: 100,
		idleMs: 100,
		readTimeoutMs: 2000,
		...overrides,
	};
}

function reasonOf(overrides: Partial<FfmpegExit>): StreamFailureReason | 'end' {
	return classifyFfmpegExit(exit(overrides))?.reason ?? 'end';
}

// Lines as ffmpeg 5.1 prints them (measured against nginx-rtmp 1.2.2, nginx http and local files).
const REFUSED = [
	'[tcp @ 0x55fb6d2f3100] Connection to tcp://127.0.0.1:19399?tcp_nodelay=0 failed: Connection refused',
	'[rtmp @ 0x55fb6d2f2700] Cannot open connection tcp://127.0.0.1:19399?tcp_nodelay=0',
	'rtmp://127.0.0.1:19399/live/abc123: Connection refused',
];
const IO_ERROR = ['rtmp://127.0.0.1:1935/live/abc123: Input/output error'];

test('network start-up failures', () => {
	assert.equal(reasonOf({ stderr: REFUSED }), 'connection-refused');
	assert.equal(
		reasonOf({
			stderr: [
				'[tcp @ 0x1] Failed to resolve hostname nonexistent.invalid: Name or service not known',
				'rtmp://nonexistent.invalid/live/***: Input/output error',
			],
		}),
		'host-not-found',
	);
	assert.equal(
		reasonOf({ stderr: IO_ERROR, runMs: 230 }),
		'rejected',
		'wrong application or rejected key: I/O error within ~0.3 s',
	);
	assert.equal(
		reasonOf({ stderr: IO_ERROR, runMs: 2400 }),
		'timeout',
		'nobody publishing: I/O error after the read timeout',
	);
	assert.equal(
		reasonOf({
			stderr: [
				'[rtmp @ 0x1] Server error: No such stream',
				'rtmp://h/notify/***: Operation not permitted',
			],
		}),
		'not-found',
	);
	assert.equal(
		reasonOf({
			input: parseStreamInput('http://h/x.m3u8'),
			stderr: [
				'[http @ 0x1] HTTP error 403 Forbidden',
				'http://h/x.m3u8: Server returned 403 Forbidden (access denied)',
			],
		}),
		'rejected',
	);
	assert.equal(
		reasonOf({
			input: parseStreamInput('http://h/x.m3u8'),
			stderr: [
				'[http @ 0x1] HTTP error 404 Not Found',
				'http://h/x.m3u8: Server returned 404 Not Found',
			],
		}),
		'not-found',
	);
	assert.equal(
		reasonOf({
			input: parseStreamInput('rtmps://h/live/k'),
			stderr: [
				'[tls @ 0x1] IO error: Connection timed out',
				'rtmps://h/live/***: Connection timed out',
			],
		}),
		'timeout',
	);
	assert.equal(
		reasonOf({
			stderr: [
				'[flv @ 0x1] Stream #0: not enough frames to estimate rate; consider increasing probesize',
				"Stream map '0:a:0' matches no streams.",
				"To ignore this, add a trailing '?' to the map.",
			],
		}),
		'no-audio',
	);
});

test('after audio flowed: exit 0 with an I/O error is a timeout when idle for the read timeout, else a lost connection', () => {
	assert.equal(
		reasonOf({ exitCode: 0, stderr: IO_ERROR, audioBytes: 64_000, idleMs: 4100 }),
		'timeout',
	);
	assert.equal(
		reasonOf({ exitCode: 0, stderr: IO_ERROR, audioBytes: 64_000, idleMs: 6 }),
		'connection-lost',
	);
	assert.equal(
		reasonOf({ exitCode: 0, stderr: [], audioBytes: 64_000, idleMs: 9 }),
		'end',
		'a server that notifies players ends cleanly',
	);
});

test('network failures are transient, timeouts are STREAM_STALLED', () => {
	const timeout = classifyFfmpegExit(
		exit({ exitCode: 0, stderr: IO_ERROR, audioBytes: 1000, idleMs: 5000 }),
	)!;
	assert.equal(timeout.code, 'STREAM_STALLED');
	assert.equal(timeout.fatal, false);
	assert.match(timeout.message, /No data from rtmp:\/\/127\.0\.0\.1:1935\/live\/\*\*\* for 2 s/);
	const refused = classifyFfmpegExit(exit({ stderr: REFUSED }))!;
	assert.equal(refused.code, 'STREAM_FAILED');
	assert.equal(refused.fatal, false);
	assert.deepEqual(
		refused.stderr,
		REFUSED.map((line) => redactText(line)),
	);
	assert.ok(!refused.message.includes('abc123') && !refused.stderr.join('\n').includes('abc123'));
});

test('file failures are fatal, with the code that names the problem', () => {
	const notAudio = classifyFfmpegExit(
		exit({ input: FILE, stderr: ['file:/x/notes.wav: Invalid data found when processing input'] }),
	)!;
	assert.deepEqual(
		[notAudio.reason, notAudio.code, notAudio.fatal],
		['not-audio', 'INPUT_NOT_AUDIO', true],
	);
	const noAudio = classifyFfmpegExit(
		exit({ input: FILE, stderr: ["Stream map '0:a:0' matches no streams."] }),
	)!;
	assert.deepEqual(
		[noAudio.reason, noAudio.code, noAudio.fatal],
		['no-audio', 'INPUT_NOT_AUDIO', true],
	);
	assert.equal(
		reasonOf({ input: FILE, stderr: ['file:/x/gone.wav: No such file or directory'] }),
		'unreadable',
	);
	assert.equal(
		reasonOf({
			input: FILE,
			stderr: [
				'[mp3 @ 0x1] Format mp3 detected only with low score of 1, misdetection possible!',
				'file:/x/r.mp3: Invalid argument',
			],
		}),
		'not-audio',
	);
	assert.equal(
		reasonOf({
			input: FILE,
			exitCode: 0,
			stderr: ['Guessed Channel Layout for Input Stream #0.0 : mono'],
		}),
		'end',
	);
	assert.equal(
		reasonOf({
			input: FILE,
			exitCode: 0,
			stderr: [
				'[aac @ 0x1] Invalid data found when processing input',
				'Error while decoding stream #0:0: Invalid data found when processing input',
			],
		}),
		'end',
		'a few corrupt packets in a file that decoded to its end',
	);
});

test('configuration failures are fatal even for live inputs', () => {
	const blocked = classifyFfmpegExit(
		exit({
			input: parseStreamInput('http://h/evil.m3u8'),
			stderr: [
				"[file @ 0x1] Protocol 'file' not on whitelist 'http,tcp,hls,crypto'!",
				"[hls @ 0x1] Error when loading first segment 'file:///etc/passwd'",
			],
		}),
	)!;
	assert.deepEqual(
		[blocked.reason, blocked.code, blocked.fatal],
		['protocol-blocked', 'BAD_OPTION', true],
	);
	const missing = classifyFfmpegExit(
		exit({
			exitCode: 127,
			stderr: ['setpriv: failed to execute /opt/ffmpeg: No such file or directory'],
		}),
	)!;
	assert.deepEqual(
		[missing.reason, missing.code, missing.fatal],
		['ffmpeg-missing', 'FFMPEG_MISSING', true],
	);
});

test('a signal is reported as killed; an unknown failure quotes ffmpeg', () => {
	assert.equal(reasonOf({ exitCode: undefined, signal: 'SIGKILL' }), 'killed');
	const other = classifyFfmpegExit(exit({ stderr: ['Something unexpected happened'] }))!;
	assert.equal(other.reason, 'failed');
	assert.match(other.message, /Something unexpected happened/);
});

test('a stream key that is also a word is masked in the error, yet does not hide the message from classification', () => {
	const input = parseStreamInput('rtmp://127.0.0.1:1935/live/stream');
	const noAudio = classifyFfmpegExit(
		exit({ input, stderr: ["Stream map '0:a:0' matches no streams."] }),
	)!;
	assert.equal(noAudio.reason, 'no-audio');
	assert.deepEqual(noAudio.stderr, ["Stream map '0:a:0' matches no ***s."]);
});

// Printed by ffmpeg 5.1 for an http HLS input whose playlist or server points elsewhere.
const HTTP = parseStreamInput('http://127.0.0.1:8765/x.m3u8');
const BLOCKED: Array<[string, string[]]> = [
	[
		'concat',
		[
			'[hls @ 0x1] Failed to open segment 0 of playlist 0',
			"[hls @ 0x1] Error when loading first segment 'concat:index0.ts|index1.ts'",
			'http://127.0.0.1:8765/x.m3u8: Invalid data found when processing input',
		],
	],
	[
		'data',
		[
			'[hls @ 0x1] URL data:application/octet-stream;base64,AAAA is not in allowed_segment_extensions',
			'http://127.0.0.1:8765/x.m3u8: Invalid data found when processing input',
		],
	],
	[
		'concat',
		[
			"[concat @ 0x1] Protocol 'concat' not on whitelist 'http,tcp,hls,crypto'!",
			'[hls @ 0x1] parse_playlist error Invalid argument [concat:a.m3u8|b.m3u8]',
			'http://127.0.0.1:8765/x.m3u8: Invalid argument',
		],
	],
	[
		'data',
		[
			"[hls @ 0x1] Filename extension of 'data:text/plain;base64,AAAA' is not a common multimedia extension, blocked for security reasons.",
			'[hls @ 0x1] Unable to open key file data:text/plain;base64,AAAA',
			"[hls @ 0x1] Error when loading first segment 'http://127.0.0.1:8765/index0.ts'",
		],
	],
	[
		'https',
		[
			"[https @ 0x1] Protocol 'https' not on whitelist 'http,tcp,hls,crypto'!",
			"[hls @ 0x1] Error when loading first segment 'https://127.0.0.1:1/index0.ts'",
		],
	],
];

test('playlist entries of a protocol the input may not use are fatal and name the protocol', () => {
	for (const [protocol, stderr] of BLOCKED) {
		const blocked = classifyFfmpegExit(exit({ input: HTTP, stderr }))!;
		assert.deepEqual(
			[blocked.reason, blocked.code, blocked.fatal],
			['protocol-blocked', 'BAD_OPTION', true],
			stderr.join('\n'),
		);
		assert.match(blocked.message, new RegExp(`protocol not allowed: ${protocol}\\)`));
	}
	const missingSegment = classifyFfmpegExit(
		exit({
			input: HTTP,
			stderr: [
				'[http @ 0x1] HTTP error 404 Not Found',
				"[hls @ 0x1] Error when loading first segment 'http://127.0.0.1:8765/index0.ts'",
			],
		}),
	)!;
	assert.equal(
		missingSegment.reason,
		'not-found',
		'an http segment that fails is no blocked protocol',
	);
});

test('an http input redirected to https says so and names the https URL as the fix', () => {
	const redirected = classifyFfmpegExit(
		exit({
			input: HTTP,
			stderr: [
				"[tls @ 0x1] Protocol 'tls' not on whitelist 'http,tcp,hls,crypto'!",
				'http://127.0.0.1:8765/x.m3u8: Invalid argument',
			],
		}),
	)!;
	assert.deepEqual([redirected.reason, redirected.fatal], ['protocol-blocked', true]);
	assert.match(
		redirected.message,
		/^The server redirected http:\/\/127\.0\.0\.1:8765\/x\.m3u8 to https/,
	);
	assert.match(redirected.fix, /https:\/\/ URL/);
});

test('E2BIG is a command line too long, not a missing ffmpeg', () => {
	const tooLong = describeSpawnFailure({
		binary: '/usr/bin/ffmpeg',
		code: 'E2BIG',
		stderr: [],
		redact: (text) => text,
	});
	assert.deepEqual(
		[tooLong.reason, tooLong.code, tooLong.fatal],
		['command-too-long', 'BAD_OPTION', true],
	);
	assert.doesNotMatch(tooLong.message + tooLong.fix, /Install ffmpeg/);
	const missing = describeSpawnFailure({
		binary: '/opt/ffmpeg',
		code: 'ENOENT',
		stderr: [],
		redact: (text) => text,
	});
	assert.deepEqual([missing.reason, missing.code], ['ffmpeg-missing', 'FFMPEG_MISSING']);
});

test('an SRT failure shows neither the stream key nor the token, in the message or the stderr lines', () => {
	const input = parseStreamInput(
		'srt://127.0.0.1:1?streamid=#!::r=live/SECRETKEY,m=request,s=TOKEN123&passphrase=0123456789abc',
	);
	const url = input.ffmpegUrl;
	const failed = classifyFfmpegExit(
		exit({
			input,
			stderr: [
				`[srt @ 0x1] Connection to ${url} failed: Input/output error`,
				`${url}: Input/output error`,
			],
		}),
	)!;
	const shown = [failed.message, failed.fix, ...failed.stderr].join('\n');
	assert.ok(!/SECRETKEY|TOKEN123|0123456789abc/.test(shown), shown);
});
