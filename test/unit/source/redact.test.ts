import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MASK, redactText, redactUrl } from '../../../engine/source/redact.js';

test('redactUrl masks the rtmp stream key, keeps host and application', () => {
	assert.equal(redactUrl('rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl'), `rtmp://a.rtmp.youtube.com/live2/${MASK}`);
	assert.equal(redactUrl('rtmps://live.example.com:443/app/instance/key123/'), `rtmps://live.example.com:443/app/instance/${MASK}/`);
	assert.equal(redactUrl('rtmp://host/live'), 'rtmp://host/live', 'an application alone is no key');
});

test('redactUrl masks userinfo and every query value, not the names', () => {
	assert.equal(redactUrl('rtsp://admin:hunter2@10.0.0.5:554/stream1'), `rtsp://${MASK}@10.0.0.5:554/stream1`);
	assert.equal(redactUrl('https://cdn.example.com/live/index.m3u8?token=abc&expires=17&sign=ff00'), `https://cdn.example.com/live/index.m3u8?token=${MASK}&expires=${MASK}&sign=${MASK}`);
	assert.equal(redactUrl('srt://host:9000?streamid=publish:cam&passphrase=longsecret'), `srt://host:9000?streamid=${MASK}&passphrase=${MASK}`);
	assert.equal(redactUrl('rtmp://host/live/key?auth=xyz'), `rtmp://host/live/${MASK}?auth=${MASK}`);
	assert.equal(redactUrl('https://host/path/file.m3u8'), 'https://host/path/file.m3u8');
});

test('redactText masks URLs inside ffmpeg messages and keeps the punctuation around them', () => {
	const line = 'rtmp://127.0.0.1:1935/live/supersecret: Input/output error';
	assert.equal(redactText(line), `rtmp://127.0.0.1:1935/live/${MASK}: Input/output error`);
	assert.equal(redactText('opening "https://u:p@h/x?k=v".'), `opening "https://${MASK}@h/x?k=${MASK}".`);
});

test('redactText masks explicit secrets anywhere, their URL-encoded form too, longest first', () => {
	const text = 'Server error: key ab/cd?e rejected; encoded ab%2Fcd%3Fe; again ab/cd?e-longer';
	assert.equal(redactText(text, ['ab/cd?e', 'ab/cd?e-longer']), `Server error: key ${MASK} rejected; encoded ${MASK}; again ${MASK}`);
	assert.equal(redactText('nothing to hide', ['']), 'nothing to hide');
});
