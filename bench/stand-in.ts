import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EngineError } from '../engine/errors.js';
import { PYTHON, REPO_ROOT, SENSEVOICE_STAND_IN_DIR, STAND_IN_DIR } from './paths.js';

const GENERATOR = join(REPO_ROOT, 'tools', 'stand-ins', 'generate.py');
/** A stand-in the generator writes: its directory, its generator flag and what a complete one holds. */
export interface StandInKind {
	name: string;
	dir: string;
	flag: string;
	/** The files of a complete one (the generator renames its directory into place only when all are written). */
	markers: readonly string[];
}

/** FunASR's export layout, which every stand-in has. */
const FUNASR_FILES = ['model.onnx', 'model_quant.onnx', 'am.mvn', 'config.yaml', 'tokens.json'];

export const PARAFORMER_LARGE: StandInKind = {
	name: 'Paraformer-large-size',
	dir: STAND_IN_DIR,
	flag: '--large',
	markers: [...FUNASR_FILES, 'tokens.txt', 'reference.json'],
};

/** SenseVoiceSmall's size, FunASR's export, and in sherpa-onnx/ sherpa-onnx's re-export of the same weights. */
export const SENSEVOICE_SMALL: StandInKind = {
	name: 'SenseVoiceSmall-size',
	dir: SENSEVOICE_STAND_IN_DIR,
	flag: '--large-sensevoice',
	markers: [
		...FUNASR_FILES,
		'sherpa-onnx/model.onnx',
		'sherpa-onnx/model.int8.onnx',
		'sherpa-onnx/tokens.txt',
	],
};
const DEBIAN_PACKAGES = ['python3-torch', 'python3-onnx', 'python3-yaml', 'python3-numpy'];

export interface StandIn {
	dir: string;
	/** Seconds generating it took (this run or the one that generated it); null when unknown. */
	generatedSeconds: number | null;
	/** Whether this run generated it. */
	generatedNow: boolean;
}

/** How long the generation took, kept beside the model for later runs' reports. */
const GENERATION_RECORD = 'bench-generation.json';

/** A stand-in (Paraformer-large's size unless told), generated once into the cache (never into the repository). */
export function ensureStandIn(
	log: (line: string) => void,
	kind: StandInKind = PARAFORMER_LARGE,
): StandIn {
	const { dir, flag, markers } = kind;
	if (isComplete(dir, markers))
		return { dir, generatedSeconds: recordedSeconds(dir), generatedNow: false };
	ensurePythonPackages(log);
	// A directory of its own, renamed when complete, so an interrupted run never leaves half a model.
	const partial = `${dir}.partial-${process.pid}`;
	rmSync(partial, { recursive: true, force: true });
	mkdirSync(dirname(dir), { recursive: true });
	log(`Generating the ${kind.name} stand-in into ${dir} (once; minutes)...`);
	const started = performance.now();
	const result = spawnSync(PYTHON, [GENERATOR, flag, '--out', partial], {
		cwd: REPO_ROOT,
		stdio: ['ignore', 'inherit', 'inherit'],
	});
	if (result.status !== 0 || !isComplete(partial, markers)) {
		rmSync(partial, { recursive: true, force: true });
		throw new EngineError(
			'MODEL_MISSING',
			`${GENERATOR} ${flag} failed (exit ${result.status ?? result.signal}).`,
			'Run it by hand to see why; it needs Debian python3-torch and python3-onnx.',
		);
	}
	const seconds = (performance.now() - started) / 1000;
	writeFileSync(
		join(partial, GENERATION_RECORD),
		`${JSON.stringify({ seconds, date: new Date().toISOString() })}\n`,
	);
	rmSync(dir, { recursive: true, force: true });
	renameSync(partial, dir);
	return { dir, generatedSeconds: seconds, generatedNow: true };
}

function recordedSeconds(dir: string): number | null {
	try {
		const record = JSON.parse(readFileSync(join(dir, GENERATION_RECORD), 'utf8')) as {
			seconds?: unknown;
		};
		return typeof record.seconds === 'number' ? record.seconds : null;
	} catch {
		return null;
	}
}

function isComplete(dir: string, markers: readonly string[]): boolean {
	return markers.every((file) => existsSync(join(dir, file)));
}

function ensurePythonPackages(log: (line: string) => void): void {
	const probe = spawnSync(PYTHON, ['-c', 'import torch, onnx, yaml, numpy'], { stdio: 'ignore' });
	if (probe.status === 0) return;
	if (process.getuid?.() !== 0) {
		throw new EngineError(
			'MODEL_MISSING',
			`Generating the benchmark's stand-in model needs ${DEBIAN_PACKAGES.join(', ')} for ${PYTHON}.`,
			`Install them: sudo apt-get install ${DEBIAN_PACKAGES.join(' ')}`,
		);
	}
	log(`Installing ${DEBIAN_PACKAGES.join(' ')} from Debian (for the stand-in generator)...`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
	execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...DEBIAN_PACKAGES], {
		stdio: 'inherit',
		env,
	});
}
