import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
	MASK,
	redactText,
	redactTypedUrl,
	redactUrl,
	splitUrl,
	urlSecrets,
} from '../../../engine/source/redact.js';

test('redactUrl masks the rtmp stream key, keeps host and application', () => {
	assert.equal(
		redactUrl('rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl'),
		`rtmp://a.rtmp.youtube.com/live2/${MASK}`,
	);
	assert.equal(
		redactUrl('rtmps://live.example.com:443/app/instance/key123/'),
		`rtmps://live.example.com:443/app/instance/${MASK}/`,
	);
	assert.equal(redactUrl('rtmp://host/live'), 'rtmp://host/live', 'an application alone is no key');
});

test('redactUrl masks userinfo and every query value, not the names', () => {
	assert.equal(
		redactUrl('rtsp://admin:hunter2@10.0.0.5:554/stream1'),
		`rtsp://${MASK}@10.0.0.5:554/stream1`,
	);
	assert.equal(
		redactUrl('https://cdn.example.com/live/index.m3u8?token=abc&expires=17&sign=ff00'),
		`https://cdn.example.com/live/index.m3u8?token=${MASK}&expires=${MASK}&sign=${MASK}`,
	);
	assert.equal(
		redactUrl('srt://host:9000?streamid=publish:cam&passphrase=longsecret'),
		`srt://host:9000?streamid=${MASK}&passphrase=${MASK}`,
	);
	assert.equal(redactUrl('rtmp://host/live/key?auth=xyz'), `rtmp://host/live/${MASK}?auth=${MASK}`);
	assert.equal(redactUrl('https://host/path/file.m3u8'), 'https://host/path/file.m3u8');
});

test('redactText masks URLs inside ffmpeg messages and keeps the punctuation around them', () => {
	const line = 'rtmp://127.0.0.1:1935/live/supersecret: Input/output error';
	assert.equal(redactText(line), `rtmp://127.0.0.1:1935/live/${MASK}: Input/output error`);
	assert.equal(
		redactText('opening "https://u:p@h/x?k=v".'),
		`opening "https://${MASK}@h/x?k=${MASK}".`,
	);
});

test('redactText masks explicit secrets anywhere, their URL-encoded form too, longest first', () => {
	const text = 'Server error: key ab/cd?e rejected; encoded ab%2Fcd%3Fe; again ab/cd?e-longer';
	assert.equal(
		redactText(text, ['ab/cd?e', 'ab/cd?e-longer']),
		`Server error: key ${MASK} rejected; encoded ${MASK}; again ${MASK}`,
	);
	assert.equal(redactText('nothing to hide', ['']), 'nothing to hide');
});

test("redactUrl masks SRT's access-control stream id value by value, and the passphrase after it", () => {
	const url =
		'srt://host:9000?streamid=#!::r=live/KEY123,m=request,s=TOKEN456&passphrase=longpassphrase&latency=200';
	assert.equal(
		redactUrl(url),
		`srt://host:9000?streamid=#!::r=${MASK},m=request,s=${MASK}&passphrase=${MASK}&latency=${MASK}`,
	);
	assert.equal(
		redactUrl('srt://host:9000?streamid=%23!%3A%3Ar%3Dlive%2FKEY123%2Cm%3Dpublish'),
		`srt://host:9000?streamid=#!::r=${MASK},m=publish`,
	);
	assert.equal(
		redactUrl('srt://host:9000?streamid=read:live/KEY123'),
		`srt://host:9000?streamid=${MASK}`,
	);
});

test('redactUrl follows ffmpeg: no fragment, a token inside the rtmp application, a # in a password or path', () => {
	assert.equal(redactUrl('rtmp://host/app?auth=xyz123/streamkey'), `rtmp://host/app?auth=${MASK}`);
	assert.equal(redactUrl('rtmp://host/live/key#part'), `rtmp://host/live/${MASK}`);
	assert.equal(
		redactUrl('rtsp://admin:pa#ss/w@cam.local/stream1'),
		`rtsp://${MASK}@cam.local/stream1`,
	);
	assert.equal(redactUrl('https://host/x.m3u8#token=abc'), `https://host/x.m3u8#${MASK}`);
	assert.equal(redactUrl('RTMP://host/live/key'), `rtmp://host/live/${MASK}`);
});

test('redactUrl keeps udp readable: its options carry no secret and @ is no login there', () => {
	assert.equal(redactUrl('udp://@:1234'), 'udp://@:1234');
	assert.equal(
		redactUrl('udp://@239.0.0.1:1234?localaddr=10.0.0.2&pkt_size=1316'),
		'udp://@239.0.0.1:1234?localaddr=10.0.0.2&pkt_size=1316',
	);
});

test('redactText masks the SRT stream id in the lines ffmpeg prints for it', () => {
	const url =
		'srt://127.0.0.1:1?streamid=#!::r=live/SECRETKEY,m=request,s=TOKEN123&passphrase=0123456789abc';
	const lines = [
		`[srt @ 0x5604149271c0] Connection to ${url} failed: Input/output error`,
		`${url}: Input/output error`,
	];
	for (const line of lines) {
		const shown = redactText(line);
		assert.ok(!/SECRETKEY|TOKEN123|0123456789abc/.test(shown), shown);
		assert.match(shown, /m=request/);
	}
});

test('urlSecrets lists what ffmpeg may print apart from the URL, SRT stream id values included', () => {
	const secrets = urlSecrets(
		splitUrl(
			'srt://h:9000?streamid=#!::u=alice,r=live/SECRETKEY,m=request,s=TOKEN123&passphrase=0123456789abc',
		)!,
	);
	for (const secret of ['live/SECRETKEY', 'SECRETKEY', 'TOKEN123', 'alice', '0123456789abc'])
		assert.ok(secrets.includes(secret), secret);
	assert.ok(!secrets.includes('request'), 'the mode is no secret');
	assert.deepEqual(urlSecrets(splitUrl('udp://@239.0.0.1:1234?localaddr=10.0.0.2')!), []);
});

test('redactTypedUrl shows nothing after the URL: a comment or a second URL may hold a key', () => {
	assert.equal(
		redactTypedUrl('rtmp://host/live/KEY1\nrtmp://host/live/KEY2'),
		`rtmp://host/live/${MASK} …`,
	);
	assert.equal(redactTypedUrl('rtmp://host/live/ KEY1 # my key'), 'rtmp://host/live/ …');
	assert.equal(redactTypedUrl('rtmp:/host/live/KEY1'), 'rtmp: …');
	assert.equal(redactTypedUrl('localhost:1935'), 'localhost:1935');
	assert.equal(redactTypedUrl('rtmp://host/live/KEY1'), `rtmp://host/live/${MASK}`);
});
