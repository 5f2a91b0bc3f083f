import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import {
	createReadStream,
	existsSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	statSync,
	writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { ModelCopies } from '../../helpers/model-copies.js';
import { REPO_ROOT, readFloat32, sharedPath } from '../../helpers/paths.js';
import { wavHeader } from '../../helpers/wav-file.js';

const TOY = sharedPath('models', 'toy-paraformer-zh');
const VAD = sharedPath('models', 'fsmn-vad');
const work = mkdtempSync(join(tmpdir(), 'rtmp-asr-cli-inputs-'));
const vadCopies = new ModelCopies(VAD);
after(() => {
	rmSync(work, { recursive: true, force: true });
	vadCopies.remove();
});

/** 30 minutes of 16 kHz audio: 57.6 MB as a WAV, 115 MB as float32 samples, 58 MB of fbank rows. */
const LONG_MINUTES = 30;
/**
 * Peak resident memory allowed to `vad` and `features` whatever the input's length: Node, onnxruntime
 * and the models take 100-140 MB; holding the 30-minute input decoded would take 115 MB more, twice.
 */
const PEAK_RSS_BOUND_MB = 200;
const LONG = join(work, 'long.wav');

before(() => {
	execFileSync('ffmpeg', [
		'-loglevel',
		'error',
		'-f',
		'lavfi',
		'-i',
		'sine=frequency=440:sample_rate=16000',
		'-t',
		String(LONG_MINUTES * 60),
		'-c:a',
		'pcm_s16le',
		LONG,
	]);
});

/** Runs the CLI and reads its peak resident set (VmHWM) until it exits. */
function runMeasured(
	args: string[],
): Promise<{ code: number | null; stderr: string; peakMb: number }> {
	return new Promise((resolve) => {
		const child = spawn(
			process.execPath,
			[join(REPO_ROOT, 'dist', 'cli', 'rtmp-asr.js'), ...args],
			{ stdio: ['ignore', 'ignore', 'pipe'] },
		);
		let stderr = '';
		let peakKb = 0;
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
		const poll = setInterval(() => {
			try {
				const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
				if (match) peakKb = Math.max(peakKb, Number(match[1]));
			} catch {
				// Exited between two polls.
			}
		}, 20);
		child.on('close', (code) => {
			clearInterval(poll);
			resolve({ code, stderr, peakMb: Math.round(peakKb / 1024) });
		});
	});
}

test(
	`vad and features stream a ${LONG_MINUTES}-minute input in under ${PEAK_RSS_BOUND_MB} MB`,
	{ timeout: 180_000 },
	async () => {
		const out = join(work, 'long.f32');
		const features = await runMeasured(['features', LONG, '--model', VAD, '--out', out]);
		assert.equal(features.code, 0, features.stderr);
		const rows = LONG_MINUTES * 60 * 100 - 2;
		assert.match(features.stderr, new RegExp(`\\[${rows}, 400\\]`));
		assert.equal(statSync(out).size, rows * 400 * 4);
		assert.ok(features.peakMb < PEAK_RSS_BOUND_MB, `features peaked at ${features.peakMb} MB`);
		rmSync(out);
		const vad = await runMeasured(['vad', LONG, '--vad', VAD, '--json']);
		assert.equal(vad.code, 0, vad.stderr);
		assert.ok(vad.peakMb < PEAK_RSS_BOUND_MB, `vad peaked at ${vad.peakMb} MB`);
	},
);

test('vad and features accept a stream URL, as transcribe does', async (t) => {
	const server = createServer((_request, response) => {
		response.writeHead(200, { 'content-type': 'audio/wav' });
		createReadStream(sharedPath('audio', 'a_cn_16k.wav')).pipe(response);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	t.after(() => server.close());
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/a_cn_16k.wav`;
	const vad = await runCli(['vad', url, '--vad', VAD, '--json']);
	assert.equal(vad.code, 0, vad.stderr);
	assert.ok((JSON.parse(vad.stdout) as unknown[]).length > 0, vad.stdout);
	const out = join(work, 'url.f32');
	const features = await runCli(['features', url, '--model', VAD, '--out', out]);
	assert.equal(features.code, 0, features.stderr);
	const ours = readFloat32(out);
	const golden = readFloat32(sharedPath('golden', 'a_cn_16k.vad_lfr_cmvn.f32'));
	assert.equal(ours.length, golden.length);
	assert.ok(ours.every((value, i) => Math.abs(value - golden[i]) <= 1e-3));
});

test('a WAV header claiming 65,535 channels gets the same verdict from every command', async () => {
	const header = wavHeader({ channels: 65535, dataBytes: 3200 });
	const wav = join(work, 'channels.wav');
	writeFileSync(wav, Buffer.concat([header, Buffer.alloc(3200)]));
	const out = join(work, 'channels.f32');
	for (const args of [
		['transcribe', wav, '--model', TOY, '--vad', VAD],
		['vad', wav, '--vad', VAD, '--json'],
		['features', wav, '--model', VAD, '--out', out],
	]) {
		const result = await runCli(args);
		assert.equal(result.code, 1, `${args[0]}: ${result.stderr}`);
		assert.match(result.stderr, /not an audio or video file|has no audio|not audio/, args[0]);
		assert.equal(result.stdout, '', args[0]);
	}
});

test('an absurd front-end value in config.yaml is refused before anything is allocated', async () => {
	const config = readFileSync(join(VAD, 'config.yaml'), 'utf8');
	const broken = vadCopies.copy({
		write: { 'config.yaml': config.replace(/n_mels: 80/, 'n_mels: 100000000') },
	});
	assert.notEqual(readFileSync(join(broken, 'config.yaml'), 'utf8'), config);
	for (const args of [
		['vad', sharedPath('audio', 'a_cn_16k.wav'), '--vad', broken],
		[
			'features',
			sharedPath('audio', 'a_cn_16k.wav'),
			'--model',
			broken,
			'--out',
			join(work, 'broken.f32'),
		],
		['transcribe', sharedPath('audio', 'a_cn_16k.wav'), '--model', TOY, '--vad', broken],
	]) {
		const result = await runCli(args, 30_000);
		assert.equal(result.code, 1, `${args[0]}: ${result.stderr}`);
		assert.ok(result.stderr.includes(join(broken, 'config.yaml')), result.stderr);
		assert.match(result.stderr, /n_mels 100000000 \(must be 1 to 256/, args[0]);
		assert.match(result.stderr, /Restore the config\.yaml/, args[0]);
	}
});

test(
	'an older Node says which version the CLI needs instead of crashing',
	{ skip: !existsSync('/usr/bin/node') },
	(t) => {
		const major = Number(
			execFileSync('/usr/bin/node', ['-p', 'process.versions.node.split(".")[0]'], {
				encoding: 'utf8',
			}),
		);
		const required = Number(
			/\d+/.exec(
				(
					JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
						engines: { node: string };
					}
				).engines.node,
			)![0],
		);
		if (major >= required) {
			t.skip(`/usr/bin/node is Node ${major}, not older than ${required}`);
			return;
		}
		let stderr = '';
		let code = 0;
		try {
			execFileSync(
				'/usr/bin/node',
				[join(REPO_ROOT, 'dist', 'cli', 'rtmp-asr.js'), 'vad', 'x.wav', '--vad', VAD],
				{ encoding: 'utf8', stdio: 'pipe' },
			);
		} catch (error) {
			({ stderr, status: code } = error as { stderr: string; status: number });
		}
		assert.equal(code, 1);
		assert.match(
			stderr,
			new RegExp(`^rtmp-asr: Node >=${required} is needed, this is Node ${major}\\.`),
		);
		assert.match(stderr, /npm run rtmp-asr/);
		assert.doesNotMatch(stderr, /TypeError|at /);
	},
);
