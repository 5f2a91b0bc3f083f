import { findExecutable } from './ffmpeg-binary.js';

export interface Command {
	file: string;
	args: string[];
}

let setprivPath: string | null | undefined;

/**
 * The command that runs `file args` so that it dies with this process, even on SIGKILL or a crash
 * where no exit handler runs (execa's `cleanup` covers normal exits and SIGTERM/SIGINT only).
 * On Linux, util-linux's `setpriv --pdeathsig SIGKILL` sets PR_SET_PDEATHSIG and then execs the
 * command: the pid stays the command's own, no process is added. Without setpriv (macOS, busybox)
 * the command runs as is. The signal is tied to the spawning thread: spawn from the thread that
 * lives as long as the child should.
 */
export function boundToParent(file: string, args: readonly string[]): Command {
	if (setprivPath === undefined)
		setprivPath = process.platform === 'linux' ? (findExecutable('setpriv') ?? null) : null;
	if (setprivPath === null) return { file, args: [...args] };
	return { file: setprivPath, args: ['--pdeathsig', 'SIGKILL', '--', file, ...args] };
}
