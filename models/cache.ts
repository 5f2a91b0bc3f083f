import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { EngineError } from '../engine/errors.js';
import {
	defaultCatalog,
	findModel,
	type Catalog,
	type CatalogFile,
	type CatalogModel,
} from './catalog.js';
import { downloadSources, type Environment } from './sources.js';

/** Overrides the default cache root (an explicit directory overrides both). */
export const MODEL_DIR_ENV = 'RTMP_ASR_MODEL_DIR';
export const PARTIAL_SUFFIX = '.partial';

export interface CacheOptions {
	catalog?: Catalog;
	env?: Environment;
}

export interface InstalledModel {
	model: CatalogModel;
	/** The model's own directory, ready for the engine's loaders. */
	directory: string;
}

export interface FileState {
	file: CatalogFile;
	path: string;
	/** Size on disk, or null when absent. */
	bytes: number | null;
	/** Size of an interrupted download (`<file>.partial`), or null. */
	partialBytes: number | null;
}

export interface ModelState {
	model: CatalogModel;
	directory: string;
	files: FileState[];
	installed: boolean;
}

/** The folder n8n keeps its data in: `<N8N_USER_FOLDER or the home directory>/.n8n`, as n8n derives it. */
export function n8nFolder(env: Environment = process.env): string {
	const home =
		env.N8N_USER_FOLDER || (process.platform === 'win32' ? env.USERPROFILE : env.HOME) || homedir();
	return join(home, '.n8n');
}

/** The cache root: the explicit directory, else RTMP_ASR_MODEL_DIR, else `<n8n folder>/rtmp-asr/models`. */
export function modelRoot(dir?: string, env: Environment = process.env): string {
	return resolve(dir || env[MODEL_DIR_ENV] || join(n8nFolder(env), 'rtmp-asr', 'models'));
}

/** Models live in `<root>/<FunASR id>/`, the layout FunASR's own tools download to. */
export function modelDirectory(root: string, model: CatalogModel): string {
	return join(root, model.id);
}

/** One lock per model directory: the fp32 and int8 Paraformer share theirs. */
export function lockPath(root: string, model: CatalogModel): string {
	return join(root, `${model.id}.lock`);
}

export function inspectModel(model: CatalogModel, root: string): ModelState {
	const directory = modelDirectory(root, model);
	const files = model.files.map((file): FileState => {
		const path = join(directory, file.name);
		return { file, path, bytes: sizeOf(path), partialBytes: sizeOf(path + PARTIAL_SUFFIX) };
	});
	return { model, directory, files, installed: files.every(isComplete) };
}

/** Present, not empty, and of the catalog's size when that size is exact. */
function isComplete(state: FileState): boolean {
	if (state.bytes === null || state.bytes === 0) return false;
	return state.file.approximate || state.bytes === state.file.bytes;
}

/**
 * The directory of an installed model, or an error naming the directory, the command that fills it
 * and the files to copy there by hand.
 */
export function resolveModel(
	nameOrId: string,
	dir?: string,
	options: CacheOptions = {},
): InstalledModel {
	const env = options.env ?? process.env;
	const model = findModel(options.catalog ?? defaultCatalog(), nameOrId);
	const root = modelRoot(dir, env);
	const state = inspectModel(model, root);
	if (state.installed) return { model, directory: state.directory };
	throw notInstalled(state, root, options.catalog ?? defaultCatalog(), env);
}

function notInstalled(
	state: ModelState,
	root: string,
	catalog: Catalog,
	env: Environment,
): EngineError {
	const missing = state.files.filter((file) => !isComplete(file)).map((file) => file.file.name);
	const interrupted = state.files
		.filter((file) => file.partialBytes !== null)
		.map((file) => file.file.name + PARTIAL_SUFFIX);
	const [source] = downloadSources(catalog, env);
	const from = source ? ` from ${source.pageUrl(state.model.id)}` : '';
	return new EngineError(
		'MODEL_MISSING',
		`Model "${state.model.name}" (FunASR ${state.model.id}) is not installed in "${state.directory}": ${listOf(missing)} ${missing.length === 1 ? 'is' : 'are'} missing.`,
		`Run \`rtmp-asr models pull ${state.model.name} --dir ${root}\`` +
			(interrupted.length > 0 ? ` (it resumes the interrupted ${listOf(interrupted)})` : '') +
			`, or copy ${listOf(state.model.files.map((file) => file.name))}${from} into "${state.directory}" by hand.`,
	);
}

export function listOf(items: readonly string[]): string {
	if (items.length <= 1) return items.join('');
	return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function sizeOf(path: string): number | null {
	try {
		const stats = statSync(path);
		return stats.isFile() ? stats.size : null;
	} catch {
		return null;
	}
}
