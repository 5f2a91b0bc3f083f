import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFfmpegArgs } from '../../../engine/source/ffmpeg-args.js';
import { parseStreamInput } from '../../../engine/source/stream-url.js';
import { sharedPath } from '../../helpers/paths.js';

const OUTPUT = [
	'-map',
	'0:a:0',
	'-vn',
	'-sn',
	'-dn',
	'-ac',
	'1',
	'-ar',
	'16000',
	'-acodec',
	'pcm_s16le',
	'-f',
	's16le',
	'pipe:1',
];

function valueAfter(args: string[], flag: string): string | undefined {
	const index = args.indexOf(flag);
	return index >= 0 ? args[index + 1] : undefined;
}

test('a live RTMP input: whitelist, probing, read timeout in µs, no -re, 16 kHz mono s16le to stdout', () => {
	const args = buildFfmpegArgs(parseStreamInput('rtmp://127.0.0.1:1935/live/key'), {
		readTimeoutMs: 2000,
		probeMs: 500,
	});
	assert.deepEqual(args, [
		'-hide_banner',
		'-nostdin',
		'-loglevel',
		'level+info',
		'-nostats',
		'-protocol_whitelist',
		'rtmp,tcp',
		'-analyzeduration',
		'500000',
		'-rw_timeout',
		'2000000',
		'-i',
		'rtmp://127.0.0.1:1935/live/key',
		...OUTPUT,
	]);
});

test('probeMs 0 reads a single packet before decoding', () => {
	const args = buildFfmpegArgs(parseStreamInput('srt://host:9000'), { probeMs: 0 });
	assert.equal(valueAfter(args, '-probesize'), '32');
	assert.equal(valueAfter(args, '-analyzeduration'), '0');
	assert.equal(valueAfter(args, '-rw_timeout'), '5000000', 'default read timeout 5 s');
});

test('RTSP gets its socket timeout as -timeout, never -rw_timeout', () => {
	const args = buildFfmpegArgs(parseStreamInput('rtsp://cam/stream'), { readTimeoutMs: 3000 });
	assert.equal(valueAfter(args, '-timeout'), '3000000');
	assert.ok(!args.includes('-rw_timeout'));
});

test('a file is read as fast as possible unless real-time pacing is asked for; no network options', () => {
	const input = parseStreamInput(sharedPath('audio', 'a_cn_16k.wav'));
	const fast = buildFfmpegArgs(input);
	assert.ok(!fast.includes('-re'));
	assert.ok(!fast.includes('-rw_timeout') && !fast.includes('-analyzeduration'));
	assert.equal(valueAfter(fast, '-protocol_whitelist'), 'file');
	assert.equal(valueAfter(fast, '-i'), `file:${sharedPath('audio', 'a_cn_16k.wav')}`);
	const paced = buildFfmpegArgs(input, { realtime: true });
	assert.ok(paced.indexOf('-re') >= 0 && paced.indexOf('-re') < paced.indexOf('-i'));
	assert.deepEqual(paced.slice(-OUTPUT.length), OUTPUT);
});

test('live inputs are never paced, even when real-time is asked for', () => {
	assert.ok(
		!buildFfmpegArgs(parseStreamInput('rtmp://h/live/k'), { realtime: true }).includes('-re'),
	);
});
