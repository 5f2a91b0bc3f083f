import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpegReadersOf } from '../../test/helpers/pipeline-recorder.js';
import { encodedFlv } from '../../test/helpers/publisher.js';
import { startRtmpServer, type RtmpServer } from '../../test/helpers/rtmp-server.js';
import { writeWav } from '../../test/helpers/wav-file.js';
import type { SetupMessage } from '../contender-protocol.js';
import { startCopyPublishers, type CopyPublishers } from '../copy-publishers.js';
import { readCorpusAudio } from '../corpus.js';
import { cpuAccount, machineBusyCores, ProcessGroupCpu } from '../machine.js';
import {
	readThreadCpu,
	threadCpuBetween,
	type ThreadCores,
	type ThreadCpuMs,
} from '../thread-cpu.js';
import { corpusWithPauses } from './live.js';

/** Cores busy during a trial by process: this process (its workers included), its ffmpeg readers, the publishers, nginx. */
export interface StreamsCpu {
	pipeline: number;
	readers: number;
	publishers: number;
	nginx: number;
}

/**
 * The live trials' streams: the corpus (with pauses) encoded once per stream to AAC in FLV, each
 * starting at its own place so that segments do not all close at once, and a local nginx-rtmp.
 * One process publishes every file by stream copy at real-time pace (copy-publishers.ts), so that
 * the publishers take almost no CPU.
 */
export class RtmpStreams {
	private constructor(
		private readonly dir: string,
		private readonly files: readonly string[],
		private readonly server: RtmpServer,
	) {}

	static async prepare(setup: SetupMessage, streams: number): Promise<RtmpStreams> {
		const dir = mkdtempSync(join(tmpdir(), 'rtmp-asr-bench-live-'));
		const corpus = corpusWithPauses(readCorpusAudio(setup.corpus));
		const files: string[] = [];
		for (let i = 0; i < streams; i++) {
			const path = join(dir, `stream-${i}.wav`);
			writeWav(path, rotate(corpus, Math.floor((i / streams) * corpus.length)));
			files.push(await encodedFlv(path));
		}
		return new RtmpStreams(dir, files, await startRtmpServer());
	}

	/** Where stream i is published and read. */
	get urls(): string[] {
		return this.files.map((_, i) => this.server.url('live', `s${i}`));
	}

	/** Resolves once every stream is publishing. */
	publish(): Promise<CopyPublishers> {
		return startCopyPublishers({ urls: this.urls, files: this.files });
	}

	/** Starts counting the CPU of this process, the streams' readers, the publishers and nginx. */
	measure(publishers: CopyPublishers): CpuWindow {
		const readerPids = () => this.urls.flatMap((url) => ffmpegReadersOf(url));
		const publisherPids = [publishers.pid];
		const nginxPids = this.server.pid === undefined ? [] : [this.server.pid];
		return new CpuWindow({
			readers: readerPids,
			publishers: () => publisherPids,
			nginx: () => nginxPids,
		});
	}

	async close(): Promise<void> {
		await this.server.stop();
		rmSync(this.dir, { recursive: true, force: true });
	}
}

type Groups = Record<Exclude<keyof StreamsCpu, 'pipeline'>, () => number[]>;

/** CPU by process from its start to `finish()`: only what the processes use from the start counts. */
export class CpuWindow {
	private readonly started = performance.now();
	private readonly machineBefore = cpuAccount();
	private readonly processBefore = process.cpuUsage();
	private readonly threadsBefore = readThreadCpu();
	private readonly counted = new Map<keyof Groups, ProcessGroupCpu>();

	constructor(private readonly groups: Groups) {
		for (const name of Object.keys(groups) as (keyof Groups)[]) {
			const group = new ProcessGroupCpu();
			group.update(groups[name]());
			this.counted.set(name, group);
		}
	}

	/**
	 * Cores busy since the start: the machine's, the streams' processes' (StreamsCpu), and this
	 * process's by thread role (null without /proc).
	 */
	finish(): {
		seconds: number;
		machine: number;
		cpu: StreamsCpu;
		threads: ThreadCores | null;
	} {
		const processCpu = process.cpuUsage(this.processBefore);
		const threadsAfter = readThreadCpu();
		const machine = machineBusyCores(this.machineBefore, cpuAccount());
		const seconds = (performance.now() - this.started) / 1000;
		const cores = (name: keyof Groups) =>
			this.counted.get(name)!.update(this.groups[name]()) / seconds;
		return {
			seconds,
			machine,
			cpu: {
				pipeline: (processCpu.user + processCpu.system) / 1e6 / seconds,
				readers: cores('readers'),
				publishers: cores('publishers'),
				nginx: cores('nginx'),
			},
			threads:
				this.threadsBefore && threadsAfter
					? perSecond(threadCpuBetween(this.threadsBefore, threadsAfter), seconds)
					: null,
		};
	}
}

/** CPU ms by role over `seconds` as cores busy. */
function perSecond(spentMs: ThreadCpuMs, seconds: number): ThreadCores {
	return Object.fromEntries(
		Object.entries(spentMs).map(([role, ms]) => [role, ms / 1000 / seconds]),
	) as ThreadCores;
}

function rotate(audio: Float32Array, start: number): Float32Array {
	const rotated = new Float32Array(audio.length);
	rotated.set(audio.subarray(start));
	rotated.set(audio.subarray(0, start), audio.length - start);
	return rotated;
}
