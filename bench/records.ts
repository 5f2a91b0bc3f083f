import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './paths.js';
import type { BenchResults } from './results.js';
import type { SoakRecord } from './soak-verdict.js';

/**
 * What BENCHMARKS.md reports beside its own run: the soak, which runs apart for hours, and full
 * runs on other CPUs (int8 depends on VNNI) and earlier ones on this CPU, each as its run wrote it.
 */
export interface Records {
	soak: SoakRecord | null;
	otherCpus: { file: string; results: BenchResults }[];
}

const SOAK_RECORD = join(REPO_ROOT, 'bench', 'results', 'soak.json');
const OTHER_CPUS_DIR = join(REPO_ROOT, 'bench', 'results', 'other-cpus');

export function readRecords(): Records {
	const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T;
	return {
		soak: existsSync(SOAK_RECORD) ? readJson<SoakRecord>(SOAK_RECORD) : null,
		otherCpus: existsSync(OTHER_CPUS_DIR)
			? readdirSync(OTHER_CPUS_DIR)
					.filter((file) => file.endsWith('.json'))
					.sort()
					.map((file) => join(OTHER_CPUS_DIR, file))
					.map((path) => ({
						file: relative(REPO_ROOT, path),
						results: readJson<BenchResults>(path),
					}))
			: [],
	};
}
