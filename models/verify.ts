import { inspectModel, type ModelState } from './cache.js';
import type { CatalogModel } from './catalog.js';
import { fileProblem } from './file-checks.js';

export interface FileReport {
	name: string;
	path: string;
	/** Size on disk, or null when missing. */
	bytes: number | null;
	problem: string | null;
}

export interface ModelReport {
	model: CatalogModel;
	directory: string;
	files: FileReport[];
	ok: boolean;
}

/** Checks every file of an installed (or partly installed) model: present, size, content, sha256 when known. */
export async function verifyModel(model: CatalogModel, root: string): Promise<ModelReport> {
	const state = inspectModel(model, root);
	const files = await Promise.all(state.files.map(async (file): Promise<FileReport> => ({
		name: file.file.name,
		path: file.path,
		bytes: file.bytes,
		problem: file.bytes === null ? 'missing' : await fileProblem(file.file, file.path),
	})));
	return { model, directory: state.directory, files, ok: files.every((file) => file.problem === null) };
}

/**
 * Whether the model's weights (or an interrupted download of them) are in the cache: what `verify`
 * looks at by default. The config files alone don't count: the fp32 and int8 Paraformer share them.
 */
export function hasWeights(state: ModelState): boolean {
	return state.files.some((file) => file.file.name.endsWith('.onnx') && (file.bytes !== null || file.partialBytes !== null));
}
