import { fork } from 'node:child_process';
import { readFlvAudio } from '../test/helpers/flv-tags.js';
import { publishAtPace, RtmpPublishConnection } from '../test/helpers/rtmp-publisher.js';

/**
 * Every live stream's publisher in one process of its own (so that its CPU is counted apart):
 * stream i sends FLV file i by stream copy to URL i at real-time pace, looping. Resolves once every
 * stream is publishing.
 */
export interface CopyPublishers {
	pid: number;
	/** Ends publishing; rejects if a stream stopped publishing before: the trial is no measurement. */
	stop(): Promise<void>;
}

interface Settings {
	urls: readonly string[];
	files: readonly string[];
}

type Report = { publishing: true } | { failure: string };

const STOP_GRACE_MS = 5000;

export async function startCopyPublishers(settings: Settings): Promise<CopyPublishers> {
	const child = fork(__filename, [JSON.stringify(settings)], {
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
	});
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	let failure: string | undefined;
	await new Promise<void>((resolve, reject) => {
		child.on('message', (report: Report) => {
			if ('publishing' in report) resolve();
			else {
				failure ??= report.failure;
				reject(new Error(report.failure));
			}
		});
		child.once('exit', (code) =>
			reject(new Error(failure ?? `the publishers exited (${code}) before publishing`)),
		);
	});
	return {
		pid: child.pid!,
		async stop() {
			if (child.connected) child.disconnect();
			const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
			await exited;
			clearTimeout(timer);
			if (failure !== undefined) throw new Error(`A live trial's publisher failed: ${failure}`);
		},
	};
}

async function publish(): Promise<void> {
	const settings = JSON.parse(process.argv[2] ?? '') as Settings;
	const audios = settings.files.map(readFlvAudio);
	const connections = await Promise.all(settings.urls.map(RtmpPublishConnection.open));
	const stop = publishAtPace(connections, audios, (stream, error) =>
		process.send?.({ failure: `stream ${stream} stopped publishing: ${error.message}` }),
	);
	process.once('disconnect', () => {
		stop();
		process.exit(0);
	});
	process.send?.({ publishing: true });
}

if (require.main === module && process.send) {
	publish().catch((error: unknown) => {
		process.send?.({ failure: error instanceof Error ? error.message : String(error) });
		process.exit(1);
	});
}
