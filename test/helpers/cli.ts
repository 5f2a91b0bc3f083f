import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';

export interface CliResult {
	code: number;
	stdout: string;
	stderr: string;
}

/** Runs the compiled CLI with this Node, as a user would. */
export function runCli(args: string[], timeoutMs = 120_000): Promise<CliResult> {
	return new Promise((resolve) => {
		execFile(
			process.execPath,
			[join(REPO_ROOT, 'dist', 'cli', 'rtmp-asr.js'), ...args],
			{ timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
			(error, stdout, stderr) => {
				const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
				resolve({ code, stdout, stderr });
			},
		);
	});
}
