import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamError } from '../../../engine/source/ffmpeg-failure.js';
import { FfmpegSource } from '../../../engine/source/ffmpeg-source.js';
import { freePort } from '../../helpers/free-port.js';

test('an SRT stream id with key and token never shows them, with real ffmpeg and libsrt', async () => {
	const port = await freePort();
	const url = `srt://127.0.0.1:${port}?streamid=#!::r=live/SECRETKEY,m=request,s=TOKEN123&passphrase=0123456789abc&connect_timeout=1000`;
	const source = new FfmpegSource({ url, readTimeoutMs: 3000 });
	const error = await new Promise<StreamError>((resolve, reject) => {
		source.once('error', resolve);
		source.once('end', () => reject(new Error('a refused SRT connection ended cleanly')));
		source.start();
	});
	const shown = [
		source.input.display,
		error.message,
		error.fix,
		...error.stderr,
		...source.stderr,
	].join('\n');
	assert.match(
		shown,
		/Connection to srt:\/\/127\.0\.0\.1:\d+\?streamid=#!::r=\*\*\*,m=request,s=\*\*\*&passphrase=\*\*\*/,
	);
	assert.ok(!/SECRETKEY|TOKEN123|0123456789abc/.test(shown), shown);
});
