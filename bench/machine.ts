import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';

export interface Machine {
	cpuModel: string;
	cores: number;
	/** SIMD features onnxruntime's kernels choose between. */
	simd: string[];
	memoryGiB: number;
	node: string;
	onnxruntimeNode: string;
	sherpaOnnxNode: string;
	/** The onnxruntime sherpa-onnx-node bundles. */
	sherpaOnnxruntime: string;
	gitCommit: string;
	date: string;
}

const SIMD_FLAGS = [
	'avx2',
	'fma',
	'avx512f',
	'avx512bw',
	'avx512_vnni',
	'avx_vnni',
	'avx512_bf16',
	'amx_int8',
];

export function describeMachine(): Machine {
	const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
	const flags = new Set((cpuinfoField(cpuinfo, 'flags') ?? '').trim().split(/\s+/));
	return {
		cpuModel: cpuModelOf(cpuinfo),
		cores: cpus().length,
		simd: SIMD_FLAGS.filter((flag) => flags.has(flag)),
		memoryGiB: Math.round(totalmem() / 2 ** 30),
		node: process.version,
		onnxruntimeNode: packageVersion('onnxruntime-node'),
		sherpaOnnxNode: packageVersion('sherpa-onnx-node'),
		sherpaOnnxruntime: sherpaOnnxruntimeVersion(),
		gitCommit: gitCommit(),
		date: new Date().toISOString(),
	};
}

/**
 * Virtual machines often name only the vendor line ("AMD EPYC"), which hides the generation whose
 * kernels differ (Zen 4 has no AVX-VNNI, Zen 5 has): the family and model numbers tell them apart.
 */
function cpuModelOf(cpuinfo: string): string {
	const name = cpuinfoField(cpuinfo, 'model name') ?? cpus()[0]?.model ?? 'unknown';
	const family = cpuinfoField(cpuinfo, 'cpu family');
	const model = cpuinfoField(cpuinfo, 'model');
	return family && model ? `${name} (family ${family} model ${model})` : name;
}

/** The first CPU's value of a /proc/cpuinfo field. */
function cpuinfoField(cpuinfo: string, name: string): string | undefined {
	return cpuinfo.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm'))?.[1];
}

/** Busy CPU time of the whole machine and of this process tree, to tell how much others took. */
export interface CpuAccount {
	machineBusySeconds: number;
	ownSeconds: number;
	wallSeconds: number;
	loadAverage: number;
}

let clockTicks: number | undefined;
const ticksPerSecond = () =>
	(clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100);

export function cpuAccount(): CpuAccount {
	const ticks = ticksPerSecond();
	const total = readFileSync('/proc/stat', 'utf8')
		.split('\n')[0]
		.trim()
		.split(/\s+/)
		.slice(1)
		.map(Number);
	// user nice system idle iowait irq softirq steal: idle and iowait are not busy.
	const busy = total
		.slice(0, 8)
		.reduce((sum, value, i) => (i === 3 || i === 4 ? sum : sum + value), 0);
	// utime stime cutime cstime: this process and the children it has waited for.
	const self = readFileSync('/proc/self/stat', 'utf8');
	const fields = self
		.slice(self.lastIndexOf(')') + 2)
		.split(' ')
		.map(Number);
	const own = fields[11] + fields[12] + fields[13] + fields[14];
	return {
		machineBusySeconds: busy / ticks,
		ownSeconds: own / ticks,
		wallSeconds: performance.now() / 1000,
		loadAverage: loadavg()[0],
	};
}

/** Cores the whole machine kept busy between two accounts, on average. */
export function machineBusyCores(before: CpuAccount, after: CpuAccount): number {
	return (
		(after.machineBusySeconds - before.machineBusySeconds) /
		(after.wallSeconds - before.wallSeconds)
	);
}

/** Core-seconds other processes used between two accounts, per second of wall time. */
export function othersLoad(before: CpuAccount, after: CpuAccount): number {
	const others =
		after.machineBusySeconds - before.machineBusySeconds - (after.ownSeconds - before.ownSeconds);
	return Math.max(0, others) / (after.wallSeconds - before.wallSeconds);
}

/** /proc/<pid>/stat: utime + stime in seconds and the start time (ticks since boot); undefined once gone. */
function processTimes(
	pid: number | 'self',
): { cpuSeconds: number; startTicks: number } | undefined {
	let stat: string;
	try {
		stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	} catch {
		return undefined;
	}
	// The fields after "pid (comm) ": state is [0], utime [11], stime [12], starttime [19].
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return {
		cpuSeconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond(),
		startTicks: Number(fields[19]),
	};
}

/**
 * The CPU a changing set of processes used (e.g. the ffmpeg readers of many streams): each update
 * adds what each process used since it was last seen, all of it for a process seen the first time.
 * A process that exits between two updates loses what it used after the earlier one.
 */
export class ProcessGroupCpu {
	private readonly seen = new Map<string, number>();
	private used = 0;

	/** Counts the processes' CPU up to now; returns the core-seconds added. */
	update(pids: readonly number[]): number {
		let added = 0;
		for (const pid of pids) {
			const times = processTimes(pid);
			if (!times) continue;
			const key = `${pid}@${times.startTicks}`;
			added += times.cpuSeconds - (this.seen.get(key) ?? 0);
			this.seen.set(key, times.cpuSeconds);
		}
		this.used += added;
		return added;
	}

	/** Core-seconds counted so far. */
	get seconds(): number {
		return this.used;
	}
}

function packageVersion(name: string): string {
	try {
		return (
			JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
				version: string;
			}
		).version;
	} catch {
		return 'not installed';
	}
}

function sherpaOnnxruntimeVersion(): string {
	try {
		return (require('sherpa-onnx-node') as { onnxruntimeVersion: string }).onnxruntimeVersion;
	} catch {
		return 'unknown';
	}
}

function gitCommit(): string {
	try {
		const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
			cwd: REPO_ROOT,
			encoding: 'utf8',
		}).trim();
		const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
			cwd: REPO_ROOT,
			encoding: 'utf8',
		}).trim();
		return dirty ? `${commit} (with uncommitted changes)` : commit;
	} catch {
		return 'unknown';
	}
}
