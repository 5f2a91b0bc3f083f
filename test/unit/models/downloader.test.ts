import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
	existsSync,
	lstatSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	readdirSync,
	rmSync,
	statSync,
	symlinkSync,
	writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { EngineError } from '../../../engine/errors.js';
import { resolveModel } from '../../../models/cache.js';
import { maxBytesOf, validateCatalog, type Catalog } from '../../../models/catalog.js';
import { pullModel } from '../../../models/downloader.js';
import { describeEvent } from '../../../models/progress.js';
import type { PullEvent } from '../../../models/pull-events.js';
import { verifyModel } from '../../../models/verify.js';
import { fixturePath } from '../../helpers/paths.js';
import { ModelServer, refusedUrl } from '../../helpers/model-server.js';

const ID = 'tiny-paraformer-onnx';
const FIXTURE = fixturePath('models', 'tiny-paraformer');
const FILES = ['model_quant.onnx', 'config.yaml', 'am.mvn', 'tokens.json'];
const CONTENT = new Map(FILES.map((name) => [name, readFileSync(join(FIXTURE, name))]));
const WEIGHTS = CONTENT.get('model_quant.onnx')!;

let server: ModelServer;
let root: string;

before(async () => {
	server = await ModelServer.start();
});
after(async () => {
	await server.close();
});
beforeEach(() => {
	root = mkdtempSync(join(tmpdir(), 'rtmp-asr-pull-'));
	server.requests.length = 0;
	server.bytesPerSecond = 0;
	server.requireAuthorization = null;
	for (const [name, body] of CONTENT) {
		server.serve(`/first/${ID}/${name}`, body);
		server.serve(`/second/${ID}/${name}`, body);
	}
});
afterEach(() => {
	rmSync(root, { recursive: true, force: true });
});

/** Two sources, `first` and `second`, on the test server (or wherever `bases` says), and one small model. */
function testCatalog(
	bases: { first?: string; second?: string } = {},
	fileOverrides: Record<string, object> = {},
): Catalog {
	return validateCatalog({
		sources: [
			{
				name: 'first',
				base: bases.first ?? `${server.url}/first`,
				baseEnv: 'TEST_FIRST_URL',
				file: '{id}/{file}',
				page: '{id}/',
			},
			{
				name: 'second',
				base: bases.second ?? `${server.url}/second`,
				baseEnv: 'TEST_SECOND_URL',
				file: '{id}/{file}',
				page: '{id}/',
			},
		],
		models: [
			{
				name: 'tiny',
				id: ID,
				kind: 'asr',
				description: 'tiny Paraformer stand-in',
				files: FILES.map((name) => ({
					name,
					bytes: CONTENT.get(name)!.length,
					approximate: true,
					...fileOverrides[name],
				})),
			},
		],
	});
}

async function pull(
	catalog: Catalog,
	events: PullEvent[] = [],
	extra: Partial<Parameters<typeof pullModel>[1]> = {},
) {
	return pullModel('tiny', {
		dir: root,
		catalog,
		env: {},
		onProgress: (event) => events.push(event),
		...extra,
	});
}

function assertInstalled(): void {
	for (const name of FILES)
		assert.ok(
			readFileSync(join(root, ID, name)).equals(CONTENT.get(name)!),
			`${name} differs from the served file`,
		);
	assert.deepEqual(
		readdirSync(join(root, ID)).sort(),
		[...FILES].sort(),
		'no partial or temporary file is left',
	);
	assert.ok(!existsSync(join(root, `${ID}.lock`)), 'the lock is released');
}

test('a pull installs every file from the first source, and resolveModel then finds the directory', async () => {
	const events: PullEvent[] = [];
	const result = await pull(testCatalog(), events);
	assertInstalled();
	assert.equal(result.directory, join(root, ID));
	assert.deepEqual(
		result.downloaded.map((file) => [file.name, file.source, file.bytes]),
		FILES.map((name) => [name, 'first', CONTENT.get(name)!.length]),
	);
	assert.equal(server.requests.filter((request) => request.path.startsWith('/second/')).length, 0);
	assert.equal(
		resolveModel('tiny', root, { catalog: testCatalog(), env: {} }).directory,
		join(root, ID),
	);
	const progress = events.filter(
		(event) => event.type === 'progress' && event.file === 'model_quant.onnx',
	);
	assert.ok(progress.length > 0, 'progress is reported');
	const last = progress.at(-1)!;
	assert.ok(
		last.type === 'progress' &&
			last.progress.received === WEIGHTS.length &&
			last.progress.total === WEIGHTS.length,
	);
});

test('a second pull finds everything installed and downloads nothing', async () => {
	await pull(testCatalog());
	const before = server.requests.length;
	const events: PullEvent[] = [];
	const result = await pull(testCatalog(), events);
	assert.deepEqual(result.downloaded, []);
	assert.equal(server.requests.length, before);
	assert.deepEqual(
		events.map((event) => event.type),
		FILES.map(() => 'present'),
	);
});

for (const [failure, first] of [
	['connection refused', async () => `${await refusedUrl()}/first`],
	[
		'HTTP 500',
		async () => {
			for (const name of FILES) server.misbehave(`/first/${ID}/${name}`, { status: 500 });
			return `${server.url}/first`;
		},
	],
	['HTTP 404', async () => `${server.url}/nowhere`],
] as const) {
	test(`when the first source fails (${failure}) every file comes from the second`, async () => {
		const events: PullEvent[] = [];
		const result = await pull(testCatalog({ first: await first() }), events);
		assertInstalled();
		assert.deepEqual(
			result.downloaded.map((file) => file.source),
			FILES.map(() => 'second'),
		);
		const fallbacks = events.filter((event) => event.type === 'fallback');
		assert.equal(fallbacks.length, FILES.length);
		for (const event of fallbacks)
			assert.ok(
				event.type === 'fallback' &&
					event.source === 'first' &&
					event.next === 'second' &&
					event.reason.includes(failure),
				JSON.stringify(event),
			);
	});
}

test('a download cut mid-way is resumed with a range request and completes byte for byte', async () => {
	const path = `/first/${ID}/model_quant.onnx`;
	server.misbehave(path, { cutAfter: 700_000 }, { cutAfter: 500_000 });
	const events: PullEvent[] = [];
	const result = await pull(testCatalog(), events);
	assertInstalled();
	const [whole, ...resumed] = server.requests
		.filter((request) => request.path === path)
		.map((request) => request.range);
	assert.equal(whole, null);
	// The client may drop bytes that were in flight when the socket closed: it resumes from what it wrote.
	const offsets = resumed.map((range) => Number(/^bytes=(\d+)-$/.exec(range ?? '')?.[1]));
	assert.equal(offsets.length, 2);
	assert.ok(offsets[0] > 0 && offsets[0] <= 700_000, `first resume at ${offsets[0]}`);
	assert.ok(
		offsets[1] > offsets[0] && offsets[1] - offsets[0] <= 500_000,
		`second resume at ${offsets[1]}`,
	);
	assert.equal(result.downloaded[0].source, 'first');
	assert.equal(result.downloaded[0].resumedFrom, offsets[1]);
	assert.equal(events.filter((event) => event.type === 'retry').length, 2);
});

test('a partial file left by a failed pull is resumed by the next pull, guarded by If-Range', async () => {
	const path = `/first/${ID}/model_quant.onnx`;
	server.misbehave(path, { cutAfter: 300_000 }, { status: 503 });
	const catalog = testCatalog({ second: `${await refusedUrl()}/second` });
	await assert.rejects(
		pull(catalog),
		(error: unknown) => error instanceof EngineError && error.code === 'MODEL_MISSING',
	);
	const partial = join(root, ID, 'model_quant.onnx.partial');
	const kept = statSync(partial).size;
	assert.ok(kept > 0 && kept <= 300_000, `${kept} bytes kept`);
	assert.ok(
		!existsSync(join(root, ID, 'model_quant.onnx')),
		'an incomplete file is never renamed into place',
	);

	server.requests.length = 0;
	const result = await pull(catalog);
	assertInstalled();
	const [resumed] = server.requests.filter((request) => request.path === path);
	assert.equal(resumed!.range, `bytes=${kept}-`);
	assert.match(resumed!.ifRange ?? '', /^"[0-9a-f]+"$/);
	assert.equal(
		result.downloaded.find((file) => file.name === 'model_quant.onnx')!.resumedFrom,
		kept,
	);
});

test('a partial file whose server copy changed meanwhile is downloaded again whole', async () => {
	const path = `/first/${ID}/model_quant.onnx`;
	const older = Buffer.from(WEIGHTS);
	older[WEIGHTS.length - 1] ^= 0xff;
	server.serve(path, older);
	server.misbehave(path, { cutAfter: 300_000 }, { status: 503 });
	const catalog = testCatalog({ second: `${await refusedUrl()}/second` });
	await assert.rejects(pull(catalog));
	server.serve(path, WEIGHTS);
	server.requests.length = 0;
	const result = await pull(catalog);
	assertInstalled();
	assert.equal(
		result.downloaded.find((file) => file.name === 'model_quant.onnx')!.resumedFrom,
		0,
		'the stale partial bytes are not kept',
	);
});

test('a server that ignores the range request sends the whole file, which replaces the partial one', async () => {
	const path = `/first/${ID}/model_quant.onnx`;
	server.misbehave(path, { cutAfter: 300_000 }, { status: 503 });
	const catalog = testCatalog({ second: `${await refusedUrl()}/second` });
	await assert.rejects(pull(catalog));
	server.misbehave(path, { replaceWith: WEIGHTS });
	server.requests.length = 0;
	const result = await pull(catalog);
	assertInstalled();
	assert.match(
		server.requests.find((request) => request.path === path)!.range ?? '',
		/^bytes=\d+-$/,
	);
	assert.equal(result.downloaded.find((file) => file.name === 'model_quant.onnx')!.resumedFrom, 0);
});

test('a partial file that is already whole (416 to its range) is verified and put in place without downloading', async () => {
	mkdirSync(join(root, ID));
	writeFileSync(join(root, ID, 'model_quant.onnx.partial'), WEIGHTS);
	const result = await pull(testCatalog());
	assertInstalled();
	const path = `/first/${ID}/model_quant.onnx`;
	assert.deepEqual(
		server.requests.filter((request) => request.path === path).map((request) => request.range),
		[`bytes=${WEIGHTS.length}-`],
	);
	assert.equal(
		result.downloaded.find((file) => file.name === 'model_quant.onnx')!.resumedFrom,
		WEIGHTS.length,
	);
});

const HTML = Buffer.from('<!DOCTYPE html><html><body>Please log in to continue</body></html>\n');

for (const [corruption, setUp, expected] of [
	[
		'an error page served as the model',
		(catalogPath: string) => server.misbehave(catalogPath, { replaceWith: HTML }),
		/does not start like an ONNX model.*text/,
	],
	[
		'a truncated model',
		(catalogPath: string) =>
			server.misbehave(catalogPath, { replaceWith: WEIGHTS.subarray(0, WEIGHTS.length - 1000) }),
		/truncated/,
	],
	[
		'a model with bytes appended',
		(catalogPath: string) =>
			server.misbehave(catalogPath, { replaceWith: Buffer.concat([WEIGHTS, Buffer.alloc(10)]) }),
		/invalid field number/,
	],
] as const) {
	test(`${corruption} is rejected, never renamed into place, and the next source is used`, async () => {
		setUp(`/first/${ID}/model_quant.onnx`);
		const events: PullEvent[] = [];
		const result = await pull(testCatalog(), events);
		assertInstalled();
		assert.equal(
			result.downloaded.find((file) => file.name === 'model_quant.onnx')!.source,
			'second',
		);
		const fallback = events.find((event) => event.type === 'fallback');
		assert.ok(
			fallback?.type === 'fallback' &&
				/not valid/.test(fallback.reason) &&
				expected.test(fallback.reason),
			JSON.stringify(fallback),
		);
	});
}

test('a file of the wrong exact size or sha256 is rejected from every source, and nothing is left behind', async () => {
	for (const [override, expected] of [
		[{ bytes: WEIGHTS.length + 1, approximate: false }, /has \d+ bytes, not \d+/],
		[{ sha256: '0'.repeat(64) }, /sha256 is [0-9a-f]{64}, not 0{64}/],
	] as const) {
		const catalog = testCatalog({}, { 'model_quant.onnx': override });
		await assert.rejects(pull(catalog), (error: unknown) => {
			assert.ok(error instanceof EngineError);
			assert.match(error.message, /first: the downloaded model_quant\.onnx is not valid/);
			assert.match(error.message, /second: the downloaded model_quant\.onnx is not valid/);
			assert.match(error.message, expected);
			return true;
		});
		assert.ok(!existsSync(join(root, ID, 'model_quant.onnx')));
		assert.ok(!existsSync(join(root, ID, 'model_quant.onnx.partial')));
	}
});

test('the right sha256 is accepted', async () => {
	const sha256 = createHash('sha256').update(WEIGHTS).digest('hex');
	await pull(
		testCatalog({}, { 'model_quant.onnx': { sha256, bytes: WEIGHTS.length, approximate: false } }),
	);
	assertInstalled();
});

test('two concurrent pulls of the same model download each file once; both end installed', async () => {
	server.bytesPerSecond = 4_000_000;
	const catalog = testCatalog();
	const events: PullEvent[][] = [[], []];
	const [a, b] = await Promise.all([pull(catalog, events[0]), pull(catalog, events[1])]);
	assertInstalled();
	for (const name of FILES)
		assert.equal(server.count(`/first/${ID}/${name}`), 1, `${name} requested once`);
	assert.equal(a.directory, b.directory);
	assert.deepEqual([a.downloaded.length, b.downloaded.length].sort(), [0, FILES.length]);
	const waiter = a.downloaded.length === 0 ? events[0] : events[1];
	assert.equal(waiter[0].type, 'waiting');
	assert.deepEqual(
		waiter.slice(1).map((event) => event.type),
		FILES.map(() => 'present'),
	);
});

test('a stalled connection is abandoned after the stall timeout: resumed when it brought bytes, else the next source is used', async () => {
	server.misbehave(`/first/${ID}/model_quant.onnx`, { stallAfter: 0 });
	server.misbehave(`/first/${ID}/config.yaml`, { stallAfter: 100 });
	const events: PullEvent[] = [];
	const started = performance.now();
	const result = await pull(testCatalog(), events, { stallTimeoutMs: 300 });
	assertInstalled();
	assert.ok(performance.now() - started < 5000);
	assert.deepEqual(
		result.downloaded.map((file) => file.source),
		['second', 'first', 'first', 'first'],
	);
	const fallback = events.find((event) => event.type === 'fallback');
	assert.ok(
		fallback?.type === 'fallback' &&
			fallback.file === 'model_quant.onnx' &&
			fallback.reason === 'no data for 0.3 s after 0 bytes',
		JSON.stringify(fallback),
	);
	const retry = events.find((event) => event.type === 'retry');
	assert.ok(
		retry?.type === 'retry' &&
			retry.file === 'config.yaml' &&
			retry.reason === 'no data for 0.3 s after 100 bytes',
		JSON.stringify(retry),
	);
	assert.equal(
		server.requests.filter((request) => request.path === `/first/${ID}/config.yaml`)[1].range,
		'bytes=100-',
	);
});

test('aborting a pull keeps the partial file and releases the lock; the next pull resumes', async () => {
	server.bytesPerSecond = 1_000_000;
	const controller = new AbortController();
	const reason = new Error('stop now');
	const pulling = pull(testCatalog(), [], {
		signal: controller.signal,
		onProgress: (event) => {
			if (event.type === 'progress' && event.progress.received > 200_000) controller.abort(reason);
		},
	});
	await assert.rejects(pulling, (error: unknown) => error === reason);
	assert.ok(!existsSync(join(root, `${ID}.lock`)));
	const kept = statSync(join(root, ID, 'model_quant.onnx.partial')).size;
	assert.ok(kept > 200_000);
	server.bytesPerSecond = 0;
	server.requests.length = 0;
	await pull(testCatalog());
	assertInstalled();
	assert.equal(
		server.requests.find((request) => request.path.endsWith('model_quant.onnx'))!.range,
		`bytes=${kept}-`,
	);
});

test('an installed file that fails its checks is downloaded again', async () => {
	await pull(testCatalog());
	writeFileSync(join(root, ID, 'tokens.json'), '["<blank>", "<s>"');
	server.requests.length = 0;
	const result = await pull(testCatalog());
	assertInstalled();
	assert.deepEqual(
		result.downloaded.map((file) => file.name),
		['tokens.json'],
	);
});

test('with no network at all, one error names the directory, the manual steps and the commands', async () => {
	const catalog = testCatalog({
		first: `${await refusedUrl()}/first`,
		second: `${await refusedUrl()}/second`,
	});
	await assert.rejects(pull(catalog), (error: unknown) => {
		assert.ok(error instanceof EngineError);
		assert.equal(error.code, 'MODEL_MISSING');
		const directory = join(root, ID);
		assert.match(error.message, /^Could not download model_quant\.onnx of model "tiny"/);
		assert.ok(error.message.includes(`into "${directory}"`), error.message);
		assert.match(error.message, /first: connection refused; second: connection refused/);
		assert.ok(
			error.fix.includes(
				`copy model_quant.onnx, config.yaml, am.mvn and tokens.json from http://127.0.0.1:`,
			),
			error.fix,
		);
		assert.ok(error.fix.includes(`into "${directory}" by hand`), error.fix);
		assert.ok(error.fix.includes('`rtmp-asr models pull tiny --dir <folder>`'), error.fix);
		assert.ok(error.fix.includes(`\`rtmp-asr models verify --dir ${root}\``), error.fix);
		assert.ok(error.fix.includes('RTMP_ASR_MODEL_MIRROR'), error.fix);
		return true;
	});
	assert.deepEqual(readdirSync(join(root, ID)), []);
});

test('a cache directory that cannot be created fails with a clear message (its parent is a regular file, which stops root too)', async () => {
	const file = join(root, 'not-a-directory');
	writeFileSync(file, 'x');
	const dir = join(file, 'models');
	await assert.rejects(
		pullModel('tiny', { dir, catalog: testCatalog(), env: {} }),
		(error: unknown) => {
			assert.ok(error instanceof EngineError);
			assert.match(
				error.message,
				/^Cannot write to the model cache: ".*not-a-directory\/models\/tiny-paraformer-onnx" \(ENOTDIR: not a directory/,
			);
			assert.match(
				error.fix,
				/--dir or RTMP_ASR_MODEL_DIR \(the node's Options → "Model Cache Directory"\)/,
			);
			return true;
		},
	);
	assert.equal(server.requests.length, 0, 'nothing is downloaded');
});

test('RTMP_ASR_MODEL_MIRROR is tried first', async () => {
	for (const [name, body] of CONTENT) server.serve(`/mirror/${ID}/${name}`, body);
	const result = await pull(testCatalog(), [], {
		env: { RTMP_ASR_MODEL_MIRROR: `${server.url}/mirror/` },
	});
	assertInstalled();
	assert.deepEqual(
		result.downloaded.map((file) => file.source),
		FILES.map(() => 'mirror'),
	);
});

test(
	'an endless response is cut off at the size the catalog allows (approximate size + margin), and the next source is used',
	{ timeout: 20_000 },
	async () => {
		server.misbehave(`/first/${ID}/model_quant.onnx`, { endless: true });
		const catalog = testCatalog();
		const limit = maxBytesOf(catalog.models[0].files[0]);
		assert.equal(limit, Math.ceil(WEIGHTS.length * 1.25) + 1_000_000);
		const events: PullEvent[] = [];
		let largestPartial = 0;
		const result = await pull(catalog, events, {
			onProgress: (event) => {
				events.push(event);
				if (event.type === 'progress')
					largestPartial = Math.max(largestPartial, event.progress.received);
			},
		});
		assertInstalled();
		assert.equal(result.downloaded[0].source, 'second');
		assert.ok(
			largestPartial <= limit,
			`the partial file grew to ${largestPartial} bytes, past the limit of ${limit}`,
		);
		const fallback = events.find((event) => event.type === 'fallback');
		assert.ok(fallback?.type === 'fallback');
		assert.match(
			fallback.reason,
			new RegExp(
				`^the server sent more than the ${limit} bytes this file may have \\(\\d+\\.\\d+ MB\\); the download was stopped$`,
			),
		);
	},
);

test(
	'an announced Content-Length beyond the limit is refused before anything is written',
	{ timeout: 20_000 },
	async () => {
		server.misbehave(`/first/${ID}/model_quant.onnx`, { announce: 10_000_000_000 });
		const events: PullEvent[] = [];
		const catalog = testCatalog();
		const result = await pull(catalog, events);
		assertInstalled();
		assert.equal(result.downloaded[0].source, 'second');
		assert.ok(
			!events.some((event) => event.type === 'progress' && event.progress.total === 10_000_000_000),
			'nothing of the refused body was counted',
		);
		const fallback = events.find((event) => event.type === 'fallback');
		assert.ok(fallback?.type === 'fallback');
		assert.equal(
			fallback.reason,
			`the server announced 10000000000 bytes, more than the ${maxBytesOf(catalog.models[0].files[0])} this file may have`,
		);
	},
);

test(
	'an exact catalog size is the limit itself: one byte more is cut off',
	{ timeout: 20_000 },
	async () => {
		server.misbehave(`/first/${ID}/model_quant.onnx`, { endless: true });
		const events: PullEvent[] = [];
		await pull(
			testCatalog({}, { 'model_quant.onnx': { bytes: WEIGHTS.length, approximate: false } }),
			events,
		);
		assertInstalled();
		const fallback = events.find((event) => event.type === 'fallback');
		assert.ok(fallback?.type === 'fallback');
		assert.match(
			fallback.reason,
			new RegExp(`more than the ${WEIGHTS.length} bytes this file may have`),
		);
	},
);

test('a .partial planted as a link to another file is refused: the file is neither written nor moved into the cache', async () => {
	const victim = join(root, 'precious.txt');
	writeFileSync(victim, 'precious content');
	mkdirSync(join(root, ID), { recursive: true });
	const partial = join(root, ID, 'model_quant.onnx.partial');
	symlinkSync(victim, partial);
	await assert.rejects(pull(testCatalog()), (error: unknown) => {
		assert.ok(error instanceof EngineError);
		assert.equal(error.code, 'MODEL_INVALID');
		assert.equal(
			error.message,
			`"${partial}" is a symbolic link or not a regular file, where the model cache expects a regular file; downloads never write through links.`,
		);
		assert.match(error.fix, /^Remove it, and check who else can write to ".*tiny-paraformer-onnx"/);
		return true;
	});
	assert.equal(readFileSync(victim, 'utf8'), 'precious content');
	assert.ok(lstatSync(partial).isSymbolicLink(), 'the link is left for the user to inspect');
	assert.ok(!existsSync(join(root, ID, 'model_quant.onnx')));
	assert.ok(!existsSync(join(root, `${ID}.lock`)), 'the lock is released');
});

test('a model directory that is a link is refused, and nothing is written where it points', async () => {
	const elsewhere = join(root, 'elsewhere');
	mkdirSync(elsewhere);
	symlinkSync(elsewhere, join(root, ID));
	await assert.rejects(pull(testCatalog()), (error: unknown) => {
		assert.ok(error instanceof EngineError);
		assert.equal(
			error.message,
			`The model directory "${join(root, ID)}" is a symbolic link; downloads never write through links.`,
		);
		return true;
	});
	assert.deepEqual(readdirSync(elsewhere), []);
	assert.equal(server.requests.length, 0);
});

test('the .partial.json beside a partial file is not followed either', async () => {
	const victim = join(root, 'precious.json');
	writeFileSync(victim, '{"keep":true}');
	mkdirSync(join(root, ID), { recursive: true });
	symlinkSync(victim, join(root, ID, 'config.yaml.partial.json'));
	await assert.rejects(pull(testCatalog()), /config\.yaml\.partial\.json" is a symbolic link/);
	assert.equal(readFileSync(victim, 'utf8'), '{"keep":true}');
});

test('an installed file that is a link is refused by pull and named by verify', async () => {
	const elsewhere = join(root, 'config.yaml');
	writeFileSync(elsewhere, CONTENT.get('config.yaml')!);
	mkdirSync(join(root, ID), { recursive: true });
	symlinkSync(elsewhere, join(root, ID, 'config.yaml'));
	const catalog = testCatalog();
	await assert.rejects(pull(catalog), /config\.yaml" is a symbolic link or not a regular file/);
	const report = await verifyModel(catalog.models[0], root);
	assert.equal(report.ok, false);
	assert.equal(
		report.files.find((file) => file.name === 'config.yaml')!.problem,
		'it is a symbolic link, not a regular file (the cache holds regular files only)',
	);
});

test('verify tells verified files (published sha256 matched) from unverified ones', async () => {
	const sha256 = createHash('sha256').update(WEIGHTS).digest('hex');
	const catalog = testCatalog(
		{},
		{ 'model_quant.onnx': { sha256, bytes: WEIGHTS.length, approximate: false } },
	);
	await pull(catalog);
	const report = await verifyModel(catalog.models[0], root);
	assert.equal(report.ok, true);
	assert.equal(report.verified, false, 'three files have no sha256');
	assert.deepEqual(
		report.files.map((file) => [file.name, file.verified]),
		FILES.map((name) => [name, name === 'model_quant.onnx']),
	);
});

test('a mirror URL with credentials and a token works: Basic authorization, the path before the query, nothing secret shown', async () => {
	for (const [name, body] of CONTENT) server.serve(`/private/models/${ID}/${name}`, body);
	server.requireAuthorization = `Basic ${Buffer.from('reader:p@ss word').toString('base64')}`;
	const mirror = `${server.url.replace('http://', 'http://reader:p%40ss%20word@')}/private/models/?token=SECRET-TOKEN`;
	const events: PullEvent[] = [];
	const result = await pull(testCatalog(), events, { env: { RTMP_ASR_MODEL_MIRROR: mirror } });
	assertInstalled();
	assert.deepEqual(
		result.downloaded.map((file) => file.source),
		FILES.map(() => 'mirror'),
	);
	for (const request of server.requests) {
		assert.match(request.path, new RegExp(`^/private/models/${ID}/`));
		assert.equal(request.search, '?token=SECRET-TOKEN');
	}
	const shown =
		events.map((event) => describeEvent(event) ?? '').join('\n') + JSON.stringify(events);
	for (const secret of ['SECRET-TOKEN', 'p%40ss', 'p@ss', 'reader'])
		assert.ok(!shown.includes(secret), `"${secret}" shown: ${shown}`);
	assert.ok(shown.includes(`/private/models/${ID}/model_quant.onnx?token=***`), shown);
});

test("a mirror's credentials are not sent on to another host it redirects to", async () => {
	const other = await ModelServer.start();
	try {
		other.serve(`/elsewhere/${ID}/model_quant.onnx`, WEIGHTS);
		for (const [name, body] of CONTENT) server.serve(`/private/${ID}/${name}`, body);
		server.misbehave(`/private/${ID}/model_quant.onnx`, {
			redirectTo: `${other.url}/elsewhere/${ID}/model_quant.onnx`,
		});
		const mirror = `${server.url.replace('http://', 'http://reader:hunter2@')}/private/`;
		await pull(testCatalog(), [], { env: { RTMP_ASR_MODEL_MIRROR: mirror } });
		assertInstalled();
		assert.equal(
			server.requests.find((request) => request.path.endsWith('/model_quant.onnx'))!.authorization,
			`Basic ${Buffer.from('reader:hunter2').toString('base64')}`,
		);
		assert.deepEqual(
			other.requests.map((request) => request.authorization),
			[null],
		);
	} finally {
		await other.close();
	}
});

test('a failing mirror with credentials is named in errors without them', async () => {
	server.requireAuthorization = 'Basic nobody';
	const mirror = `${server.url.replace('http://', 'http://reader:hunter2@')}/private/?token=SECRET-TOKEN`;
	const catalog = testCatalog({
		first: `${await refusedUrl()}/first`,
		second: `${await refusedUrl()}/second`,
	});
	await assert.rejects(
		pull(catalog, [], { env: { RTMP_ASR_MODEL_MIRROR: mirror } }),
		(error: unknown) => {
			assert.ok(error instanceof EngineError);
			assert.match(error.message, /mirror: HTTP 401 Unauthorized; first: connection refused/);
			for (const secret of ['SECRET-TOKEN', 'hunter2', 'reader'])
				assert.ok(
					!`${error.message} ${error.fix}`.includes(secret),
					`${error.message} ${error.fix}`,
				);
			return true;
		},
	);
	await assert.rejects(
		pull(catalog, [], {
			env: { RTMP_ASR_MODEL_MIRROR: 'ftp://reader:hunter2@host/m?token=SECRET-TOKEN' },
		}),
		(error: unknown) => {
			assert.ok(error instanceof EngineError);
			assert.equal(
				error.message,
				'RTMP_ASR_MODEL_MIRROR="ftp://***@host/m?token=***" is not an http(s) URL.',
			);
			return true;
		},
	);
});
