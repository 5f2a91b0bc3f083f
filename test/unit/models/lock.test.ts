import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { acquireLock, type LockHolder } from '../../../models/lock.js';

let dir: string;
let path: string;

beforeEach(() => {
	dir = mkdtempSync(join(tmpdir(), 'rtmp-asr-lock-'));
	path = join(dir, 'model.lock');
});
afterEach(() => {
	rmSync(dir, { recursive: true, force: true });
});

/** The PID of a process that has already exited. */
function deadPid(): number {
	const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
		encoding: 'utf8',
	});
	return Number(child.stdout);
}

test('the lock file holds our PID and host, and is removed on release', async () => {
	const lock = await acquireLock(path);
	const holder = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
	assert.equal(holder.pid, process.pid);
	assert.equal(holder.hostname, hostname());
	lock.release();
	assert.ok(!existsSync(path));
});

test('a second taker waits until the first releases', async () => {
	const first = await acquireLock(path, { pollMs: 10 });
	let waitedFor: LockHolder | null = null;
	let acquired = false;
	const second = acquireLock(path, { pollMs: 10, onWait: (holder) => (waitedFor = holder) }).then(
		(lock) => {
			acquired = true;
			return lock;
		},
	);
	await new Promise((resolve) => setTimeout(resolve, 100));
	assert.equal(acquired, false);
	assert.equal((waitedFor as LockHolder | null)?.pid, process.pid);
	first.release();
	(await second).release();
	assert.equal(acquired, true);
});

test('a lock left by a dead process on this host is taken over at once', async () => {
	writeFileSync(path, JSON.stringify({ pid: deadPid(), hostname: hostname(), token: 'crashed' }));
	let waited = false;
	const lock = await acquireLock(path, { onWait: () => (waited = true) });
	assert.equal(waited, false);
	assert.equal((JSON.parse(readFileSync(path, 'utf8')) as LockHolder).pid, process.pid);
	lock.release();
});

test('a lock from another host is taken over only once its holder stopped refreshing it', async () => {
	writeFileSync(path, JSON.stringify({ pid: 1, hostname: 'another-container', token: 'other' }));
	const controller = new AbortController();
	const waiting = acquireLock(path, {
		pollMs: 10,
		staleAfterMs: 60_000,
		signal: controller.signal,
	});
	await new Promise((resolve) => setTimeout(resolve, 50));
	controller.abort(new Error('gave up'));
	await assert.rejects(waiting, /gave up/);
	assert.equal(
		(JSON.parse(readFileSync(path, 'utf8')) as LockHolder).token,
		'other',
		'a fresh foreign lock is left alone',
	);

	const old = new Date(Date.now() - 120_000);
	utimesSync(path, old, old);
	const lock = await acquireLock(path, { pollMs: 10, staleAfterMs: 60_000 });
	assert.equal((JSON.parse(readFileSync(path, 'utf8')) as LockHolder).pid, process.pid);
	lock.release();
});

test('the holder keeps its lock fresh while it works', async () => {
	const lock = await acquireLock(path, { staleAfterMs: 200 });
	const old = new Date(Date.now() - 10_000);
	utimesSync(path, old, old);
	await new Promise((resolve) => setTimeout(resolve, 150));
	let waited = false;
	const controller = new AbortController();
	const other = acquireLock(path, {
		staleAfterMs: 200,
		pollMs: 10,
		signal: controller.signal,
		onWait: () => (waited = true),
	});
	await new Promise((resolve) => setTimeout(resolve, 30));
	controller.abort(new Error('stop'));
	await assert.rejects(other, /stop/);
	assert.equal(waited, true, 'the refreshed lock is not taken over');
	lock.release();
});

test('release never deletes a lock that someone else now holds', async () => {
	const lock = await acquireLock(path);
	writeFileSync(
		path,
		JSON.stringify({ pid: process.pid, hostname: hostname(), token: 'someone-else' }),
	);
	lock.release();
	assert.ok(existsSync(path));
});

test('a lock that cannot be created reports the file system error', async () => {
	writeFileSync(join(dir, 'file'), 'x');
	await assert.rejects(
		acquireLock(join(dir, 'file', 'model.lock')),
		(error: unknown) => (error as { code?: string }).code === 'ENOTDIR',
	);
});
