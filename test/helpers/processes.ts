import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether a process runs: a zombie (exited, not yet reaped by its new parent) counts as gone. */
export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch {
		return false;
	}
	try {
		// /proc/<pid>/stat: "pid (comm) state …"; comm may contain spaces, the state follows the last ')'.
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
	} catch {
		return false;
	}
}

/** Milliseconds until the process was gone; throws if it outlives `timeoutMs`. */
export async function waitUntilGone(pid: number, timeoutMs: number): Promise<number> {
	const start = performance.now();
	while (isAlive(pid)) {
		if (performance.now() - start > timeoutMs)
			throw new Error(`Process ${pid} is still alive after ${timeoutMs} ms.`);
		await sleep(10);
	}
	return Math.round(performance.now() - start);
}
