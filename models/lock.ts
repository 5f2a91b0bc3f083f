import { randomUUID } from 'node:crypto';
import {
	closeSync,
	openSync,
	readFileSync,
	statSync,
	unlinkSync,
	utimesSync,
	writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { errorCode } from './system-error.js';

export interface LockHolder {
	pid: number;
	hostname: string;
	token: string;
}

export interface LockOptions {
	signal?: AbortSignal;
	/** A lock whose holder has not refreshed it for this long is abandoned (the holder refreshes it 4× as often). */
	staleAfterMs?: number;
	pollMs?: number;
	/** Called once when the lock is busy and the caller starts waiting. */
	onWait?: (holder: LockHolder | null) => void;
}

export interface HeldLock {
	readonly path: string;
	release(): void;
}

const DEFAULT_STALE_AFTER_MS = 60_000;
const DEFAULT_POLL_MS = 200;

/**
 * An exclusive lock between processes and within one: a file created with O_EXCL holding the owner's
 * PID and host. A busy lock is waited for; it is taken over when abandoned — its PID is dead on this
 * host, or its holder stopped refreshing it (a crash on another host or container sharing the folder,
 * where a PID means nothing). Throws the file system's error (ENOTDIR, EACCES, EROFS…) when the lock
 * cannot be created at all, and the signal's reason when aborted while waiting.
 */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<HeldLock> {
	const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
	const me: LockHolder = { pid: process.pid, hostname: hostname(), token: randomUUID() };
	let waiting = false;
	for (;;) {
		options.signal?.throwIfAborted();
		if (tryCreate(path, me)) return hold(path, me, staleAfterMs);
		const holder = readHolder(path);
		const state = lockState(path, holder, staleAfterMs);
		if (state === 'gone') continue;
		if (state === 'abandoned') {
			removeIfPresent(path);
			continue;
		}
		if (!waiting) {
			waiting = true;
			options.onWait?.(holder);
		}
		await pause(options.pollMs ?? DEFAULT_POLL_MS, options.signal);
	}
}

/** Waits, or rejects with the signal's own reason (not a generic AbortError) when aborted. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
	try {
		await delay(ms, undefined, signal ? { signal } : {});
	} catch (error) {
		throw signal?.aborted ? signal.reason : error;
	}
}

function tryCreate(path: string, me: LockHolder): boolean {
	let fd: number;
	try {
		fd = openSync(path, 'wx');
	} catch (error) {
		if (errorCode(error) === 'EEXIST') return false;
		throw error;
	}
	try {
		writeSync(fd, JSON.stringify(me));
	} finally {
		closeSync(fd);
	}
	return true;
}

function hold(path: string, me: LockHolder, staleAfterMs: number): HeldLock {
	const heartbeat = setInterval(
		() => {
			try {
				const now = new Date();
				utimesSync(path, now, now);
			} catch {
				// Taken over or removed: release() checks ownership before deleting anything.
			}
		},
		Math.max(10, staleAfterMs / 4),
	);
	heartbeat.unref();
	return {
		path,
		release() {
			clearInterval(heartbeat);
			if (readHolder(path)?.token === me.token) removeIfPresent(path);
		},
	};
}

function readHolder(path: string): LockHolder | null {
	try {
		const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
		if (parsed && typeof parsed === 'object') {
			const { pid, hostname: host, token } = parsed as Record<string, unknown>;
			if (typeof pid === 'number' && typeof host === 'string' && typeof token === 'string')
				return { pid, hostname: host, token };
		}
	} catch {
		// Gone, or being written right now: judged by its age alone.
	}
	return null;
}

function lockState(
	path: string,
	holder: LockHolder | null,
	staleAfterMs: number,
): 'held' | 'abandoned' | 'gone' {
	let modifiedMs: number;
	try {
		modifiedMs = statSync(path).mtimeMs;
	} catch {
		return 'gone';
	}
	if (Date.now() - modifiedMs > staleAfterMs) return 'abandoned';
	if (holder !== null && holder.hostname === hostname() && !isAlive(holder.pid)) return 'abandoned';
	return 'held';
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return errorCode(error) === 'EPERM';
	}
}

function removeIfPresent(path: string): void {
	try {
		unlinkSync(path);
	} catch (error) {
		if (errorCode(error) !== 'ENOENT') throw error;
	}
}
