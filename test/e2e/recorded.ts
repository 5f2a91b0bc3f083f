import { existsSync, readFileSync } from 'node:fs';

/** The JSON lines a workflow appended to a file (none while it does not exist). */
export function jsonLines(path: string): Record<string, unknown>[] {
	return existsSync(path)
		? readFileSync(path, 'utf8')
				.split('\n')
				.filter((line) => line !== '')
				.map((line) => JSON.parse(line) as Record<string, unknown>)
		: [];
}

/** Durations of a test file's steps, ms, printed at its end. */
export class Timings {
	readonly ms: Record<string, number> = {};

	async timed<T>(name: string, body: () => Promise<T>): Promise<T> {
		const started = performance.now();
		try {
			return await body();
		} finally {
			this.ms[name] = Math.round(performance.now() - started);
		}
	}
}
