import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineError } from '../../../engine/errors.js';
import { redactText } from '../../../engine/source/redact.js';
import { joinStreamUrl } from '../../../nodes/RtmpAsr/credentials/stream-credentials.js';

const badOption = (pattern: RegExp) => (error: unknown) =>
	error instanceof EngineError && error.code === 'BAD_OPTION' && pattern.test(error.message);

describe('joinStreamUrl', () => {
	it('appends the stream key to the server URL as the last path segment', () => {
		assert.equal(
			joinStreamUrl({ serverUrl: 'rtmp://host:1935/live', streamKey: 'abc123' }).url,
			'rtmp://host:1935/live/abc123',
		);
		assert.equal(
			joinStreamUrl({ serverUrl: ' rtmp://host/live/ ', streamKey: '/abc123 ' }).url,
			'rtmp://host/live/abc123',
		);
		assert.equal(
			joinStreamUrl({ serverUrl: 'rtmp://host/live', streamKey: 'room1?txSecret=f00&txTime=65' })
				.url,
			'rtmp://host/live/room1?txSecret=f00&txTime=65',
		);
	});

	it('uses a complete server URL as is when there is no stream key', () => {
		assert.equal(
			joinStreamUrl({
				serverUrl: 'srt://host:9000?streamid=read:live&passphrase=0123456789',
				streamKey: '',
			}).url,
			'srt://host:9000?streamid=read:live&passphrase=0123456789',
		);
		assert.deepEqual(joinStreamUrl({ serverUrl: 'https://cdn.example/live/index.m3u8' }), {
			url: 'https://cdn.example/live/index.m3u8',
			secrets: [],
		});
	});

	it('puts the login into the userinfo, percent-encoded, and lists every secret', () => {
		const joined = joinStreamUrl({
			serverUrl: 'rtsp://camera.local:554/stream1',
			username: 'admin',
			password: 'p@ss:w/rd',
		});
		assert.equal(joined.url, 'rtsp://admin:p%40ss%3Aw%2Frd@camera.local:554/stream1');
		assert.deepEqual(joined.secrets, ['p@ss:w/rd', 'admin:p@ss:w/rd']);
		const keyed = joinStreamUrl({
			serverUrl: 'rtmp://host/live',
			streamKey: 'sk-live-42',
			username: 'u',
			password: 'secret-pw',
		});
		assert.deepEqual(keyed.secrets, ['sk-live-42', 'secret-pw', 'u:secret-pw']);
		const shown = redactText(`Connection to ${keyed.url} failed`, keyed.secrets);
		assert.ok(!shown.includes('sk-live-42') && !shown.includes('secret-pw'), shown);
	});

	it('rejects a server URL that is empty, has no scheme, or has a query string the key cannot follow, without showing its secrets', () => {
		assert.throws(
			() => joinStreamUrl({ serverUrl: '', streamKey: 'k' }),
			badOption(/server URL is empty/),
		);
		assert.throws(
			() => joinStreamUrl({ serverUrl: 'host:1935/live' }),
			badOption(/server URL is "host:1935 …", not a URL/),
		);
		assert.throws(
			() =>
				joinStreamUrl({ serverUrl: 'rtmp://host/live/secretkey?token=t0ps3cret', streamKey: 'x' }),
			(error: unknown) =>
				badOption(/has a query string/)(error) &&
				!(error as Error).message.includes('t0ps3cret') &&
				!(error as Error).message.includes('secretkey'),
		);
	});

	it('rejects a stream key with spaces and a login given twice', () => {
		assert.throws(
			() => joinStreamUrl({ serverUrl: 'rtmp://host/live', streamKey: 'ab cd' }),
			badOption(/spaces/),
		);
		assert.throws(
			() => joinStreamUrl({ serverUrl: 'rtmp://a:b@host/live', username: 'a', password: 'b' }),
			badOption(/both in the server URL/),
		);
	});
});

describe('joinStreamUrl with SRT and odd cases', () => {
	it("accepts SRT's access-control stream id in the server URL and masks it in errors", () => {
		const url = 'srt://host:9000?streamid=#!::r=live/SECRETKEY,m=request,s=TOKEN123';
		assert.equal(joinStreamUrl({ serverUrl: url }).url, url);
		assert.throws(
			() => joinStreamUrl({ serverUrl: url, streamKey: 'other' }),
			(error: unknown) =>
				badOption(/has a query string/)(error) &&
				!/SECRETKEY|TOKEN123/.test((error as Error).message),
		);
	});

	it('writes the scheme in lower case and never shows a server URL that is not one', () => {
		assert.equal(
			joinStreamUrl({ serverUrl: 'RTMP://host/live', streamKey: 'k1' }).url,
			'rtmp://host/live/k1',
		);
		assert.throws(
			() => joinStreamUrl({ serverUrl: 'rtmp:/host/live/SECRETKEY' }),
			(error: unknown) =>
				badOption(/not a URL/)(error) && !(error as Error).message.includes('SECRETKEY'),
		);
		assert.throws(
			() => joinStreamUrl({ serverUrl: 'rtmp://host/live/SECRETKEY # comment' }),
			(error: unknown) =>
				badOption(/not a URL/)(error) && !(error as Error).message.includes('SECRETKEY'),
		);
	});
});
