import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { FsmnVadModel } from '../../../engine/vad/fsmn-vad-model.js';
import { ModelServer, refusedUrl } from '../../helpers/model-server.js';
import { REPO_ROOT, sharedPath } from '../../helpers/paths.js';

const NODE = join(REPO_ROOT, 'node_modules', '.bin', 'node');
const CLI = join(REPO_ROOT, 'dist', 'cli', 'rtmp-asr.js');
const VAD_ID = 'speech_fsmn_vad_zh-cn-16k-common-onnx';
const VAD_FILES = ['model.onnx', 'config.yaml', 'am.mvn'];
const servedPath = (file: string) => `/ms/models/iic/${VAD_ID}/resolve/master/${file}`;

let server: ModelServer;
let home: string;
let root: string;
let env: NodeJS.ProcessEnv;

interface Run {
	code: number;
	stdout: string;
	stderr: string;
}

function cli(...args: string[]): Promise<Run> {
	return new Promise((resolve) => {
		execFile(NODE, [CLI, ...args], { env, encoding: 'utf8' }, (error, stdout, stderr) => {
			resolve({
				code: error ? (typeof error.code === 'number' ? error.code : -1) : 0,
				stdout,
				stderr,
			});
		});
	});
}

before(async () => {
	server = await ModelServer.start();
	for (const file of VAD_FILES)
		server.serve(servedPath(file), readFileSync(sharedPath('models', 'fsmn-vad', file)));
});
after(async () => {
	await server.close();
});
beforeEach(async () => {
	home = mkdtempSync(join(tmpdir(), 'rtmp-asr-cli-models-'));
	root = join(home, '.n8n', 'rtmp-asr', 'models');
	server.requests.length = 0;
	server.bytesPerSecond = 0;
	env = {
		PATH: process.env.PATH,
		N8N_USER_FOLDER: home,
		RTMP_ASR_MODELSCOPE_URL: `${server.url}/ms`,
		RTMP_ASR_HF_URL: await refusedUrl(),
	};
});
afterEach(() => {
	rmSync(home, { recursive: true, force: true });
});

test("models list shows the catalog, the cache inside n8n's folder and what is installed", async () => {
	const before = await cli('models', 'list');
	assert.equal(before.code, 0, before.stderr);
	const lines = before.stdout.trimEnd().split('\n');
	assert.equal(lines[0], `Model cache: ${root}`);
	assert.match(lines[1], /^NAME +KIND +SIZE +STATUS +CHECKS +FUNASR ID$/);
	assert.equal(
		lines.at(-1),
		"unverified: the catalog has no published sha256 for these files, so only their size and format are checked; another model's files of the same format would pass.",
	);
	const rows = lines.slice(2, -1);
	assert.deepEqual(
		rows.map((line) => line.split(/ +/).slice(0, 4)),
		[
			['paraformer-zh', 'asr', '~880.1', 'MB'],
			['paraformer-zh-int8', 'asr', '~238.1', 'MB'],
			['paraformer-zh-contextual', 'asr', '~937.1', 'MB'],
			['paraformer-zh-contextual-int8', 'asr', '~282.1', 'MB'],
			['sensevoice-small', 'asr', '~940.4', 'MB'],
			['sensevoice-small-int8', 'asr', '~240.4', 'MB'],
			['fsmn-vad', 'vad', '~1.73', 'MB'],
			['ct-punc', 'punc', '~294.2', 'MB'],
			['ct-punc-realtime', 'punc', '~294.2', 'MB'],
		],
	);
	assert.ok(rows.every((line) => / missing +unverified +/.test(line)));

	assert.equal((await cli('models', 'pull', 'fsmn-vad')).code, 0);
	const listed = JSON.parse((await cli('models', 'list', '--json')).stdout) as {
		root: string;
		models: {
			name: string;
			installed: boolean;
			directory: string;
			files: { installedBytes: number | null }[];
		}[];
	};
	assert.equal(listed.root, root);
	const vad = listed.models.find((model) => model.name === 'fsmn-vad')!;
	assert.equal(vad.installed, true);
	assert.equal(vad.directory, join(root, VAD_ID));
	assert.deepEqual(
		vad.files.map((file) => file.installedBytes),
		VAD_FILES.map((file) => readFileSync(sharedPath('models', 'fsmn-vad', file)).length),
	);
	assert.deepEqual(
		listed.models.filter((model) => model.installed).map((model) => model.name),
		['fsmn-vad'],
	);
	assert.match(
		(await cli('models', 'list')).stdout,
		/\nfsmn-vad +vad +1\.73 MB +installed +unverified +speech_fsmn_vad/,
	);
});

test('models pull downloads the real FSMN-VAD from the ModelScope override; the engine loads it', async () => {
	const run = await cli('models', 'pull', 'fsmn-vad');
	assert.equal(run.code, 0, run.stderr);
	assert.equal(run.stdout, `fsmn-vad\t${join(root, VAD_ID)}\n`);
	for (const file of VAD_FILES) {
		assert.ok(
			readFileSync(join(root, VAD_ID, file)).equals(
				readFileSync(sharedPath('models', 'fsmn-vad', file)),
			),
			file,
		);
		assert.equal(server.count(servedPath(file)), 1);
		assert.match(
			run.stderr,
			new RegExp(
				`fsmn-vad: ${file.replace('.', '\\.')} \\[\\d/3\\] from modelscope \\(${server.url}/ms/models/iic/`,
			),
		);
		assert.match(
			run.stderr,
			new RegExp(`fsmn-vad: ${file.replace('.', '\\.')} done \\(.* from modelscope\\)`),
		);
	}
	assert.ok(
		!run.stderr.includes('\r'),
		'no terminal control characters when stderr is not a terminal',
	);
	const model = await FsmnVadModel.load(join(root, VAD_ID));
	try {
		assert.equal(model.classes, 248);
	} finally {
		await model.release();
	}
});

test('models verify passes installed files, names a damaged one, and pull repairs only that file', async () => {
	assert.equal((await cli('models', 'pull', 'fsmn-vad')).code, 0);
	const good = await cli('models', 'verify');
	assert.equal(good.code, 0, good.stderr);
	assert.match(
		good.stdout,
		new RegExp(`^fsmn-vad \\(${join(root, VAD_ID).replaceAll('/', '\\/')}\\): UNVERIFIED\\n`),
	);
	assert.match(good.stdout, /model\.onnx +1\.72 MB +unverified \(size and format only\)/);
	assert.match(good.stdout, /\nunverified: the catalog has no published sha256 for these files/);

	truncateSync(join(root, VAD_ID, 'model.onnx'), 1_000_000);
	const bad = await cli('models', 'verify', '--json');
	assert.equal(bad.code, 1);
	const report = JSON.parse(bad.stdout) as {
		models: {
			ok: boolean;
			verified: boolean;
			files: { name: string; problem: string | null; verified: boolean }[];
		}[];
	};
	assert.equal(report.models[0].ok, false);
	assert.equal(report.models[0].verified, false);
	assert.deepEqual(
		report.models[0].files.map((file) => file.verified),
		[false, false, false],
	);
	assert.match(
		report.models[0].files.find((file) => file.name === 'model.onnx')!.problem!,
		/has field 7 at byte \d+ running to byte \d+, past the end at byte 1000000: truncated/,
	);
	assert.match(
		bad.stderr,
		/^rtmp-asr models: 1 problem in ".*": fsmn-vad\/model\.onnx: it has field 7 at byte \d+ running to byte \d+, past the end at byte 1000000: truncated\. Run `rtmp-asr models pull fsmn-vad --dir .*` to download the missing or damaged files again\.\n$/,
	);

	server.requests.length = 0;
	assert.equal((await cli('models', 'pull', 'fsmn-vad')).code, 0);
	assert.deepEqual(
		server.requests.map((request) => request.path),
		[servedPath('model.onnx')],
	);
	assert.equal((await cli('models', 'verify', 'fsmn-vad')).code, 0);
});

test('two pull processes at once download each file once; the second waits for the first', async () => {
	server.bytesPerSecond = 2_000_000;
	const runs = await Promise.all([
		cli('models', 'pull', 'fsmn-vad'),
		cli('models', 'pull', 'fsmn-vad'),
	]);
	for (const run of runs) {
		assert.equal(run.code, 0, run.stderr);
		assert.equal(run.stdout, `fsmn-vad\t${join(root, VAD_ID)}\n`);
	}
	for (const file of VAD_FILES)
		assert.equal(server.count(servedPath(file)), 1, `${file} requested once`);
	const waited = runs.filter((run) =>
		run.stderr.includes('fsmn-vad: waiting for another download of it to finish (PID '),
	);
	assert.equal(waited.length, 1);
	assert.match(waited[0].stderr, /model\.onnx already present/);
});

test('a pull killed mid-download leaves its lock and partial file; the next pull takes the lock over and resumes', async () => {
	server.bytesPerSecond = 500_000;
	const child = spawn(NODE, [CLI, 'models', 'pull', 'fsmn-vad'], {
		env,
		stdio: ['ignore', 'ignore', 'pipe'],
	});
	await new Promise<void>((resolve) => {
		child.stderr.on('data', (chunk: Buffer) => {
			if (/model\.onnx: [1-9]0%/.test(chunk.toString())) resolve();
		});
	});
	child.kill('SIGKILL');
	await new Promise((resolve) => child.once('exit', resolve));
	assert.ok(existsSync(join(root, `${VAD_ID}.lock`)), 'a killed process cannot remove its lock');
	const kept = statSync(join(root, VAD_ID, 'model.onnx.partial')).size;
	assert.ok(kept > 0);

	server.bytesPerSecond = 0;
	server.requests.length = 0;
	const run = await cli('models', 'pull', 'fsmn-vad');
	assert.equal(run.code, 0, run.stderr);
	assert.ok(!run.stderr.includes('waiting'), "the dead holder's lock is taken over at once");
	assert.equal(
		server.requests.find((request) => request.path === servedPath('model.onnx'))!.range,
		`bytes=${kept}-`,
	);
	assert.match(run.stderr, /model\.onnx \[1\/3\] from modelscope, resuming at /);
	assert.ok(
		readFileSync(join(root, VAD_ID, 'model.onnx')).equals(
			readFileSync(sharedPath('models', 'fsmn-vad', 'model.onnx')),
		),
	);
	assert.ok(!existsSync(join(root, `${VAD_ID}.lock`)));
});

test('without any network, pull fails with one message naming the directory and the manual way', async () => {
	env.RTMP_ASR_MODELSCOPE_URL = await refusedUrl();
	const run = await cli('models', 'pull', 'fsmn-vad', '--dir', join(home, 'cache'));
	assert.equal(run.code, 1);
	const message = run.stderr.trimEnd().split('\n').at(-1)!;
	assert.ok(
		message.startsWith(
			`rtmp-asr models: Could not download model.onnx of model "fsmn-vad" (FunASR ${VAD_ID}) into "${join(home, 'cache', VAD_ID)}": modelscope: connection refused; huggingface: connection refused.`,
		),
		message,
	);
	assert.ok(
		message.includes(
			`copy model.onnx, config.yaml and am.mvn from ${env.RTMP_ASR_MODELSCOPE_URL}/models/iic/${VAD_ID}/files into "${join(home, 'cache', VAD_ID)}" by hand`,
		),
		message,
	);
	assert.ok(message.includes(`\`rtmp-asr models verify --dir ${join(home, 'cache')}\``), message);
});

test('unknown models and actions are clear errors', async () => {
	const unknown = await cli('models', 'pull', 'whisper');
	assert.equal(unknown.code, 1);
	assert.equal(
		unknown.stderr,
		'rtmp-asr models: Unknown model "whisper". Known models: paraformer-zh, paraformer-zh-int8, paraformer-zh-contextual, paraformer-zh-contextual-int8, sensevoice-small, sensevoice-small-int8, fsmn-vad, ct-punc, ct-punc-realtime (or their FunASR ids; see `rtmp-asr models list`).\n',
	);
	const action = await cli('models', 'fetch');
	assert.equal(action.code, 1);
	assert.match(
		action.stderr,
		/^rtmp-asr models: Unknown action "fetch" \(list, pull or verify\)\. Usage: /,
	);
});
