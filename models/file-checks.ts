import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import type { CatalogFile } from './catalog.js';
import { onnxStructureProblem } from './onnx-structure.js';

/**
 * Why the file at `path` cannot be the catalog's `file`, or null: its size (the server's announced
 * size and the catalog's when exact), its content (complete ONNX structure, parseable JSON / YAML,
 * a Kaldi am.mvn) and its sha256 when the catalog has one. Catches error pages served with 200, cut
 * downloads and wrong files before they are renamed into place.
 */
export async function fileProblem(
	file: CatalogFile,
	path: string,
	announcedBytes?: number,
): Promise<string | null> {
	const bytes = statSync(path).size;
	if (announcedBytes !== undefined && bytes !== announcedBytes)
		return `it has ${bytes} bytes but the server announced ${announcedBytes}`;
	if (!file.approximate && bytes !== file.bytes) return `it has ${bytes} bytes, not ${file.bytes}`;
	const content = contentProblem(file.name, path);
	if (content) return content;
	if (file.sha256) {
		const actual = await sha256File(path);
		if (actual !== file.sha256) return `its sha256 is ${actual}, not ${file.sha256}`;
	}
	return null;
}

/** Content sanity by file type; other types are only size-checked. */
function contentProblem(name: string, path: string): string | null {
	if (name.endsWith('.onnx')) return onnxStructureProblem(path);
	if (name.endsWith('.json')) return jsonProblem(path);
	if (name.endsWith('.yaml') || name.endsWith('.yml')) return yamlProblem(path);
	if (name.endsWith('.mvn')) return mvnProblem(path);
	return null;
}

export function sha256File(path: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const hash = createHash('sha256');
		createReadStream(path)
			.on('data', (chunk) => hash.update(chunk))
			.on('error', reject)
			.on('end', () => resolve(hash.digest('hex')));
	});
}

function jsonProblem(path: string): string | null {
	try {
		JSON.parse(readFileSync(path, 'utf8'));
		return null;
	} catch {
		return 'it is not valid JSON';
	}
}

function yamlProblem(path: string): string | null {
	try {
		const parsed: unknown = parse(readFileSync(path, 'utf8'));
		return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
			? null
			: 'it is not a YAML mapping';
	} catch {
		return 'it is not valid YAML';
	}
}

function mvnProblem(path: string): string | null {
	return readFileSync(path, 'utf8').trimStart().startsWith('<Nnet>')
		? null
		: 'it is not a Kaldi nnet CMVN file (no <Nnet> header)';
}
