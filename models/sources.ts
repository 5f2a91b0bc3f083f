import { EngineError } from '../engine/errors.js';
import type { Catalog } from './catalog.js';

/** Base URLs of private mirrors tried before the public sites; each holds `<id>/<file>` like the cache does. */
export const MIRROR_ENV = 'RTMP_ASR_MODEL_MIRROR';

export type Environment = Readonly<Record<string, string | undefined>>;

/** One place to download from, with the environment's overrides applied. */
export interface DownloadSource {
	name: string;
	fileUrl(id: string, file: string): string;
	pageUrl(id: string): string;
}

/**
 * Where to download from, in the order to try: the mirrors of RTMP_ASR_MODEL_MIRROR (comma-separated),
 * then the catalog's sites, each with its base URL replaced by its environment variable when set.
 */
export function downloadSources(catalog: Catalog, env: Environment = process.env): DownloadSource[] {
	const mirrors = (env[MIRROR_ENV] ?? '').split(/[\s,]+/).filter((base) => base.length > 0);
	const fromMirrors = mirrors.map((base, i) => template(mirrors.length > 1 ? `mirror ${i + 1}` : 'mirror', checkedBase(base, MIRROR_ENV), '{id}/{file}', '{id}/'));
	const fromCatalog = catalog.sources.map((source) => {
		const override = env[source.baseEnv];
		const base = override ? checkedBase(override, source.baseEnv) : source.base;
		return template(source.name, base, source.file, source.page);
	});
	return [...fromMirrors, ...fromCatalog];
}

function template(name: string, base: string, file: string, page: string): DownloadSource {
	const root = base.replace(/\/+$/, '');
	const fill = (pattern: string, id: string, fileName = '') => `${root}/${pattern.replaceAll('{id}', id).replaceAll('{file}', fileName)}`;
	return { name, fileUrl: (id, fileName) => fill(file, id, fileName), pageUrl: (id) => fill(page, id) };
}

function checkedBase(value: string, variable: string): string {
	if (/^https?:\/\/[^/]+/.test(value)) return value;
	throw new EngineError('BAD_OPTION', `${variable}="${value}" is not an http(s) URL.`, `Set ${variable} to a base URL such as http://<host>:<port>/models, or unset it.`);
}
