import { EngineError } from '../engine/errors.js';
import { redactUrl } from '../engine/source/redact.js';
import type { Catalog } from './catalog.js';

/** Base URLs of private mirrors tried before the public sites; each holds `<id>/<file>` like the cache does. */
export const MIRROR_ENV = 'RTMP_ASR_MODEL_MIRROR';

export type Environment = Readonly<Record<string, string | undefined>>;

/** One place to download from, with the environment's overrides applied. */
export interface DownloadSource {
	name: string;
	/** What to fetch: the base's path, then the file's, then the base's query (`?token=…`); never credentials. */
	fileUrl(id: string, file: string): string;
	/** The same URL with its query values masked, for progress lines and errors. */
	shownFileUrl(id: string, file: string): string;
	/** Where a person finds the files to copy by hand (masked like shownFileUrl). */
	pageUrl(id: string): string;
	/** Sent with every request: `Authorization: Basic` when the base URL had `user:password@`. */
	headers: Readonly<Record<string, string>>;
}

/**
 * Where to download from, in the order to try: the mirrors of RTMP_ASR_MODEL_MIRROR (comma-separated),
 * then the catalog's sites, each with its base URL replaced by its environment variable when set.
 */
export function downloadSources(
	catalog: Catalog,
	env: Environment = process.env,
): DownloadSource[] {
	const mirrors = (env[MIRROR_ENV] ?? '').split(/[\s,]+/).filter((base) => base.length > 0);
	const fromMirrors = mirrors.map((base, i) =>
		template(
			mirrors.length > 1 ? `mirror ${i + 1}` : 'mirror',
			checkedBase(base, MIRROR_ENV),
			'{id}/{file}',
			'{id}/',
		),
	);
	const fromCatalog = catalog.sources.map((source) => {
		const override = env[source.baseEnv];
		const base = override ? checkedBase(override, source.baseEnv) : new URL(source.base);
		return template(source.name, base, source.file, source.page);
	});
	return [...fromMirrors, ...fromCatalog];
}

/**
 * fetch refuses URLs with credentials, so a base's `user:password@` becomes a Basic Authorization
 * header; the file's path goes into the base's path, before its query string.
 */
function template(name: string, base: URL, file: string, page: string): DownloadSource {
	const headers: Record<string, string> = {};
	if (base.username || base.password) {
		const credentials = `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`;
		headers.authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
	}
	const root = new URL(base.href);
	root.username = '';
	root.password = '';
	root.hash = '';
	const rootPath = root.pathname.replace(/\/+$/, '');
	const fill = (pattern: string, id: string, fileName = '') => {
		const url = new URL(root.href);
		url.pathname = `${rootPath}/${pattern.replaceAll('{id}', id).replaceAll('{file}', fileName)}`;
		return url.href;
	};
	return {
		name,
		headers,
		fileUrl: (id, fileName) => fill(file, id, fileName),
		shownFileUrl: (id, fileName) => redactUrl(fill(file, id, fileName)),
		pageUrl: (id) => redactUrl(fill(page, id)),
	};
}

function checkedBase(value: string, variable: string): URL {
	if (/^https?:\/\/[^/]+/i.test(value)) {
		try {
			return new URL(value);
		} catch {
			// Reported below, like any other malformed base.
		}
	}
	throw new EngineError(
		'BAD_OPTION',
		`${variable}="${redactUrl(value)}" is not an http(s) URL.`,
		`Set ${variable} to a base URL such as http://<host>:<port>/models (credentials as http://<user>:<password>@<host>/models), or unset it.`,
	);
}
