import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { IDataObject } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { EngineError } from '../../../engine/errors.js';
import { testStreamCredential } from '../../../nodes/RtmpAsr/credentials/stream-probe.js';
import {
	assertFileAccess,
	type FileAccessEnvironment,
} from '../../../nodes/RtmpAsr/file-access.js';
import { RtmpAsrTrigger } from '../../../nodes/RtmpAsr/RtmpAsrTrigger.node.js';
import { testTriggerNode, withFakePipelines } from '../../helpers/trigger-harness.js';

const work = realpathSync(mkdtempSync(join(tmpdir(), 'rtmp-asr-file-access-')));
const allowed = join(work, 'allowed');
const outside = join(work, 'outside');
const userFolder = join(work, 'home');
for (const directory of [
	join(allowed, 'models', 'toy'),
	join(outside, 'models'),
	join(userFolder, '.n8n', 'rtmp-asr'),
])
	mkdirSync(directory, { recursive: true });
const outsideFile = join(outside, 'talk.wav');
writeFileSync(outsideFile, 'not audio');
symlinkSync(join(outside, 'models'), join(allowed, 'link'));

after(() => rmSync(work, { recursive: true, force: true }));

/** An n8n restricted to `allowed` (and a second directory, as n8n's `;` list), its user folder in `work`. */
const RESTRICTED: FileAccessEnvironment = {
	N8N_RESTRICT_FILE_ACCESS_TO: ` ${allowed} ;${join(work, 'second')}`,
	N8N_USER_FOLDER: userFolder,
};

const blocked = (path: string, env: FileAccessEnvironment, variable: RegExp) =>
	assert.rejects(
		assertFileAccess([{ parameter: 'Model Directory', path }], env),
		(error: unknown) => {
			assert.ok(error instanceof EngineError && error.code === 'BAD_OPTION', String(error));
			assert.match(error.message, /^n8n does not let nodes use the Model Directory "/);
			assert.match(error.message, variable);
			assert.match(error.fix, variable);
			return true;
		},
	);
const passes = (path: string, env: FileAccessEnvironment) =>
	assertFileAccess([{ parameter: 'Model Directory', path }], env);

describe("n8n's file-access rules for the node's paths", () => {
	it('lets through what is inside N8N_RESTRICT_FILE_ACCESS_TO, refuses what is outside', async () => {
		await passes(join(allowed, 'models', 'toy'), RESTRICTED);
		await passes(allowed, RESTRICTED);
		await passes(join(work, 'second', 'not', 'there', 'yet'), RESTRICTED);
		await blocked(join(outside, 'models'), RESTRICTED, /N8N_RESTRICT_FILE_ACCESS_TO/);
		await blocked(`${allowed}-sibling`, RESTRICTED, /N8N_RESTRICT_FILE_ACCESS_TO/);
		await blocked(join(allowed, '..', 'outside'), RESTRICTED, /N8N_RESTRICT_FILE_ACCESS_TO/);
	});

	it('judges the real path: a symlink inside that points outside is refused, naming both', async () => {
		await blocked(join(allowed, 'link'), RESTRICTED, /N8N_RESTRICT_FILE_ACCESS_TO/);
		await assert.rejects(
			passes(join(allowed, 'link', 'missing', 'model'), RESTRICTED),
			/really "[^"]*outside\/models\/missing\/model"/,
		);
	});

	it("without the variable applies n8n 2.x's default, ~/.n8n-files; an empty value lifts the restriction", async () => {
		await blocked(
			join(outside, 'models'),
			{ N8N_USER_FOLDER: userFolder },
			/N8N_RESTRICT_FILE_ACCESS_TO/,
		);
		await assert.rejects(passes(join(outside, 'models'), { N8N_USER_FOLDER: userFolder }), {
			message: new RegExp(
				`outside N8N_RESTRICT_FILE_ACCESS_TO \\(${join(homedir(), '.n8n-files')}\\)`,
			),
		});
		await passes(join(homedir(), '.n8n-files', 'models'), { N8N_USER_FOLDER: userFolder });
		await passes(join(outside, 'models'), {
			N8N_RESTRICT_FILE_ACCESS_TO: '',
			N8N_USER_FOLDER: userFolder,
		});
		await passes(join(outside, 'models'), {
			N8N_RESTRICT_FILE_ACCESS_TO: `"${outside}"`,
			N8N_USER_FOLDER: userFolder,
		});
	});

	it("refuses n8n's own folder unless N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES is false, and .git folders", async () => {
		const n8nFiles = join(userFolder, '.n8n', 'rtmp-asr');
		await blocked(
			n8nFiles,
			{ N8N_RESTRICT_FILE_ACCESS_TO: '', N8N_USER_FOLDER: userFolder },
			/N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES/,
		);
		await blocked(
			n8nFiles,
			{ N8N_RESTRICT_FILE_ACCESS_TO: userFolder, N8N_USER_FOLDER: userFolder },
			/N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES/,
		);
		await passes(n8nFiles, {
			N8N_RESTRICT_FILE_ACCESS_TO: '',
			N8N_USER_FOLDER: userFolder,
			N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES: 'false',
		});
		await blocked(join(allowed, 'repo', '.git', 'hooks'), RESTRICTED, /N8N_BLOCK_FILE_PATTERNS/);
		await passes(join(allowed, 'repo', '.git', 'hooks'), {
			...RESTRICTED,
			N8N_BLOCK_FILE_PATTERNS: '',
		});
	});
});

describe('the trigger honours the file-access rules at activation', () => {
	const node = new RtmpAsrTrigger();
	const BASE: IDataObject = {
		url: 'rtmp://127.0.0.1:1935/live/stream',
		model: 'local',
		modelDirectory: join(allowed, 'models', 'toy'),
		vadModel: 'local',
		vadModelDirectory: join(allowed, 'models', 'toy'),
		punctuationModel: 'off',
	};
	const saved = { restrict: process.env.N8N_RESTRICT_FILE_ACCESS_TO };
	after(() => {
		if (saved.restrict === undefined) delete process.env.N8N_RESTRICT_FILE_ACCESS_TO;
		else process.env.N8N_RESTRICT_FILE_ACCESS_TO = saved.restrict;
	});

	it('refuses a path outside with an error naming the parameter and the variable; nothing starts', async () => {
		process.env.N8N_RESTRICT_FILE_ACCESS_TO = allowed;
		await withFakePipelines(async (pipelines) => {
			const refusals: [IDataObject, string][] = [
				[{ modelDirectory: join(outside, 'models') }, 'Model Directory'],
				[{ vadModelDirectory: join(allowed, 'link') }, 'VAD Model Directory'],
				[
					{ punctuationModel: 'local', punctuationModelDirectory: outside },
					'Punctuation Model Directory',
				],
				[{ url: outsideFile }, 'Stream URL'],
				[{ url: `file://${outsideFile}` }, 'Stream URL'],
				// Refused as outside before anything looks at it: "No such file" would tell it does not exist.
				[{ url: join(outside, 'missing.wav') }, 'Stream URL'],
				[{ options: { ffmpegPath: join(outside, 'ffmpeg') } }, 'FFmpeg Path'],
				[{ options: { modelCacheDirectory: join(outside, 'cache') } }, 'Model Cache Directory'],
			];
			for (const [parameters, name] of refusals) {
				for (const mode of ['trigger', 'manual'] as const) {
					await assert.rejects(
						testTriggerNode(node, { mode, parameters: { ...BASE, ...parameters } }),
						(error: unknown) => {
							assert.ok(error instanceof NodeOperationError, String(error));
							assert.ok(
								error.message.startsWith(`n8n does not let nodes use the ${name} "`),
								error.message,
							);
							assert.match(error.message, /outside N8N_RESTRICT_FILE_ACCESS_TO/);
							assert.match(String(error.description), /N8N_RESTRICT_FILE_ACCESS_TO/);
							return true;
						},
					);
				}
			}
			assert.equal(pipelines.length, 0);
		});
	});

	it('lets allowed paths and an ffmpeg looked up on the PATH through', async () => {
		process.env.N8N_RESTRICT_FILE_ACCESS_TO = allowed;
		await withFakePipelines(async (pipelines) => {
			const harness = await testTriggerNode(node, {
				parameters: {
					...BASE,
					options: { ffmpegPath: 'ffmpeg', modelCacheDirectory: join(allowed, 'cache') },
				},
			});
			assert.equal(pipelines.length, 1);
			await harness.close();
		});
	});

	it("refuses a credential that points at a local file outside, in the credential's test", async () => {
		process.env.N8N_RESTRICT_FILE_ACCESS_TO = allowed;
		const result = await testStreamCredential({
			id: '1',
			name: 'file',
			type: 'rtmpStreamApi',
			data: { serverUrl: `file://${outside}`, streamKey: 'talk.wav' },
		});
		assert.equal(result.status, 'Error');
		assert.match(
			result.message,
			/RTMP Stream credential's Server URL .*outside N8N_RESTRICT_FILE_ACCESS_TO/,
		);
	});
});
