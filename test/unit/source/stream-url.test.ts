import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../../engine/errors.js';
import { parseStreamInput } from '../../../engine/source/stream-url.js';
import { sharedPath } from '../../helpers/paths.js';

function rejects(input: string, code: string, message: RegExp): void {
	assert.throws(
		() => parseStreamInput(input),
		(error: unknown) =>
			error instanceof EngineError &&
			error.code === code &&
			message.test(error.message) &&
			error.fix !== '',
	);
}

test('an rtmp URL needs only rtmp and tcp, and its key is a secret', () => {
	const input = parseStreamInput(' rtmp://live.example.com/app/my-secret-key ');
	assert.equal(input.protocol, 'rtmp');
	assert.equal(input.ffmpegUrl, 'rtmp://live.example.com/app/my-secret-key');
	assert.equal(input.display, 'rtmp://live.example.com/app/***');
	assert.equal(input.isNetwork, true);
	assert.deepEqual(input.protocols, ['rtmp', 'tcp']);
	assert.deepEqual(input.secrets, ['my-secret-key']);
});

test('each scheme gets only the protocols it needs, never file or concat', () => {
	const cases: Array<[string, string[]]> = [
		['rtmps://host:443/app/key', ['rtmps', 'tls', 'tcp']],
		['rtsp://user:pass@cam.local:554/stream1', ['tcp', 'udp', 'rtp']],
		['srt://host:9000?streamid=abc', ['srt']],
		['http://host/live.m3u8', ['http', 'tcp', 'hls', 'crypto']],
		[
			'https://host/live.m3u8?token=abcdef',
			['https', 'tls', 'tcp', 'http', 'httpproxy', 'hls', 'crypto'],
		],
		['udp://@:1234', ['udp']],
		['srt://:9000?mode=listener', ['srt']],
	];
	for (const [url, protocols] of cases) {
		const input = parseStreamInput(url);
		assert.deepEqual(input.protocols, protocols, url);
		assert.ok(!input.protocols.includes('file') && !input.protocols.includes('concat'), url);
	}
});

test('userinfo and long query values become secrets; short values stay out of free-text masking', () => {
	const input = parseStreamInput('https://bob:s3cr%40t@cdn.example.com/x.m3u8?token=abcdef123&v=1');
	assert.deepEqual(
		[...input.secrets].sort(),
		['abcdef123', 'bob:s3cr%40t', 'bob:s3cr@t', 's3cr%40t', 's3cr@t'].sort(),
	);
	assert.equal(input.display, 'https://***@cdn.example.com/x.m3u8?token=***&v=***');
});

test('a local file becomes an absolute file: input with the file protocol only', () => {
	const path = sharedPath('audio', 'a_cn_16k.wav');
	const input = parseStreamInput(path);
	assert.equal(input.protocol, 'file');
	assert.equal(input.ffmpegUrl, `file:${path}`);
	assert.equal(input.isNetwork, false);
	assert.deepEqual(input.protocols, ['file']);
	assert.equal(parseStreamInput(`file://${path}`).ffmpegUrl, `file:${path}`);
});

test('nonsense inputs fail with a clear EngineError', () => {
	rejects('', 'BAD_OPTION', /empty/);
	rejects('   ', 'BAD_OPTION', /empty/);
	rejects('concat:/etc/passwd|/etc/hosts', 'BAD_OPTION', /Unsupported input scheme "concat:"/);
	rejects('ftp://host/file.mp3', 'BAD_OPTION', /Unsupported input scheme "ftp:"/);
	rejects('rtmp:///live/key', 'BAD_OPTION', /no valid host/);
	rejects('rtmp://host/live', 'BAD_OPTION', /no application and stream key/);
	rejects('rtmp://host:99999/live/key', 'BAD_OPTION', /invalid port/);
	rejects('http://bad host/x', 'BAD_OPTION', /not a valid URL/);
	rejects('rtmp://host/live/key\nInjected: line', 'BAD_OPTION', /not a valid URL/);
	rejects('udp://:', 'BAD_OPTION', /invalid port/);
	rejects('https://:443/x', 'BAD_OPTION', /no valid host/);
	rejects(
		'/definitely/not/here.wav',
		'INPUT_UNREADABLE',
		/No such file: \/definitely\/not\/here\.wav/,
	);
});

test('a directory is not a readable input file', () => {
	const dir = mkdtempSync(join(tmpdir(), 'stream-url-'));
	try {
		rejects(dir, 'INPUT_UNREADABLE', /not a regular file/);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test('error messages never contain the secret they reject', () => {
	assert.throws(
		() => parseStreamInput('rtmp://host:0/live/topsecretkey'),
		(error: unknown) => error instanceof EngineError && !error.message.includes('topsecretkey'),
	);
	assert.throws(
		() => parseStreamInput('gopher://u:topsecret@host/x'),
		(error: unknown) => error instanceof EngineError && !error.message.includes('topsecret'),
	);
});

test('an SRT access-control stream id is a query value: the URL reaches ffmpeg whole, its key and token are secrets', () => {
	const url = 'srt://host:9000?streamid=#!::r=live/SECRETKEY,m=request,s=TOKEN123';
	const input = parseStreamInput(url);
	assert.equal(input.ffmpegUrl, url);
	assert.equal(input.display, 'srt://host:9000?streamid=#!::r=***,m=request,s=***');
	for (const secret of ['SECRETKEY', 'TOKEN123', 'live/SECRETKEY'])
		assert.ok(input.secrets.includes(secret), secret);
});

test('the scheme reaches ffmpeg in lower case: its protocol lookup is case-sensitive', () => {
	const input = parseStreamInput('RTMP://Live.Example.com/app/Key');
	assert.equal(input.protocol, 'rtmp');
	assert.equal(input.ffmpegUrl, 'rtmp://Live.Example.com/app/Key');
	assert.equal(
		parseStreamInput('Srt://host:9000?streamid=x').ffmpegUrl,
		'srt://host:9000?streamid=x',
	);
});

test('a URL longer than ffmpeg reads is refused with its length, not cut or passed to a failing spawn', () => {
	rejects(
		`rtmp://host/live/${'k'.repeat(4100)}`,
		'BAD_OPTION',
		/4,117 bytes long; ffmpeg reads at most 4,095/,
	);
	assert.equal(parseStreamInput(`rtmp://host/live/${'k'.repeat(4095 - 17)}`).protocol, 'rtmp');
});

test('an invalid URL is shown masked and without the text after it', () => {
	const cases = [
		'rtmp://host/live/KEY1\nrtmp://other/live/KEY2',
		'rtmp://host/live/KEY1 my KEY2 comment',
		'rtmp://host/live/ KEY2',
		'rtmp:/host/live/KEY1',
		'srt://h:9000?streamid=#!::r=live/KEY1,s=KEY2 x',
	];
	for (const url of cases) {
		assert.throws(
			() => parseStreamInput(url),
			(error: unknown) =>
				error instanceof EngineError &&
				error.code === 'BAD_OPTION' &&
				/not a valid URL/.test(error.message) &&
				!/KEY1|KEY2/.test(error.message + error.fix),
			url,
		);
	}
	rejects(
		'gopher://h/KEY1 KEY2',
		'BAD_OPTION',
		/^Unsupported input scheme "gopher:" in gopher:\/\/h\/KEY1 …\.$/,
	);
});
