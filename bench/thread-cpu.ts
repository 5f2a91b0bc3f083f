import { readdirSync, readFileSync } from 'node:fs';
import type { WorkerRole } from '../engine/runtime/inference-protocol.js';
import { workerThreadName } from '../engine/runtime/worker-channel.js';

/** Who a thread of a contender's process works for, from the name the engine gives its workers (onnxruntime's pool threads inherit it). */
export type ThreadRole = 'recognizers' | 'vad worker' | 'main' | 'other';

export const THREAD_ROLES: readonly ThreadRole[] = ['recognizers', 'vad worker', 'main', 'other'];

export type ThreadCpuMs = Record<ThreadRole, number>;

/** Cores busy by thread role over a window: ThreadCpuMs ÷ its length. */
export type ThreadCores = Record<ThreadRole, number>;

/** Linux keeps this many bytes of a thread's name ("rtmp-asr recogn" for every recognizer). */
const THREAD_NAME_BYTES = 15;

function startsAsWorker(name: string, role: WorkerRole): boolean {
	return name.startsWith(workerThreadName(role).slice(0, THREAD_NAME_BYTES));
}

function roleOf(name: string): ThreadRole {
	if (startsAsWorker(name, 'recognizer')) return 'recognizers';
	if (startsAsWorker(name, 'vad')) return 'vad worker';
	return name === 'MainThread' ? 'main' : 'other';
}

/** On-CPU ms of one thread: the scheduler's nanoseconds where the kernel keeps them, else utime + stime in clock ticks. */
function threadCpuMs(taskDir: string): number {
	try {
		return Number(readFileSync(`${taskDir}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
	} catch {
		const stat = readFileSync(`${taskDir}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		// Fields 14 and 15 of proc(5), in USER_HZ (100 on every Linux this runs on).
		return (Number(fields[11]) + Number(fields[12])) * 10;
	}
}

/**
 * CPU time so far of each live thread of this process, by role; null where /proc is not there. A
 * thread that ended between two readings is missing from the later one: compare readings of
 * passes whose threads outlive them (the contenders' workers do).
 */
export function readThreadCpu(): Map<number, { role: ThreadRole; ms: number }> | null {
	let tids: string[];
	try {
		tids = readdirSync('/proc/self/task');
	} catch {
		return null;
	}
	const threads = new Map<number, { role: ThreadRole; ms: number }>();
	for (const tid of tids) {
		const taskDir = `/proc/self/task/${tid}`;
		try {
			const name = readFileSync(`${taskDir}/comm`, 'utf8').trim();
			threads.set(Number(tid), { role: roleOf(name), ms: threadCpuMs(taskDir) });
		} catch {
			// The thread ended while being read.
		}
	}
	return threads;
}

/** CPU ms each role spent between two readings; threads born in between count from zero. */
export function threadCpuBetween(
	before: ReadonlyMap<number, { ms: number }>,
	after: ReadonlyMap<number, { role: ThreadRole; ms: number }>,
): ThreadCpuMs {
	const spent: ThreadCpuMs = { recognizers: 0, 'vad worker': 0, main: 0, other: 0 };
	for (const [tid, { role, ms }] of after) spent[role] += ms - (before.get(tid)?.ms ?? 0);
	return spent;
}
