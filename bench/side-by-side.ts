import { ContenderProcess, describeSpec, type Context } from './contender-process.js';
import type { ContenderSpec, PassResult } from './contender-protocol.js';
import type { Rtf } from './results.js';
import { THREAD_ROLES, type ThreadRole } from './thread-cpu.js';

/** One contender to load, with the model directory (and corpus) it runs on. */
export interface Entry {
	spec: ContenderSpec;
	context: Context;
}

export interface SideBySide {
	/** The untimed warm-up pass of each entry (its texts are the ones compared). */
	firstPasses: PassResult[];
	/** The timed passes of each entry, one per round. */
	rounds: PassResult[][];
	loadSeconds: number[];
}

/**
 * Contenders loaded at once, each in its own process, warmed up by one untimed pass, then timed in
 * rounds of alternating order, so that a change in the machine's load falls on all of them alike.
 */
export async function measureSideBySide(
	entries: readonly Entry[],
	rounds: number,
	log: (line: string) => void,
): Promise<SideBySide> {
	const contenders: ContenderProcess[] = [];
	try {
		for (const { spec, context } of entries)
			contenders.push(await ContenderProcess.start(spec, context));
		const firstPasses: PassResult[] = [];
		for (const contender of contenders) firstPasses.push(await contender.pass());
		const results: PassResult[][] = entries.map(() => []);
		for (let round = 0; round < rounds; round++) {
			const order = entries.map((_, i) => i);
			if (round % 2 === 1) order.reverse();
			for (const i of order) results[i].push(await contenders[i].pass());
			log(
				`  round ${round + 1}/${rounds}: ${order.map((i) => `${describeSpec(entries[i].spec)} ${(results[i].at(-1)!.wallMs / 1000).toFixed(2)} s`).join(', ')}`,
			);
		}
		return {
			firstPasses,
			rounds: results,
			loadSeconds: contenders.map((contender) => contender.loadMs / 1000),
		};
	} finally {
		await Promise.all(contenders.map((contender) => contender.stop()));
	}
}

/** Every real-time factor here is per second of stream (the whole corpus), so that stages add up. */
export function rtfSeries(passes: readonly PassResult[], streamSeconds: number): Rtf {
	return {
		wall: passes.map((pass) => pass.wallMs / 1000 / streamSeconds),
		cpu: passes.map((pass) => pass.cpuMs / 1000 / streamSeconds),
	};
}

/** CPU seconds per audio second of each thread role, each round; undefined where threads were not read. */
export function threadSeries(
	passes: readonly PassResult[],
	streamSeconds: number,
): Record<ThreadRole, number[]> | undefined {
	if (!passes.every((pass) => pass.threadCpuMs)) return undefined;
	return Object.fromEntries(
		THREAD_ROLES.map((role) => [
			role,
			passes.map((pass) => pass.threadCpuMs![role] / 1000 / streamSeconds),
		]),
	) as Record<ThreadRole, number[]>;
}

/** The onnxruntime run time alone of a recognizer-alone contender's passes, per second of stream. */
export function runOnlySeries(passes: readonly PassResult[], streamSeconds: number): number[] {
	return passes.map(
		(pass) => (pass.data as { inferenceMs: number }).inferenceMs / 1000 / streamSeconds,
	);
}

/**
 * Share of segments whose text `other` reproduces, spaces and special tokens ignored: sherpa-onnx joins
 * word pieces its own way and keeps the <blank>s and the last token FunASR drops, so its text may
 * run one token longer.
 */
export function agreement(
	reference: readonly string[],
	other: readonly string[],
	same = (text: string, otherText: string) => otherText.startsWith(text),
): number {
	if (reference.length === 0) return 0;
	const plain = (text: string) => text.replace(/<blank>|<s>|<\/s>|<unk>|\s+/g, '');
	return (
		reference.filter((text, i) => same(plain(text), plain(other[i] ?? ''))).length /
		reference.length
	);
}
