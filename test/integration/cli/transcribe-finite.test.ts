import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { sharedPath } from '../../helpers/paths.js';

const TOY = sharedPath('models', 'toy-paraformer-zh');
const VAD = sharedPath('models', 'fsmn-vad');
const CLIP = sharedPath('audio', 'toy', 'toy_01_alarm.wav');
const SPOKEN = (
	JSON.parse(readFileSync(sharedPath('audio', 'toy', 'transcripts.json'), 'utf8')) as Record<
		string,
		string
	>
)['toy_01_alarm.wav'];
let server: Server;
let base = '';

before(async () => {
	server = createServer((_request, response) => response.end(readFileSync(CLIP)));
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

after(async () => {
	await new Promise((resolve) => server.close(resolve));
});

for (const [what, url] of [
	['a file:// URL', () => pathToFileURL(CLIP).href],
	['an http media file', () => `${base}/clip.wav`],
] as const) {
	test(`transcribe of ${what} prints each sentence once and exits 0`, async () => {
		const result = await runCli(
			['transcribe', url(), '--model', TOY, '--vad', VAD, '--json'],
			30_000,
		);
		assert.equal(result.code, 0, result.stderr);
		assert.doesNotMatch(result.stderr, /reconnecting/);
		const sentences = result.stdout
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line) as { index: number; text: string });
		assert.deepEqual(
			sentences.map(({ index, text }) => [index, text]),
			[[0, SPOKEN]],
		);
	});
}
