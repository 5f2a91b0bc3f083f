import { lstatSync } from 'node:fs';
import { inspectModel, type ModelState } from './cache.js';
import type { CatalogModel } from './catalog.js';
import { fileProblem } from './file-checks.js';

export interface FileReport {
	name: string;
	path: string;
	/** Size on disk, or null when missing. */
	bytes: number | null;
	problem: string | null;
	/**
	 * Whether the file matched a published sha256. Without one in the catalog, a file of the right
	 * size and format can still be another model's: it passes, but unverified.
	 */
	verified: boolean;
}

export interface ModelReport {
	model: CatalogModel;
	directory: string;
	files: FileReport[];
	/** No file has a problem. */
	ok: boolean;
	/** Every file matched its published sha256. */
	verified: boolean;
}

/** Checks every file of an installed (or partly installed) model: present, a regular file, size, content, sha256 when known. */
export async function verifyModel(model: CatalogModel, root: string): Promise<ModelReport> {
	const state = inspectModel(model, root);
	const files = await Promise.all(
		state.files.map(async (file): Promise<FileReport> => {
			const problem = isLink(file.path)
				? 'it is a symbolic link, not a regular file (the cache holds regular files only)'
				: file.bytes === null
					? 'missing'
					: await fileProblem(file.file, file.path);
			return {
				name: file.file.name,
				path: file.path,
				bytes: file.bytes,
				problem,
				verified: problem === null && file.file.sha256 !== undefined,
			};
		}),
	);
	const ok = files.every((file) => file.problem === null);
	return {
		model,
		directory: state.directory,
		files,
		ok,
		verified: ok && files.every((file) => file.verified),
	};
}

/**
 * Whether the model's weights (or an interrupted download of them) are in the cache: what `verify`
 * looks at by default. The config files alone don't count: the fp32 and int8 Paraformer share them.
 */
export function hasWeights(state: ModelState): boolean {
	return state.files.some(
		(file) =>
			file.file.name.endsWith('.onnx') && (file.bytes !== null || file.partialBytes !== null),
	);
}

function isLink(path: string): boolean {
	try {
		return lstatSync(path).isSymbolicLink();
	} catch {
		return false;
	}
}
