import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../engine/errors.js';

export type ModelKind = 'asr' | 'vad' | 'punc';
const KINDS: readonly ModelKind[] = ['asr', 'vad', 'punc'];

export interface CatalogFile {
	/** File name inside the model directory, exactly as FunASR's export names it. */
	name: string;
	/** Size in bytes. When `approximate`, a hint for display and progress, and with a margin the most a download may bring (maxBytesOf). */
	bytes: number;
	approximate: boolean;
	/** Lower-case hex; checked after download and by `models verify` when present. */
	sha256?: string;
}

/** The recognizer families the engine runs (it tells them apart by their graphs; the catalog says it ahead, for the node's choices). */
export type RecognizerFamilyName = 'paraformer' | 'sensevoice';
const FAMILIES: readonly RecognizerFamilyName[] = ['paraformer', 'sensevoice'];

export interface CatalogModel {
	/** Short name used on the command line and in the node (`paraformer-zh`). */
	name: string;
	/** FunASR model id (`speech_fsmn_vad_zh-cn-16k-common-onnx`): the repository and the cache folder. */
	id: string;
	kind: ModelKind;
	/** Recognizers only: which family; absent means Paraformer. */
	family?: RecognizerFamilyName;
	description: string;
	files: CatalogFile[];
}

/** A download site: `base` (or the environment variable `baseEnv`, for private mirrors) + `file` with `{id}`/`{file}` filled in. */
export interface CatalogSource {
	name: string;
	base: string;
	baseEnv: string;
	file: string;
	/** Where a person finds the files to copy by hand. */
	page: string;
}

export interface Catalog {
	sources: CatalogSource[];
	models: CatalogModel[];
}

export const CATALOG_PATH = join(__dirname, 'catalog.json');

let bundled: Catalog | undefined;

/** The catalog shipped with the package (models/catalog.json, copied beside this file at build). */
export function defaultCatalog(): Catalog {
	bundled ??= loadCatalog(CATALOG_PATH);
	return bundled;
}

export function loadCatalog(path: string): Catalog {
	let raw: unknown;
	try {
		raw = JSON.parse(readFileSync(path, 'utf8'));
	} catch (cause) {
		throw new EngineError(
			'MODEL_INVALID',
			`The model catalog "${path}" is missing or not JSON.`,
			'Reinstall the package (the build copies models/catalog.json).',
			{ cause },
		);
	}
	return validateCatalog(raw, path);
}

/** Checks a parsed catalog field by field; the first problem found is reported with its place. */
export function validateCatalog(raw: unknown, where = 'model catalog'): Catalog {
	const problem = (what: string): EngineError =>
		new EngineError(
			'MODEL_INVALID',
			`${where}: ${what}.`,
			'Fix the catalog entry (see models/catalog.json for the format).',
		);
	const root = record(raw, 'the catalog', problem);
	const sources = array(root.sources, 'sources', problem).map((value, i) => {
		const source = record(value, `sources[${i}]`, problem);
		const parsed: CatalogSource = {
			name: text(source.name, `sources[${i}].name`, problem),
			base: url(source.base, `sources[${i}].base`, problem),
			baseEnv: text(source.baseEnv, `sources[${i}].baseEnv`, problem),
			file: text(source.file, `sources[${i}].file`, problem),
			page: text(source.page, `sources[${i}].page`, problem),
		};
		if (!parsed.file.includes('{id}') || !parsed.file.includes('{file}'))
			throw problem(`sources[${i}].file must contain {id} and {file}`);
		return parsed;
	});
	const models = array(root.models, 'models', problem).map((value, i) =>
		parseModel(value, `models[${i}]`, problem),
	);
	const names = new Set<string>();
	for (const model of models) {
		if (names.has(model.name)) throw problem(`the name "${model.name}" is used twice`);
		names.add(model.name);
	}
	for (const model of models) {
		if (models.some((other) => other.id === model.name))
			throw problem(`the name "${model.name}" is also a FunASR id`);
	}
	return { sources, models };
}

/** A model by short name or FunASR id; an id shared by several entries (fp32 and int8) gives the first listed. */
export function findModel(catalog: Catalog, nameOrId: string): CatalogModel {
	const model =
		catalog.models.find((m) => m.name === nameOrId) ??
		catalog.models.find((m) => m.id === nameOrId);
	if (model) return model;
	throw new EngineError(
		'BAD_OPTION',
		`Unknown model "${nameOrId}".`,
		`Known models: ${catalog.models.map((m) => m.name).join(', ')} (or their FunASR ids; see \`rtmp-asr models list\`).`,
	);
}

/** A recognizer's family as the catalog lists it (Paraformer unless it says otherwise). */
export function recognizerFamilyOf(model: CatalogModel): RecognizerFamilyName {
	return model.family ?? 'paraformer';
}

/** Whether the model's weights are FunASR's int8 export: pass it as the loaders' `quantized` option. */
export function isQuantized(model: CatalogModel): boolean {
	return model.files.some((file) => file.name === 'model_quant.onnx');
}

/** How much larger than an approximate catalog size a file may be: a fraction of it plus a fixed allowance for small files. */
export const APPROXIMATE_SIZE_MARGIN = { fraction: 0.25, bytes: 1_000_000 } as const;

/**
 * The most a download of `file` may bring: its exact size, or its approximate size plus the margin.
 * A server announcing more is refused, a body running longer is cut off.
 */
export function maxBytesOf(file: CatalogFile): number {
	if (!file.approximate) return file.bytes;
	return (
		Math.ceil(file.bytes * (1 + APPROXIMATE_SIZE_MARGIN.fraction)) + APPROXIMATE_SIZE_MARGIN.bytes
	);
}

export function totalBytes(model: CatalogModel): number {
	return model.files.reduce((sum, file) => sum + file.bytes, 0);
}

type Problem = (what: string) => EngineError;

function parseModel(value: unknown, at: string, problem: Problem): CatalogModel {
	const entry = record(value, at, problem);
	const kind = text(entry.kind, `${at}.kind`, problem);
	if (!(KINDS as readonly string[]).includes(kind))
		throw problem(`${at}.kind must be one of ${KINDS.join(', ')}, not "${kind}"`);
	const files = array(entry.files, `${at}.files`, problem).map((file, i) =>
		parseFile(file, `${at}.files[${i}]`, problem),
	);
	if (files.length === 0) throw problem(`${at}.files is empty`);
	const fileNames = new Set(files.map((file) => file.name));
	if (fileNames.size !== files.length) throw problem(`${at}.files lists a file twice`);
	const model: CatalogModel = {
		name: safeName(entry.name, `${at}.name`, problem),
		id: safeName(entry.id, `${at}.id`, problem),
		kind: kind as ModelKind,
		description: text(entry.description, `${at}.description`, problem),
		files,
	};
	if (entry.family !== undefined) {
		if (kind !== 'asr') throw problem(`${at}.family is for recognizers (kind asr) only`);
		if (!(FAMILIES as readonly unknown[]).includes(entry.family))
			throw problem(`${at}.family must be one of ${FAMILIES.join(', ')}`);
		model.family = entry.family as RecognizerFamilyName;
	}
	return model;
}

function parseFile(value: unknown, at: string, problem: Problem): CatalogFile {
	const entry = record(value, at, problem);
	const bytes = entry.bytes;
	if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes <= 0)
		throw problem(`${at}.bytes must be a positive whole number`);
	const approximate = entry.approximate ?? false;
	if (typeof approximate !== 'boolean') throw problem(`${at}.approximate must be true or false`);
	const file: CatalogFile = {
		name: safeName(entry.name, `${at}.name`, problem),
		bytes,
		approximate,
	};
	if (entry.sha256 !== undefined) {
		if (typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256))
			throw problem(`${at}.sha256 must be 64 lower-case hex digits`);
		file.sha256 = entry.sha256;
	}
	return file;
}

function record(value: unknown, at: string, problem: Problem): Record<string, unknown> {
	if (value && typeof value === 'object' && !Array.isArray(value))
		return value as Record<string, unknown>;
	throw problem(`${at} must be an object`);
}

function array(value: unknown, at: string, problem: Problem): unknown[] {
	if (Array.isArray(value)) return value;
	throw problem(`${at} must be a list`);
}

function text(value: unknown, at: string, problem: Problem): string {
	if (typeof value === 'string' && value.length > 0) return value;
	throw problem(`${at} must be a non-empty string`);
}

/** Names become path components and URL segments: no separators, no dot-only names. */
function safeName(value: unknown, at: string, problem: Problem): string {
	const name = text(value, at, problem);
	if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return name;
	throw problem(`${at} "${name}" may only contain letters, digits, ".", "_" and "-"`);
}

function url(value: unknown, at: string, problem: Problem): string {
	const base = text(value, at, problem);
	if (/^https?:\/\/[^/]+/.test(base)) return base;
	throw problem(`${at} "${base}" must be an http(s) URL`);
}
