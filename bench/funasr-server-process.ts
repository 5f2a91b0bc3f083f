import { fork, type ChildProcess } from 'node:child_process';
import { FunasrTestServer, releaseTestServerModels } from '../test/helpers/funasr-test-server.js';

/**
 * The protocol-faithful FunASR 2pass test server (FSMN-VAD segmentation, toy Paraformer) in a
 * process of its own, so that its VAD and recognition are not counted as the n8n main's CPU.
 * Forked by `startServerProcess`: it answers `{ url }` once listening and ends when its parent
 * disconnects.
 */
export interface ServerProcess {
	url: string;
	pid: number;
	stop(): Promise<void>;
}

export async function startServerProcess(): Promise<ServerProcess> {
	const child: ChildProcess = fork(__filename, [], {
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
	});
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const url = await new Promise<string>((resolve, reject) => {
		child.once('message', (message: { url: string }) => resolve(message.url));
		child.once('exit', (code) =>
			reject(new Error(`the FunASR test server exited (${code}) before listening`)),
		);
	});
	return {
		url,
		pid: child.pid!,
		async stop() {
			child.disconnect();
			const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
			await exited;
			clearTimeout(timer);
		},
	};
}

async function serve(): Promise<void> {
	const server = await FunasrTestServer.start();
	process.once('disconnect', () => {
		void server
			.close()
			.then(releaseTestServerModels)
			.finally(() => process.exit(0));
	});
	process.send?.({ url: server.url });
}

if (require.main === module && process.send) {
	serve().catch((error: unknown) => {
		console.error(error instanceof Error ? error.message : error);
		process.exit(1);
	});
}
