import { setTimeout as sleep } from 'node:timers/promises';
import { startPublisher, type Publisher } from '../test/helpers/publisher.js';

/**
 * The soak's publishers, in a process of their own (forked by bench/soak.ts) so that the soak
 * process's handles are the product's alone. Each publisher sends `flv` by stream copy to its URL
 * and is killed (SIGKILL) at a random moment, uniformly 0.5–1.5 × `killEveryMs` apart, then
 * restarted `awayMs` later. Reports `{ kills, pids }` to the parent on every change; a 'stop'
 * message or the parent's exit ends them all.
 */
export interface PublishersReport {
	kills: number;
	pids: number[];
}

interface Settings {
	urls: string[];
	flv: string;
	killEveryMs: number;
	awayMs: number;
}

async function main(): Promise<void> {
	const settings = JSON.parse(process.argv[2] ?? '') as Settings;
	const publish = (url: string) =>
		startPublisher({ url, file: settings.flv, content: 'flv-copy', loops: -1 });
	const publishers: Publisher[] = settings.urls.map(publish);
	let kills = 0;
	const report = () =>
		process.send?.({
			kills,
			pids: publishers.map((publisher) => publisher.pid),
		} satisfies PublishersReport);
	const stop = new AbortController();
	process.on('message', () => stop.abort());
	process.on('disconnect', () => stop.abort());
	const pause = (ms: number) =>
		sleep(ms, undefined, { signal: stop.signal }).catch(() => undefined);
	report();
	await Promise.all(
		settings.urls.map(async (url, i) => {
			while (!stop.signal.aborted) {
				await pause(settings.killEveryMs * (0.5 + Math.random()));
				if (stop.signal.aborted) return;
				publishers[i].kill('SIGKILL');
				kills++;
				await publishers[i].exited;
				await pause(settings.awayMs);
				if (stop.signal.aborted) return;
				publishers[i] = publish(url);
				report();
			}
		}),
	);
	await Promise.all(publishers.map((publisher) => publisher.stop()));
	report();
	process.disconnect?.();
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exitCode = 1;
});
