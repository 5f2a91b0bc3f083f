import assert from 'node:assert/strict';
import {
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	realpathSync,
	rmSync,
	writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { installStandIn } from '../helpers/catalog-stand-ins.js';
import { sharedPath } from '../helpers/paths.js';
import { ffmpegReadersOf, waitFor } from '../helpers/pipeline-recorder.js';
import { startPublisher } from '../helpers/publisher.js';
import { startRtmpServer, type RtmpServer } from '../helpers/rtmp-server.js';
import { characterErrorRate } from '../helpers/text.js';
import {
	installCommunityPackage,
	installN8n,
	N8nClient,
	n8nCommand,
	packRepository,
	startN8n,
	type N8nOptions,
	type RunningN8n,
} from './n8n-instance.js';
import { startPostgres, startRedis, type Postgres, type Redis } from './queue-services.js';
import { toyModels, transcriptWorkflow, type CredentialFile } from './workflows.js';
import { TOY_STREAM_SENTENCES } from '../helpers/toy-clip.js';
import { jsonLines, Timings } from './recorded.js';

/**
 * n8n 2.40.7 in queue mode as its docs describe it: PostgreSQL for the data, Redis (Bull) for the
 * queue, one main (`n8n start`) that runs the trigger and one worker (`n8n worker`) that runs the
 * executions. The toy stream is published live and the worker is SIGKILLed after the first
 * sentence: every sentence must still come out exactly once, and every execution must have run on
 * a worker. With Parallel Processing the sentences spoken meanwhile wait in Redis until a worker is
 * back; in spoken order (the default) the trigger waits for each execution to finish, so they wait
 * on the main, in the node's own queue.
 */

const STREAM_KEY = 'queue-secret-key-4242';
/** Bull's keys for n8n's queue: QUEUE_BULL_PREFIX (default `bull`) and the queue name `jobs`. */
const WAITING_JOBS = 'bull:jobs:wait';
const ACTIVE_JOBS = 'bull:jobs:active';

const work = mkdtempSync(join(tmpdir(), 'rtmp-asr-queue-'));
const files = join(work, 'files');

interface Scenario {
	workflowId: string;
	parallelProcessing: boolean;
	sentencesPath: string;
	statusPath: string;
}

const SCENARIOS = {
	parallel: {
		workflowId: 'RtmpAsrQueueParal',
		parallelProcessing: true,
		sentencesPath: join(files, 'parallel-sentences.jsonl'),
		statusPath: join(files, 'parallel-status.jsonl'),
	},
	ordered: {
		workflowId: 'RtmpAsrQueueOrder',
		parallelProcessing: false,
		sentencesPath: join(files, 'ordered-sentences.jsonl'),
		statusPath: join(files, 'ordered-status.jsonl'),
	},
} satisfies Record<string, Scenario>;

const timings = new Timings();
let redis: Redis | undefined;
let postgres: Postgres | undefined;
let server: RtmpServer | undefined;
let options: N8nOptions;
/** A worker has its own user folder, as a separate container would, with the package installed in it too. */
let workerOptions: N8nOptions;
let main: RunningN8n | undefined;
const workers: RunningN8n[] = [];
let client: N8nClient;

interface ExecutionRow {
	id: string;
	status: string;
	mode: string;
	/** Milliseconds from the main's enqueueing (createdAt) to a worker's start (startedAt). */
	waitedMs: number;
}

/** A workflow's execution records, from n8n's PostgreSQL database. */
async function executionRows(workflowId: string): Promise<ExecutionRow[]> {
	const rows = await postgres!.query(
		`SELECT id, status, mode,
			COALESCE(EXTRACT(EPOCH FROM ("startedAt" - "createdAt")) * 1000, -1)
		FROM execution_entity WHERE "workflowId" = '${workflowId}' ORDER BY id::int`,
	);
	return rows.map(([id, status, mode, waitedMs]) => ({
		id: id!,
		status: status!,
		mode: mode!,
		waitedMs: Math.round(Number(waitedMs)),
	}));
}

async function queueLength(key: string): Promise<number> {
	return Number(await redis!.command('LLEN', key));
}

/** Polls an async condition every 250 ms. */
async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, what: string) {
	const deadline = performance.now() + timeoutMs;
	while (!(await condition())) {
		if (performance.now() > deadline)
			throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
		await sleep(250);
	}
}

/** Pids of a process's descendants with their command lines. */
function descendants(pid: number): { pid: number; command: string }[] {
	const children = new Map<number, number[]>();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
		} catch {
			// The process ended while /proc was read.
		}
	}
	const found: { pid: number; command: string }[] = [];
	const pending = [...(children.get(pid) ?? [])];
	while (pending.length > 0) {
		const child = pending.pop()!;
		let command = '';
		try {
			command = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').join(' ').trim();
		} catch {
			continue;
		}
		found.push({ pid: child, command });
		pending.push(...(children.get(child) ?? []));
	}
	return found;
}

/** Whether onnxruntime's native library is mapped into the process. */
const loadsOnnxRuntime = (pid: number) =>
	readFileSync(`/proc/${pid}/maps`, 'utf8').includes('onnxruntime');

interface Outage {
	/** Sentences written before the worker was killed. */
	writtenBeforeKill: number;
	/** Executions in PostgreSQL with status `new` (each a job waiting in Redis) just before the restart. */
	newExecutions: string[];
	/** Milliseconds from the SIGKILL to the restart. */
	downMs: number;
}

/**
 * Activates the scenario's workflow on the main, publishes the toy stream once, SIGKILLs the worker
 * after the first sentence's execution has finished, starts a new worker `restartAfter` ('stream
 * end': once the stream has ended and nothing more is enqueued; a number: that many ms after the
 * kill) and waits until every sentence is in the file; then deactivates and waits until nothing
 * waits or runs.
 */
async function streamWithWorkerOutage(
	scenario: Scenario,
	restartAfter: 'stream end' | number,
	diagnostic: (message: string) => void,
): Promise<Outage> {
	const url = server!.url('live', STREAM_KEY);
	const rows = () => executionRows(scenario.workflowId);
	await client.activate(scenario.workflowId);
	assert.equal((await client.workflow(scenario.workflowId)).active, true);
	await waitFor(() => ffmpegReadersOf(url).length > 0, 60_000, 'the trigger to read the stream');
	const mainProcesses = descendants(main!.pid).map((process) => process.pid);
	assert.ok(
		ffmpegReadersOf(url).every((pid) => mainProcesses.includes(pid)),
		'the trigger reads the stream from the main',
	);
	const publisher = startPublisher({ url });
	let outage: Outage;
	try {
		await waitFor(
			() => jsonLines(scenario.sentencesPath).length >= 1,
			60_000,
			'the first sentence in the file',
		);
		// Killed between executions: the first sentence's job is complete, none is active.
		await waitUntil(
			async () =>
				(await queueLength(ACTIVE_JOBS)) === 0 &&
				(await rows()).every((row) => row.status === 'success'),
			30_000,
			'the first executions to finish',
		);
		await workers.at(-1)!.kill();
		const killedAt = performance.now();
		const writtenBeforeKill = jsonLines(scenario.sentencesPath).length;
		diagnostic(
			`worker SIGKILLed after ${writtenBeforeKill} sentence(s), ${(await rows()).length} execution(s)`,
		);
		if (restartAfter === 'stream end') {
			await publisher.exited;
			// The last sentence is final once the VAD has seen its trailing silence; then nothing more comes.
			let enqueued = -1;
			for (let quiet = 0; quiet < 6;) {
				await sleep(1000);
				const now = (await rows()).length;
				quiet = now === enqueued ? quiet + 1 : 0;
				enqueued = now;
			}
		} else {
			await sleep(restartAfter);
		}
		const newExecutions = (await rows()).filter((row) => row.status === 'new').map((row) => row.id);
		const jobsInRedis = await queueLength(WAITING_JOBS);
		diagnostic(
			`with the worker down: ${newExecutions.length} executions new in PostgreSQL, ${jobsInRedis} jobs waiting in Redis`,
		);
		assert.equal(
			jsonLines(scenario.sentencesPath).length,
			writtenBeforeKill,
			'nothing ran while no worker was up',
		);
		assert.equal(jobsInRedis, newExecutions.length, 'each new execution is a job waiting in Redis');
		const downMs = Math.round(performance.now() - killedAt);
		const restart = `n8n worker restart → ready (${scenario.parallelProcessing ? 'parallel' : 'ordered'})`;
		workers.push(await timings.timed(restart, () => startN8n(workerOptions, 'worker')));
		await publisher.exited;
		await waitFor(
			() => jsonLines(scenario.sentencesPath).length >= TOY_STREAM_SENTENCES.length,
			90_000,
			`${TOY_STREAM_SENTENCES.length} lines in ${scenario.sentencesPath} (have ${jsonLines(scenario.sentencesPath).length})`,
		);
		outage = { writtenBeforeKill, newExecutions, downMs };
	} finally {
		await publisher.stop();
		await client.deactivate(scenario.workflowId);
		await waitFor(() => ffmpegReadersOf(url).length === 0, 20_000, 'no ffmpeg after deactivation');
	}
	// Deactivated, the trigger emits nothing more (the ended stream's reconnects gave Status items
	// until now); what it enqueued before runs to the end.
	await waitUntil(
		async () =>
			(await queueLength(WAITING_JOBS)) + (await queueLength(ACTIVE_JOBS)) === 0 &&
			(await rows()).every((row) => row.status === 'success'),
		60_000,
		'every queued execution to finish',
	);
	// A duplicate would come after the last expected line.
	await sleep(3000);
	return outage;
}

/**
 * Every sentence once with the transcript's text, one execution per item of either output, each
 * enqueued by the main and run by a worker; returns the executions.
 */
async function assertEachSentenceOnceOnAWorker(
	scenario: Scenario,
	diagnostic: (message: string) => void,
) {
	const records = jsonLines(scenario.sentencesPath);
	const statuses = jsonLines(scenario.statusPath);
	const texts = [...records]
		.sort((a, b) => Number(a.index) - Number(b.index))
		.map((record) => String(record.text));
	const cer = characterErrorRate(TOY_STREAM_SENTENCES, texts);
	diagnostic(`${records.length} records, CER ${cer}: ${texts.join(' | ')}`);
	assert.equal(
		records.length,
		TOY_STREAM_SENTENCES.length,
		'one record per sentence, none lost, none twice',
	);
	assert.deepEqual(
		records.map((record) => Number(record.index)).sort((a, b) => a - b),
		TOY_STREAM_SENTENCES.map((_, index) => index),
		'each sentence index once',
	);
	assert.ok(cer <= 0.05, `CER ${cer}`);
	const rows = await executionRows(scenario.workflowId);
	assert.equal(rows.length, records.length + statuses.length, 'one execution per emitted item');
	assert.deepEqual([...new Set(rows.map((row) => row.status))], ['success']);
	assert.deepEqual([...new Set(rows.map((row) => row.mode))], ['trigger']);
	const recordedIds = [...records, ...statuses].map((record) => String(record.executionId));
	assert.equal(new Set(recordedIds).size, recordedIds.length, 'no execution wrote twice');
	assert.deepEqual([...recordedIds].sort(), rows.map((row) => row.id).sort());
	const workerLogs = workers.map((worker) => worker.log()).join('\n');
	for (const row of rows) {
		assert.match(
			main!.log(),
			new RegExp(`Enqueued execution ${row.id} \\(job \\d+\\)`),
			`the main enqueued ${row.id}`,
		);
		assert.match(
			workerLogs,
			new RegExp(`Worker started execution ${row.id} \\(job \\d+\\)`),
			`a worker ran ${row.id}`,
		);
	}
	assert.doesNotMatch(main!.log(), /Worker started execution/, 'the main ran no execution');
	const everything =
		readFileSync(scenario.sentencesPath, 'utf8') +
		readFileSync(scenario.statusPath, 'utf8') +
		main!.log() +
		workerLogs;
	assert.ok(!everything.includes(STREAM_KEY), 'the stream key is in no record and no log line');
	return { records, rows };
}

before(async () => {
	redis = await timings.timed('Redis ready', startRedis);
	postgres = await timings.timed('PostgreSQL ready (initdb + start)', startPostgres);
	const n8nDir = await timings.timed('install n8n (cached after the first run)', installN8n);
	options = {
		n8nDir,
		userFolder: join(work, 'home'),
		fileAccess: `${files};${realpathSync(sharedPath('models'))}`,
		environment: {
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(redis.port),
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(postgres.port),
			DB_POSTGRESDB_DATABASE: postgres.database,
			DB_POSTGRESDB_USER: postgres.user,
			DB_POSTGRESDB_PASSWORD: '',
			// Main and workers must share it: workers decrypt the credentials the main saved.
			N8N_ENCRYPTION_KEY: 'rtmp-asr-queue-mode-e2e-key',
			// Manual runs go to workers too (n8n 2.40 opt-in, announced as the only way in its next major version).
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		},
	};
	mkdirSync(files, { recursive: true });
	const tarball = await timings.timed('npm pack', () => packRepository(work));
	workerOptions = { ...options, userFolder: join(work, 'worker-home') };
	await timings.timed('install as a community package (main and worker)', async () => {
		await installCommunityPackage(options.userFolder, tarball);
		await installCommunityPackage(workerOptions.userFolder, tarball);
	});
	server = await startRtmpServer();
	const credential: CredentialFile = {
		id: 'RtmpCredQueue0001',
		name: 'Queue-mode stream',
		type: 'rtmpStreamApi',
		data: {
			serverUrl: `rtmp://127.0.0.1:${server.port}/live`,
			streamKey: STREAM_KEY,
			username: '',
			password: '',
		},
	};
	const credentialFile = join(work, 'credentials.json');
	writeFileSync(credentialFile, JSON.stringify([credential]));
	await timings.timed('n8n import:credentials (runs the PostgreSQL migrations)', () =>
		n8nCommand(options, ['import:credentials', `--input=${credentialFile}`]),
	);
	// The worker needs the models only for a manual run, which it then listens for.
	for (const folder of [options.userFolder, workerOptions.userFolder])
		installStandIn(join(folder, '.n8n', 'rtmp-asr', 'models'), 'fsmn-vad');
	for (const [name, scenario] of Object.entries(SCENARIOS)) {
		const models = toyModels(sharedPath('models', 'toy-paraformer-zh'));
		const trigger = {
			...models,
			options: {
				...(models.options as object),
				parallelProcessing: scenario.parallelProcessing,
			},
		};
		const workflowFile = join(work, `${name}.json`);
		const workflow = transcriptWorkflow(
			scenario.workflowId,
			trigger,
			credential,
			scenario.sentencesPath,
			scenario.statusPath,
		);
		writeFileSync(workflowFile, JSON.stringify({ ...workflow, name: `E2E: queue mode, ${name}` }));
		await n8nCommand(options, ['import:workflow', `--input=${workflowFile}`]);
	}
	main = await timings.timed('n8n main start → ready', () => startN8n(options, 'main'));
	client = new N8nClient(main.baseUrl);
	await client.setUpOwner();
	workers.push(
		await timings.timed('n8n worker start → ready', () => startN8n(workerOptions, 'worker')),
	);
});

after(async () => {
	for (const worker of workers) await worker.stop();
	await main?.stop();
	await server?.stop();
	await redis?.stop();
	await postgres?.stop();
	rmSync(work, { recursive: true, force: true });
	process.stdout.write(`# queue-mode e2e timings (ms): ${JSON.stringify(timings.ms)}\n`);
});

after(async () => {
	for (const worker of workers) await worker.stop();
	await main?.stop();
	await server?.stop();
	await redis?.stop();
	await postgres?.stop();
	rmSync(work, { recursive: true, force: true });
	process.stdout.write(`# queue-mode e2e timings (ms): ${JSON.stringify(timings.ms)}\n`);
});

describe(
	'the node in n8n 2.40.7 queue mode (PostgreSQL, Redis, a main and a worker)',
	{ concurrency: false },
	() => {
		test('Parallel Processing: sentences spoken while the worker is down wait in Redis, then run once each on the new worker', async (t) => {
			const scenario = SCENARIOS.parallel;
			const outage = await timings.timed('parallel: stream with a worker outage', () =>
				streamWithWorkerOutage(scenario, 'stream end', (message) => t.diagnostic(message)),
			);
			assert.ok(
				outage.newExecutions.length >= TOY_STREAM_SENTENCES.length - outage.writtenBeforeKill,
				`every later sentence waits as an execution (${outage.newExecutions.length})`,
			);
			const { records, rows } = await assertEachSentenceOnceOnAWorker(scenario, (message) =>
				t.diagnostic(message),
			);
			const sentenceIds = new Set(records.map((record) => String(record.executionId)));
			const sentenceRows = rows.filter((row) => sentenceIds.has(row.id));
			const waits = sentenceRows
				.filter((row) => outage.newExecutions.includes(row.id))
				.map((row) => row.waitedMs);
			const live = sentenceRows
				.filter((row) => !outage.newExecutions.includes(row.id))
				.map((row) => row.waitedMs);
			timings.ms['parallel: worker down (SIGKILL → restart)'] = outage.downMs;
			timings.ms['parallel: longest wait in Redis (enqueued → started)'] = Math.max(...waits);
			timings.ms['parallel: shortest wait in Redis'] = Math.min(...waits);
			timings.ms['parallel: enqueued → started with the worker up'] = Math.max(...live);
			t.diagnostic(
				`sentences, enqueued → started (ms): while the worker was down ${waits.join(', ')}; before ${live.join(', ')}`,
			);
		});

		test('in spoken order (default): while the worker is down the trigger holds the next sentences, none lost, order kept', async (t) => {
			const scenario = SCENARIOS.ordered;
			const outage = await timings.timed('ordered: stream with a worker outage', () =>
				streamWithWorkerOutage(scenario, 15_000, (message) => t.diagnostic(message)),
			);
			const { records, rows } = await assertEachSentenceOnceOnAWorker(scenario, (message) =>
				t.diagnostic(message),
			);
			assert.deepEqual(
				records.map((record) => record.index),
				TOY_STREAM_SENTENCES.map((_, index) => index),
				'in spoken order',
			);
			const sentenceIds = new Set(records.map((record) => String(record.executionId)));
			const sentencesInRedis = outage.newExecutions.filter((id) => sentenceIds.has(id));
			assert.equal(
				sentencesInRedis.length,
				1,
				'one sentence waited in Redis: the trigger holds the next until it has run',
			);
			timings.ms['ordered: worker down (SIGKILL → restart)'] = outage.downMs;
			timings.ms['ordered: wait in Redis of the sentence enqueued while down'] = rows.find(
				(row) => row.id === sentencesInRedis[0],
			)!.waitedMs;
		});

		test('the worker loads the node and starts nothing: no ffmpeg, no onnxruntime', () => {
			const worker = workers.at(-1)!;
			const processes = descendants(worker.pid);
			assert.deepEqual(
				processes.filter((process) => /ffmpeg/.test(process.command)),
				[],
				`no ffmpeg under the worker (its processes: ${JSON.stringify(processes)})`,
			);
			assert.equal(loadsOnnxRuntime(worker.pid), false, 'onnxruntime is not loaded in the worker');
			assert.equal(
				loadsOnnxRuntime(main!.pid),
				true,
				'the main recognizes (control: the check can see it)',
			);
			assert.doesNotMatch(worker.log(), /Failed to load package|n8n-nodes-rtmp-asr.*(error|Error)/);
		});

		test('a manual run offloaded to the worker: the worker listens, runs the first sentence, releases the stream', async (t) => {
			const scenario = SCENARIOS.ordered;
			const url = server!.url('live', STREAM_KEY);
			const worker = workers.at(-1)!;
			const before = jsonLines(scenario.sentencesPath).length;
			const started = performance.now();
			const executionId = await client.runManually(
				scenario.workflowId,
				'RTMP Speech Recognition Trigger',
			);
			await waitFor(
				() => ffmpegReadersOf(url).length > 0,
				60_000,
				'the manual run to read the stream',
			);
			const workerProcesses = descendants(worker.pid).map((process) => process.pid);
			assert.ok(
				ffmpegReadersOf(url).every((pid) => workerProcesses.includes(pid)),
				'the worker, not the main, reads the stream',
			);
			const publisher = startPublisher({ url });
			try {
				let execution = await client.execution(executionId);
				for (
					const deadline = performance.now() + 60_000;
					execution.status !== 'success' && performance.now() < deadline;
					execution = await client.execution(executionId)
				)
					await sleep(250);
				timings.ms['manual run on the worker → first sentence written'] = Math.round(
					performance.now() - started,
				);
				t.diagnostic(
					`manual execution ${executionId}: ${execution.status}, mode ${execution.mode}`,
				);
				assert.equal(execution.status, 'success');
				assert.equal(execution.mode, 'manual');
				assert.deepEqual(
					jsonLines(scenario.sentencesPath)
						.slice(before)
						.map((record) => record.text),
					[TOY_STREAM_SENTENCES[0]],
				);
				assert.match(worker.log(), new RegExp(`Worker started execution ${executionId} `));
				await waitFor(
					() => ffmpegReadersOf(url).length === 0,
					10_000,
					'no ffmpeg after the manual run',
				);
			} finally {
				await publisher.stop();
			}
		});
	},
);
