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
import { after, before, describe, test } from 'node:test';
import { defaultCatalog, findModel } from '../../models/index.js';
import { installStandIn } from '../helpers/catalog-stand-ins.js';
import { freePort } from '../helpers/free-port.js';
import { fixturePath, REPO_ROOT, sharedPath } from '../helpers/paths.js';
import { ffmpegReadersOf, waitFor } from '../helpers/pipeline-recorder.js';
import { startPublisher } from '../helpers/publisher.js';
import { startRtmpServer, type RtmpServer } from '../helpers/rtmp-server.js';
import { characterErrorRate, wordErrorRate } from '../helpers/text.js';
import { TOY_ENGLISH_WER_CEILING, toySenseVoiceAudio } from '../helpers/toy-sensevoice.js';
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
import {
	missingModelWorkflow,
	toyModels,
	transcriptWorkflow,
	TRIGGER_TYPE,
	type CredentialFile,
} from './workflows.js';
import { TOY_STREAM_SENTENCES } from '../helpers/toy-clip.js';
import { jsonLines, Timings } from './recorded.js';

/**
 * The node in a real n8n 2.40.7: packed with npm, installed as a community package, loaded at
 * start-up, a workflow imported with the CLI and activated through the REST API; the toy stream
 * published to nginx-rtmp must come out as one file line per sentence, and deactivation must end
 * ffmpeg while n8n keeps running.
 */

const WORKFLOW_ID = 'RtmpAsrE2eFile01';
const MISSING_MODEL_WORKFLOW_ID = 'RtmpAsrE2eNoModel';
/** Issue 14's stand-ins (random weights): one takes hotwords, the other gives token timestamps. */
const STAND_INS = {
	hotwords: {
		id: 'RtmpAsrE2eHotword',
		model: 'tiny-contextual-paraformer',
		extra: { hotwords: ['魔搭', '达摩院'] },
	},
	timestamps: { id: 'RtmpAsrE2eTimestmp', model: 'tiny-paraformer-timestamps', extra: {} },
	/** Issue 15: the toy SenseVoice (espeak English and Mandarin), on its own held-out stream. */
	sensevoice: {
		id: 'RtmpAsrE2eSenseVc',
		model: 'toy-sensevoice',
		extra: { language: 'auto', itn: true },
		file: toySenseVoiceAudio('stream.wav'),
	},
} as const;
const EXAMPLES_DIR = join(REPO_ROOT, 'examples');
const STREAM_KEY = 'e2e-secret-key-31337';

const work = mkdtempSync(join(tmpdir(), 'rtmp-asr-e2e-'));
const files = join(work, 'files');
const sentencesPath = join(files, 'sentences.jsonl');
const statusPath = join(files, 'status.jsonl');
const standInPaths = (kind: keyof typeof STAND_INS) => ({
	sentences: join(files, `${kind}-sentences.jsonl`),
	status: join(files, `${kind}-status.jsonl`),
});
const timings = new Timings();
let options: N8nOptions;
let server: RtmpServer;
let n8n: RunningN8n | undefined;
let client: N8nClient;
let credential: CredentialFile;

/** n8n's model cache as the node finds it by default: in n8n's user folder. */
const modelCache = () => join(options.userFolder, '.n8n', 'rtmp-asr', 'models');

before(async () => {
	const n8nDir = await timings.timed('install n8n (cached after the first run)', installN8n);
	// The node's Model Directory (the toy model, the stand-ins) must be allowed, by its real path, as the files folder is.
	options = {
		n8nDir,
		userFolder: join(work, 'home'),
		fileAccess: `${files};${realpathSync(sharedPath('models'))};${realpathSync(fixturePath('models'))}`,
	};
	mkdirSync(files, { recursive: true });
	const tarball = await timings.timed('npm pack', () => packRepository(work));
	await timings.timed('install as a community package', () =>
		installCommunityPackage(options.userFolder, tarball),
	);
	server = await startRtmpServer();
	credential = {
		id: 'RtmpCredE2e00001',
		name: 'E2E stream',
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
	await timings.timed('n8n import:credentials', () =>
		n8nCommand(options, ['import:credentials', `--input=${credentialFile}`]),
	);
	const workflowFile = join(work, 'workflow.json');
	installStandIn(modelCache(), 'fsmn-vad');
	const trigger = {
		...toyModels(sharedPath('models', 'toy-paraformer-zh')),
		keywords: ['报警', '会议'],
	};
	writeFileSync(
		workflowFile,
		JSON.stringify(transcriptWorkflow(WORKFLOW_ID, trigger, credential, sentencesPath, statusPath)),
	);
	await timings.timed('n8n import:workflow', () =>
		n8nCommand(options, ['import:workflow', `--input=${workflowFile}`]),
	);
	const missingModelFile = join(work, 'missing-model.json');
	writeFileSync(
		missingModelFile,
		JSON.stringify(missingModelWorkflow(MISSING_MODEL_WORKFLOW_ID, server.url('live', 'nobody'))),
	);
	await n8nCommand(options, ['import:workflow', `--input=${missingModelFile}`]);
	for (const [kind, standIn] of Object.entries(STAND_INS)) {
		const paths = standInPaths(kind as keyof typeof STAND_INS);
		const file = join(work, `${kind}.json`);
		const workflow = transcriptWorkflow(
			standIn.id,
			{ ...toyModels(fixturePath('models', standIn.model)), ...standIn.extra },
			credential,
			paths.sentences,
			paths.status,
		);
		writeFileSync(file, JSON.stringify({ ...workflow, name: `E2E: ${standIn.model}` }));
		await n8nCommand(options, ['import:workflow', `--input=${file}`]);
	}
	for (const example of readdirSync(EXAMPLES_DIR).filter((name) => name.endsWith('.json'))) {
		await n8nCommand(options, ['import:workflow', `--input=${join(EXAMPLES_DIR, example)}`]);
	}
	n8n = await timings.timed('n8n start → ready', () => startN8n(options));
	client = new N8nClient(n8n.baseUrl);
	await client.setUpOwner();
});

after(async () => {
	await n8n?.stop();
	await server?.stop();
	rmSync(work, { recursive: true, force: true });
	process.stdout.write(`# e2e timings (ms): ${JSON.stringify(timings.ms)}\n`);
});

describe('the node in n8n 2.40.7', { concurrency: false }, () => {
	test('n8n loads the community package: node type and credential are known', async () => {
		const node = (await client.types('nodes')).find((type) => type.name === TRIGGER_TYPE);
		assert.ok(node, `${TRIGGER_TYPE} in /types/nodes.json`);
		assert.match(String(node.outputs), /statusOutput/);
		const credentials = await client.types('credentials');
		assert.ok(credentials.some((credential) => credential.name === 'rtmpStreamApi'));
		assert.doesNotMatch(n8n!.log(), /Failed to load package|n8n-nodes-rtmp-asr.*(error|Error)/);
	});

	test('the example workflows were imported', async () => {
		const imported = (await client.workflows()).map((workflow) => workflow.name);
		for (const example of readdirSync(EXAMPLES_DIR).filter((name) => name.endsWith('.json'))) {
			const { name } = JSON.parse(readFileSync(join(EXAMPLES_DIR, example), 'utf8')) as {
				name: string;
			};
			assert.ok(
				imported.includes(name),
				`example "${name}" is in n8n (${JSON.stringify(imported)})`,
			);
		}
	});

	test('the credential test of the editor really probes the stream', async () => {
		const opened = await client.credential(credential.id);
		assert.ok(
			!JSON.stringify(opened).includes(STREAM_KEY),
			'n8n does not send the stream key to the editor',
		);
		const publisher = startPublisher({ url: server.url('live', STREAM_KEY), loops: -1 });
		try {
			await new Promise((resolve) => setTimeout(resolve, 1500));
			const ok = await timings.timed('credential test (OK)', () => client.testCredential(opened));
			assert.deepEqual(ok, {
				status: 'OK',
				message: `Receiving audio from rtmp://127.0.0.1:${server.port}/live/***.`,
			});
		} finally {
			await publisher.stop();
		}
		const closedPort = await freePort();
		const refused = await client.testCredential({
			...opened,
			data: { ...opened.data, serverUrl: `rtmp://127.0.0.1:${closedPort}/live` },
		});
		assert.equal(refused.status, 'Error');
		assert.match(refused.message, /was refused\. Check the host and port/);
		assert.ok(!refused.message.includes(STREAM_KEY));
	});

	test('a default model that is not installed, downloads off: activation fails saying how to install it, n8n keeps running', async () => {
		const directory = join(modelCache(), findModel(defaultCatalog(), 'paraformer-zh-int8').id);
		await client.activate(MISSING_MODEL_WORKFLOW_ID);
		let publication = await client.publicationStatus(MISSING_MODEL_WORKFLOW_ID);
		for (
			const deadline = performance.now() + 30_000;
			['in_progress', 'not_published'].includes(publication.status) && performance.now() < deadline;
			publication = await client.publicationStatus(MISSING_MODEL_WORKFLOW_ID)
		) {
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
		assert.equal(publication.status, 'failed', JSON.stringify(publication));
		const message = String(publication.triggers[0]?.errorMessage);
		assert.match(message, /Model "paraformer-zh-int8" .* is not installed/, message);
		assert.ok(message.includes(directory), message);
		assert.match(
			message,
			/Run `rtmp-asr models pull paraformer-zh-int8 --dir .*` is `node .*\/dist\/cli\/rtmp-asr\.js`/,
			'the editor shows the fix too',
		);
		assert.ok(
			await fetch(`${n8n!.baseUrl}/healthz/readiness`).then((response) => response.ok),
			'n8n is still ready',
		);
		await client.deactivate(MISSING_MODEL_WORKFLOW_ID);
	});

	test('activated, it appends one record per sentence of the toy stream; status goes to the second output', async (t) => {
		await timings.timed('activate (models loaded)', () => client.activate(WORKFLOW_ID));
		assert.equal((await client.workflow(WORKFLOW_ID)).active, true);
		// n8n 2.40 starts the trigger after the activate call has returned: publishing before its ffmpeg
		// has subscribed would cut the first sentence short (seen on a loaded machine).
		const url = server.url('live', STREAM_KEY);
		await waitFor(() => ffmpegReadersOf(url).length > 0, 30_000, 'the trigger to read the stream');
		const publishedAt = performance.now();
		const publisher = startPublisher({ url });
		await waitFor(
			() => jsonLines(sentencesPath).length >= 1,
			30_000,
			'the first sentence in the file',
		);
		timings.ms['first sentence in the file after publishing'] = Math.round(
			performance.now() - publishedAt,
		);
		await publisher.exited;
		await waitFor(
			() => jsonLines(sentencesPath).length >= TOY_STREAM_SENTENCES.length,
			30_000,
			`${TOY_STREAM_SENTENCES.length} lines in ${sentencesPath} (have ${jsonLines(sentencesPath).length})`,
		);
		timings.ms['all sentences in the file after publishing'] = Math.round(
			performance.now() - publishedAt,
		);
		const records = jsonLines(sentencesPath);
		const texts = records.map((record) => String(record.text));
		const cer = characterErrorRate(TOY_STREAM_SENTENCES, texts);
		t.diagnostic(`${records.length} records, CER ${cer}: ${texts.join(' | ')}`);
		assert.equal(records.length, TOY_STREAM_SENTENCES.length);
		assert.ok(cer <= 0.05, `CER ${cer}`);
		records.forEach((record, index) => {
			assert.equal(record.index, index, 'in spoken order');
			assert.equal(record.stream, `rtmp://127.0.0.1:${server.port}/live/***`);
			assert.equal(record.model, 'toy-paraformer-zh');
			for (const field of [
				'textRaw',
				'sessionId',
				'startMs',
				'endMs',
				'startedAt',
				'endedAt',
				'durationMs',
				'latencyMs',
				'keywords',
			])
				assert.ok(field in record, `${field} in the record`);
		});
		assert.deepEqual(records[0].keywords, ['报警']);
		assert.deepEqual(records[1].keywords, ['会议']);
		const statuses = jsonLines(statusPath).map((status) => status.type);
		assert.equal(statuses[0], 'connected', JSON.stringify(statuses));
		const everything =
			readFileSync(sentencesPath, 'utf8') + readFileSync(statusPath, 'utf8') + n8n!.log();
		assert.ok(!everything.includes(STREAM_KEY), 'the stream key is in no record and no log line');
		const executions = await client.executions(WORKFLOW_ID);
		assert.ok(
			executions.length >= TOY_STREAM_SENTENCES.length + 1,
			`${executions.length} executions`,
		);
		assert.deepEqual([...new Set(executions.map((execution) => execution.status))], ['success']);
	});

	test('deactivated while n8n runs: ffmpeg is gone, no execution follows', async () => {
		const url = server.url('live', STREAM_KEY);
		const publisher = startPublisher({ url, loops: -1 });
		try {
			await waitFor(
				() => ffmpegReadersOf(url).length > 0,
				20_000,
				'the trigger to read the stream again',
			);
			const before = jsonLines(sentencesPath).length;
			await timings.timed('deactivate → ffmpeg gone', async () => {
				await client.deactivate(WORKFLOW_ID);
				await waitFor(
					() => ffmpegReadersOf(url).length === 0,
					5000,
					'no ffmpeg reading the stream',
				);
			});
			assert.equal((await client.workflow(WORKFLOW_ID)).active, false);
			await new Promise((resolve) => setTimeout(resolve, 3000));
			assert.ok(
				jsonLines(sentencesPath).length - before <= 1,
				'at most the sentence in flight is written after deactivation',
			);
			assert.deepEqual(ffmpegReadersOf(url), []);
		} finally {
			await publisher.stop();
		}
	});

	test('executed from the editor (manual mode): the first sentence runs the workflow once, then the stream is released', async (t) => {
		const url = server.url('live', STREAM_KEY);
		const before = jsonLines(sentencesPath).length;
		const statusBefore = jsonLines(statusPath).length;
		const started = performance.now();
		const executionId = await client.runManually(WORKFLOW_ID, 'RTMP Speech Recognition Trigger');
		await waitFor(
			() => ffmpegReadersOf(url).length > 0,
			20_000,
			'the manual run to read the stream',
		);
		const publisher = startPublisher({ url });
		try {
			let execution = await client.execution(executionId);
			for (
				const deadline = performance.now() + 30_000;
				execution.status !== 'success' && performance.now() < deadline;
				execution = await client.execution(executionId)
			) {
				assert.ok(
					execution.status === 'running' || execution.status === 'new',
					`execution ${executionId}: ${execution.status}`,
				);
				await new Promise((resolve) => setTimeout(resolve, 250));
			}
			timings.ms['manual run → first sentence written'] = Math.round(performance.now() - started);
			t.diagnostic(`manual execution ${executionId}: ${execution.status}, mode ${execution.mode}`);
			assert.equal(execution.status, 'success');
			assert.equal(execution.mode, 'manual');
			const written = jsonLines(sentencesPath).slice(before);
			assert.deepEqual(
				written.map((record) => record.text),
				[TOY_STREAM_SENTENCES[0]],
			);
			assert.equal(
				jsonLines(statusPath).length,
				statusBefore,
				'the Status output gets nothing in manual mode',
			);
			await waitFor(
				() => ffmpegReadersOf(url).length === 0,
				5000,
				'no ffmpeg after the manual run',
			);
		} finally {
			await publisher.stop();
		}
	});

	/**
	 * Activates the stand-in's workflow, publishes the toy stream once and returns the records of its
	 * Sentence and Status outputs once they stop growing; deactivates in any case.
	 */
	async function transcribeWithStandIn(kind: keyof typeof STAND_INS) {
		const { id } = STAND_INS[kind];
		const paths = standInPaths(kind);
		const url = server.url('live', STREAM_KEY);
		try {
			await timings.timed(`activate ${kind} stand-in`, () => client.activate(id));
			assert.equal((await client.workflow(id)).active, true);
			await waitFor(
				() => ffmpegReadersOf(url).length > 0,
				60_000,
				`the ${kind} workflow to read the stream`,
			);
			const standIn = STAND_INS[kind];
			const publisher = startPublisher({
				url,
				...('file' in standIn ? { file: standIn.file } : {}),
			});
			await waitFor(
				() => jsonLines(paths.sentences).length >= 1,
				90_000,
				`the first ${kind} sentence in the file`,
			);
			await publisher.exited;
			// Random weights: how many segments give text is not known; wait until the file stops growing.
			let count = -1;
			for (let quiet = 0; quiet < 8;) {
				await new Promise((resolve) => setTimeout(resolve, 1000));
				const now = jsonLines(paths.sentences).length;
				quiet = now === count ? quiet + 1 : 0;
				count = now;
			}
		} finally {
			await client.deactivate(id);
			await waitFor(
				() => ffmpegReadersOf(url).length === 0,
				20_000,
				`no ffmpeg after the ${kind} workflow`,
			);
		}
		const executions = await client.executions(id);
		assert.deepEqual([...new Set(executions.map((execution) => execution.status))], ['success']);
		return {
			records: jsonLines(paths.sentences),
			statuses: jsonLines(paths.status),
			executions: executions.length,
		};
	}

	test('a hotword stand-in with Hotwords set: activates without a hotword warning, one execution per sentence', async (t) => {
		const logBefore = n8n!.log().length;
		const { records, statuses, executions } = await transcribeWithStandIn('hotwords');
		t.diagnostic(
			`${records.length} records, ${executions} executions: ${records.map((r) => r.text).join(' | ')}`,
		);
		assert.ok(records.length >= 1);
		assert.ok(
			executions >= records.length,
			`${executions} executions for ${records.length} sentences`,
		);
		records.forEach((record, index) => {
			assert.equal(record.index, index, 'in spoken order');
			assert.equal(record.model, 'tiny-contextual-paraformer');
			assert.equal(typeof record.text, 'string');
		});
		assert.equal(statuses[0]?.type, 'connected', JSON.stringify(statuses));
		const warnings = statuses.filter((status) => status.type === 'warning');
		assert.deepEqual(warnings, [], 'no warning on the Status output');
		const logged = n8n!
			.log()
			.slice(logBefore)
			.split('\n')
			.filter((line) => !line.includes('models ready'));
		assert.doesNotMatch(logged.join('\n'), /hotword/i, 'no hotword warning in the log');
	});

	test('the toy SenseVoice on English and Mandarin: one execution per sentence, the right words, each tagged with its language', async (t) => {
		const spoken = (
			JSON.parse(readFileSync(toySenseVoiceAudio('transcripts.json'), 'utf8')) as {
				'stream.wav': { sentences: { language: string; textWithItn: string }[] };
			}
		)['stream.wav'].sentences;
		const { records, executions } = await transcribeWithStandIn('sensevoice');
		t.diagnostic(records.map((r) => `[${String(r.language)}] ${String(r.text)}`).join(' | '));
		assert.equal(records.length, spoken.length);
		assert.ok(executions >= records.length, `${executions} executions`);
		assert.deepEqual(
			records.map((record) => record.language),
			spoken.map((sentence) => sentence.language),
		);
		const english = spoken.flatMap((sentence, i) => (sentence.language === 'en' ? [i] : []));
		const wer = wordErrorRate(
			english.map((i) => spoken[i].textWithItn),
			english.map((i) => String(records[i].text)),
		);
		assert.ok(wer <= TOY_ENGLISH_WER_CEILING, `English WER ${wer}`);
		for (const record of records) {
			assert.equal(record.model, 'toy-sensevoice');
			assert.equal(record.emotion, 'neutral');
			assert.ok(Array.isArray(record.events), JSON.stringify(record));
		}
	});

	test('the hotword workflow saved with other hotwords and activated again within a minute: n8n reloads no model, only the new list is embedded', async () => {
		const { id } = STAND_INS.hotwords;
		const logBefore = n8n!.log().length;
		await client.updateNodeParameters(id, 'RTMP Speech Recognition Trigger', {
			hotwords: ['语音识别'],
		});
		const url = server.url('live', STREAM_KEY);
		try {
			await timings.timed('re-activate with other hotwords', () => client.activate(id));
			await waitFor(
				() => /models ready/.test(n8n!.log().slice(logBefore)),
				30_000,
				'the re-activation to log its models',
			);
			const ready = /models ready \(([^)]*)\)/.exec(n8n!.log().slice(logBefore))![1];
			assert.equal(ready, 'loaded: hotwords', n8n!.log().slice(logBefore));
		} finally {
			await client.deactivate(id);
			await waitFor(() => ffmpegReadersOf(url).length === 0, 20_000, 'no ffmpeg after it');
		}
	});

	test('a timestamp stand-in: each item carries tokens with monotonic times inside its segment', async (t) => {
		const { records, executions } = await transcribeWithStandIn('timestamps');
		t.diagnostic(`${records.length} records, ${executions} executions`);
		assert.ok(records.length >= 1);
		assert.ok(
			executions >= records.length,
			`${executions} executions for ${records.length} sentences`,
		);
		for (const record of records) {
			assert.equal(record.model, 'tiny-paraformer-timestamps');
			const tokens = record.tokens as { text: unknown; startMs: number; endMs: number }[];
			assert.ok(Array.isArray(tokens) && tokens.length > 0, JSON.stringify(record));
			const startMs = record.startMs as number;
			const endMs = record.endMs as number;
			assert.ok(startMs <= endMs, JSON.stringify(record));
			let previous = { startMs: -Infinity, endMs: -Infinity };
			for (const token of tokens) {
				assert.deepEqual(Object.keys(token).sort(), ['endMs', 'startMs', 'text']);
				assert.equal(typeof token.text, 'string');
				assert.ok(Number.isFinite(token.startMs) && Number.isFinite(token.endMs));
				assert.ok(token.startMs <= token.endMs, JSON.stringify(token));
				assert.ok(
					token.startMs >= previous.startMs && token.endMs >= previous.endMs,
					`times do not go back: ${JSON.stringify(tokens)}`,
				);
				assert.ok(
					token.startMs >= startMs && token.endMs <= endMs,
					`${JSON.stringify(token)} within [${startMs}, ${endMs}]`,
				);
				previous = token;
			}
		}
	});
});
