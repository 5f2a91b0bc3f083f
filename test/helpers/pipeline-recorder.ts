import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineError } from '../../engine/errors.js';
import type { EventEmitter } from 'node:events';
import type { LivePipelineEvents, PipelineStatus, Sentence } from '../../engine/pipeline/events.js';

export interface Recorded {
	sentences: (Sentence & { receivedAt: number })[];
	statuses: (PipelineStatus & { receivedAt: number })[];
	warnings: EngineError[];
	errors: EngineError[];
}

/** Everything a pipeline emits, with the time it arrived (ms since recording began). */
export function record(pipeline: EventEmitter<LivePipelineEvents>): Recorded {
	const start = performance.now();
	const since = () => Math.round(performance.now() - start);
	const recorded: Recorded = { sentences: [], statuses: [], warnings: [], errors: [] };
	pipeline.on('sentence', (sentence) =>
		recorded.sentences.push({ ...sentence, receivedAt: since() }),
	);
	pipeline.on('status', (status) => recorded.statuses.push({ ...status, receivedAt: since() }));
	pipeline.on('warning', (warning) => recorded.warnings.push(warning));
	pipeline.on('error', (error) => recorded.errors.push(error));
	return recorded;
}

/** Polls until `condition` holds; throws with `what` after `timeoutMs`. */
export async function waitFor(
	condition: () => boolean,
	timeoutMs: number,
	what: string,
): Promise<void> {
	const deadline = performance.now() + timeoutMs;
	while (!condition()) {
		if (performance.now() > deadline)
			throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
		await sleep(50);
	}
}

/** Pids of the ffmpeg processes reading `url` into PCM (the pipeline's, not the publisher's). */
export function ffmpegReadersOf(url: string): number[] {
	const pids: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		let args: string[];
		try {
			args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
		} catch {
			continue;
		}
		if (args.some((arg) => arg.endsWith('ffmpeg')) && args.includes(url) && args.includes('s16le'))
			pids.push(Number(entry));
	}
	return pids;
}

/** Timers alive in this process (for "no timer left after close"). */
export function activeTimers(): number {
	return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}
