import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT, sharedPath } from '../../helpers/paths.js';
import { isAlive } from '../../helpers/processes.js';
import { startPublisher, type Publisher } from '../../helpers/publisher.js';
import { startRtmpServer, type RtmpServer } from '../../helpers/rtmp-server.js';

const TOY = sharedPath('models', 'toy-paraformer-zh');
const VAD = sharedPath('models', 'fsmn-vad');
/** From the signal to the exit: the CLI's own close (ffmpeg stopped, workers ended) takes well under a second unloaded. */
const PROMPT_MS = 3000;

let server: RtmpServer;
let publisher: Publisher | undefined;
before(async () => {
	server = await startRtmpServer();
});
after(async () => {
	await publisher?.stop();
	await server?.stop();
});

interface Run {
	pid: number;
	stdout: () => string;
	stderr: () => string;
	exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[]): Run {
	const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'cli', 'rtmp-asr.js'), ...args], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	return {
		pid: child.pid!,
		stdout: () => stdout,
		stderr: () => stderr,
		exited: new Promise((resolve) =>
			child.on('close', (code, signal) => resolve({ code, signal })),
		),
	};
}

/** Processes whose parent is `pid` (ffmpeg readers among them). */
function childrenOf(pid: number): number[] {
	return readdirSync('/proc')
		.filter((entry) => /^\d+$/.test(entry))
		.filter((entry) => {
			try {
				const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
				return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
			} catch {
				return false;
			}
		})
		.map(Number);
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
	const start = performance.now();
	while (!condition()) {
		if (performance.now() - start > timeoutMs) throw new Error(`Timed out waiting for ${what}.`);
		await sleep(20);
	}
}

/** Whether process `pid` runs a thread named `name` (the inference workers name theirs). */
function hasThread(pid: number, name: string): boolean {
	try {
		return readdirSync(`/proc/${pid}/task`).some((task) =>
			readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').startsWith(name),
		);
	} catch {
		return false;
	}
}

/** Sends the signal, then expects the CLI's own clean close: prompt, its message, the conventional code, no child left. */
async function assertClosesOn(
	run: Run,
	signal: 'SIGINT' | 'SIGTERM',
	children: number[],
): Promise<void> {
	const sent = performance.now();
	process.kill(run.pid, signal);
	const { code, signal: killedBy } = await run.exited;
	const closeMs = performance.now() - sent;
	assert.equal(killedBy, null, `killed by ${killedBy} instead of closing: ${run.stderr()}`);
	assert.equal(code, signal === 'SIGINT' ? 130 : 143, run.stderr());
	assert.match(run.stderr(), new RegExp(`${signal}, closing[^]*closed after ${signal}\\.`));
	assert.ok(closeMs < PROMPT_MS, `closed ${Math.round(closeMs)} ms after ${signal}`);
	for (const pid of children) assert.equal(isAlive(pid), false, `child ${pid} outlived the CLI`);
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
	test(`${signal} during the model load closes the CLI cleanly and promptly`, async () => {
		const run = start([
			'transcribe',
			sharedPath('audio', 'toy', 'toy_stream.wav'),
			'--model',
			TOY,
			'--vad',
			VAD,
			'--recognizers',
			'2',
		]);
		// The CLI listens for signals from just before it starts its inference workers, which then load
		// the models; a signal before that (Node still starting) would rightly kill it. Nothing is printed
		// before the first sentence.
		await waitFor(() => hasThread(run.pid, 'rtmp-asr vad'), 10_000, 'the VAD worker to start');
		assert.equal(run.stdout(), '', 'the signal must come before recognition');
		await assertClosesOn(run, signal, []);
		assert.equal(run.stdout(), '');
	});

	test(`${signal} during a live run closes the CLI cleanly: ffmpeg stopped, no orphan`, async () => {
		const url = server.url('live', `signal-${signal}`);
		publisher = startPublisher({
			url,
			file: sharedPath('audio', 'toy', 'toy_stream.wav'),
			loops: -1,
		});
		const run = start(['transcribe', url, '--model', TOY, '--vad', VAD, '--json']);
		await waitFor(() => run.stdout().includes('\n'), 30_000, 'a first sentence');
		const children = childrenOf(run.pid);
		assert.ok(children.length > 0, 'ffmpeg reads the stream');
		await assertClosesOn(run, signal, children);
		await publisher.stop();
		publisher = undefined;
	});
}

test('vad closes on SIGINT while reading a stream and prints the segments found', async () => {
	const url = server.url('live', 'signal-vad');
	publisher = startPublisher({
		url,
		file: sharedPath('audio', 'toy', 'toy_stream.wav'),
		loops: -1,
	});
	const run = start(['vad', url, '--vad', VAD, '--json']);
	await waitFor(() => childrenOf(run.pid).length > 0, 30_000, 'ffmpeg reading the stream');
	const children = childrenOf(run.pid);
	await sleep(5000);
	await assertClosesOn(run, 'SIGINT', children);
	const segments = JSON.parse(run.stdout()) as [number, number][];
	assert.ok(
		segments.length > 0 && segments.every(([startMs, endMs]) => startMs < endMs),
		run.stdout(),
	);
	await publisher.stop();
	publisher = undefined;
});

test('two signals in a row end the CLI with 143, leaving no child behind', async () => {
	const url = server.url('live', 'signal-twice');
	publisher = startPublisher({
		url,
		file: sharedPath('audio', 'toy', 'toy_stream.wav'),
		loops: -1,
	});
	const run = start(['transcribe', url, '--model', TOY, '--vad', VAD]);
	await waitFor(() => childrenOf(run.pid).length > 0, 30_000, 'ffmpeg reading the stream');
	const children = childrenOf(run.pid);
	process.kill(run.pid, 'SIGTERM');
	process.kill(run.pid, 'SIGTERM');
	const { code, signal } = await run.exited;
	assert.equal(signal, null, run.stderr());
	assert.equal(code, 143, run.stderr());
	assert.match(run.stderr(), /SIGTERM again, exiting at once|closed after SIGTERM/);
	// ffmpeg is bound to the CLI (PR_SET_PDEATHSIG): it goes with it.
	for (const pid of children) await waitFor(() => !isAlive(pid), 2000, `child ${pid} to end`);
	await publisher.stop();
	publisher = undefined;
});
