import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inputExtent, parseReportedDuration } from '../../../engine/source/input-extent.js';
import { parseStreamInput } from '../../../engine/source/stream-url.js';

test("ffmpeg's Duration line gives seconds, N/A gives null, other lines nothing", () => {
	assert.equal(parseReportedDuration('  Duration: 00:00:03.26, bitrate: 256 kb/s'), 3.26);
	assert.equal(
		parseReportedDuration('Duration: 01:02:03.50, start: 1.400000, bitrate: 0 kb/s'),
		3723.5,
	);
	assert.equal(parseReportedDuration('  Duration: N/A, start: 2.424000, bitrate: N/A'), null);
	assert.equal(parseReportedDuration("Input #0, wav, from 'http://127.0.0.1/a.wav':"), undefined);
	assert.equal(parseReportedDuration('Stream #0:0: Audio: aac, Duration: 00:00:01.00'), undefined);
});

test('a file is finite; a network input by the duration ffmpeg reported, unknown before', () => {
	const http = parseStreamInput('http://127.0.0.1:8080/index.m3u8');
	assert.equal(inputExtent(parseStreamInput(process.execPath)), 'finite');
	assert.equal(inputExtent(http), 'unknown');
	assert.equal(inputExtent(http, 3.32), 'finite', 'HLS with #EXT-X-ENDLIST, an http media file');
	assert.equal(inputExtent(http, null), 'live', 'live HLS: N/A');
	assert.equal(
		inputExtent(parseStreamInput('rtmp://127.0.0.1/live/key'), 0),
		'live',
		'nginx-rtmp reports 0 for a live publisher',
	);
});
