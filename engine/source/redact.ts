/** What a secret becomes in logs, errors and items. */
export const MASK = '***';

/** Schemes whose last path segment is a stream key (rtmp://host/app/KEY). */
const KEYED_SCHEMES = new Set(['rtmp', 'rtmps', 'rtmpt', 'rtmpts', 'rtmpe', 'rtmpte']);

/** udp's options (localaddr, pkt_size, sources…) carry no secret: they stay readable. */
const PLAIN_QUERY_SCHEMES = new Set(['udp']);

/** Query fields holding an SRT stream id, which may use the access-control form `#!::r=…,s=…`. */
const SRT_STREAM_ID_FIELDS = new Set(['streamid', 'srt_streamid']);

/** Keys of SRT's access-control stream id whose values are enumerations (mode, type), not secrets. */
const SRT_PUBLIC_KEYS = new Set(['m', 't']);

const SRT_ACCESS_CONTROL = '#!::';

/** Shorter values are too common to mask in free text; inside URLs they are masked anyway. */
const MIN_SECRET_LENGTH = 4;

/** A URL inside free text: it ends at whitespace, a quote or an angle bracket. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi;

/** Punctuation that ends a sentence or an ffmpeg message ("rtmp://host/app/key: Input/output error"). */
const TRAILING_PUNCTUATION = /[:;,.!?)\]]+$/;

const URL_START = /^([a-z][a-z0-9+.-]*):\/\//i;

const SPACE_OR_CONTROL = /[\s\p{Cc}]/u;

/**
 * A URL split the way ffmpeg reads it: there is no fragment (ffmpeg keeps `#` in the path, and
 * SRT's `streamid=#!::…` is a query value), the query starts at the first `?`. The userinfo ends
 * at the last `@` before the query, so that a password with an unencoded `/` or `#` is still
 * taken for one.
 */
export interface UrlParts {
	/** Lower case: ffmpeg looks protocols up case-sensitively. */
	scheme: string;
	/** Before the `@`; undefined without `@` (udp://@:1234 has an empty one). */
	userinfo: string | undefined;
	hostAndPort: string;
	/** From the first `/` or `#` after the host up to the query. */
	path: string;
	/** After the first `?`, `#` included; undefined without `?`. */
	query: string | undefined;
}

export function splitUrl(url: string): UrlParts | undefined {
	const start = URL_START.exec(url);
	if (!start) return undefined;
	const rest = url.slice(start[0].length);
	const queryAt = rest.indexOf('?');
	const beforeQuery = queryAt >= 0 ? rest.slice(0, queryAt) : rest;
	const at = beforeQuery.lastIndexOf('@');
	const authorityAndPath = beforeQuery.slice(at + 1);
	const pathAt = authorityAndPath.search(/[/#]/);
	return {
		scheme: start[1].toLowerCase(),
		userinfo: at >= 0 ? beforeQuery.slice(0, at) : undefined,
		hostAndPort: pathAt >= 0 ? authorityAndPath.slice(0, pathAt) : authorityAndPath,
		path: pathAt >= 0 ? authorityAndPath.slice(pathAt) : '',
		query: queryAt >= 0 ? rest.slice(queryAt + 1) : undefined,
	};
}

/** The URL again, scheme in lower case, everything else as given. */
export function joinUrl(parts: UrlParts): string {
	const userinfo = parts.userinfo === undefined ? '' : `${parts.userinfo}@`;
	const query = parts.query === undefined ? '' : `?${parts.query}`;
	return `${parts.scheme}://${userinfo}${parts.hostAndPort}${parts.path}${query}`;
}

/**
 * Masks the secrets a stream URL carries, following each protocol's syntax: the userinfo, the
 * stream key (the last path segment of rtmp URLs), every query value (tokens, `key=`, `sign=`,
 * SRT's `passphrase=`), the values of SRT's access-control stream id (`#!::r=***,m=request,s=***`)
 * and anything after a `#` in a path. udp's options stay readable. Names stay readable so that a
 * log still says which server and which parameter.
 */
export function redactUrl(url: string): string {
	const parts = splitUrl(url);
	return parts ? maskUrl(parts) : url;
}

export function maskUrl(parts: UrlParts): string {
	return joinUrl({
		...parts,
		userinfo: parts.userinfo === undefined || parts.userinfo === '' ? parts.userinfo : MASK,
		path: KEYED_SCHEMES.has(parts.scheme) ? maskStreamKey(parts.path) : maskAfterHash(parts.path),
		query:
			parts.query === undefined || PLAIN_QUERY_SCHEMES.has(parts.scheme)
				? parts.query
				: maskQuery(parts.scheme, parts.query),
	});
}

/**
 * The strings of a URL to mask in free text, where ffmpeg may print them apart from the URL:
 * the userinfo and its parts, the rtmp stream key, query values, an SRT stream id and its values;
 * each also percent-decoded.
 */
export function urlSecrets(parts: UrlParts): string[] {
	const secrets: string[] = [];
	if (parts.userinfo) secrets.push(parts.userinfo, ...parts.userinfo.split(':'));
	if (KEYED_SCHEMES.has(parts.scheme)) {
		const named = parts.path.split('/').filter((segment) => segment !== '');
		if (named.length >= 2) secrets.push(named[named.length - 1]);
	}
	const hash = parts.path.indexOf('#');
	if (hash >= 0) secrets.push(parts.path.slice(hash + 1));
	if (parts.query !== undefined && !PLAIN_QUERY_SCHEMES.has(parts.scheme)) {
		for (const field of parts.query.split('&')) {
			const value = field.slice(field.indexOf('=') + 1);
			secrets.push(value);
			const decoded = safeDecode(value);
			if (decoded.startsWith(SRT_ACCESS_CONTROL)) {
				for (const pair of decoded.slice(SRT_ACCESS_CONTROL.length).split(',')) {
					const equals = pair.indexOf('=');
					if (SRT_PUBLIC_KEYS.has(pair.slice(0, equals))) continue;
					const inner = pair.slice(equals + 1);
					// r=live/KEY: servers and logs also show the key alone.
					secrets.push(inner, inner.slice(inner.lastIndexOf('/') + 1));
				}
			}
		}
	}
	return [...new Set(secrets.flatMap((secret) => [secret, safeDecode(secret)]))].filter(
		(secret) => secret.length >= MIN_SECRET_LENGTH,
	);
}

/**
 * A URL as a person typed it, for an error message: masked, and nothing after its first space or
 * line break (a key pasted with a comment, a second URL on the next line). Text that is no
 * `scheme://` URL shows only up to its first `/`, `?`, `#` or `@` (`host:1935`, not a path).
 */
export function redactTypedUrl(text: string): string {
	const trimmed = text.trim();
	const end = trimmed.search(SPACE_OR_CONTROL);
	const first = end >= 0 ? trimmed.slice(0, end) : trimmed;
	const parts = splitUrl(first);
	const shown = parts ? maskUrl(parts) : first.slice(0, first.search(/[/?#@]|$/));
	const cutShort = end >= 0 || (!parts && shown !== first);
	return cutShort ? `${shown} …` : shown;
}

/**
 * Masks every URL in the text with {@link redactUrl}, then every explicit secret (and its
 * percent-encoded form) wherever it still appears. URLs first, so that they keep their readable
 * structure (`streamid=#!::r=***,m=request`). Meant for anything that reaches a log, an error or
 * an item, ffmpeg's stderr included.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
	let redacted = text.replace(URL_IN_TEXT, (match) => {
		const trailing = TRAILING_PUNCTUATION.exec(match)?.[0] ?? '';
		return redactUrl(match.slice(0, match.length - trailing.length)) + trailing;
	});
	for (const secret of secretVariants(secrets)) redacted = redacted.split(secret).join(MASK);
	return redacted;
}

function maskStreamKey(path: string): string {
	const segments = path.split('/');
	const named = segments.flatMap((segment, index) => (segment === '' ? [] : [index]));
	// rtmp://host/app has no key; rtmp://host/app/key and rtmp://host/app/instance/key do.
	if (named.length < 2) return maskAfterHash(path);
	segments[named[named.length - 1]] = MASK;
	return segments.join('/');
}

function maskAfterHash(path: string): string {
	const hash = path.indexOf('#');
	return hash >= 0 ? `${path.slice(0, hash)}#${MASK}` : path;
}

function maskQuery(scheme: string, query: string): string {
	return query
		.split('&')
		.map((field) => {
			if (field === '') return field;
			const equals = field.indexOf('=');
			if (equals < 0) return MASK;
			const name = field.slice(0, equals);
			const value =
				scheme === 'srt' && SRT_STREAM_ID_FIELDS.has(name)
					? maskSrtStreamId(field.slice(equals + 1))
					: MASK;
			return `${name}=${value}`;
		})
		.join('&');
}

/** `#!::r=live/KEY,m=request,s=TOKEN` → `#!::r=***,m=request,s=***`; any other stream id is masked whole. */
function maskSrtStreamId(value: string): string {
	const decoded = safeDecode(value);
	if (!decoded.startsWith(SRT_ACCESS_CONTROL)) return MASK;
	const pairs = decoded
		.slice(SRT_ACCESS_CONTROL.length)
		.split(',')
		.map((pair) => {
			const equals = pair.indexOf('=');
			if (equals < 0) return MASK;
			const key = pair.slice(0, equals);
			return SRT_PUBLIC_KEYS.has(key) ? pair : `${key}=${MASK}`;
		});
	return SRT_ACCESS_CONTROL + pairs.join(',');
}

/** Longest first, so that a secret containing another one is masked whole. */
function secretVariants(secrets: readonly string[]): string[] {
	const variants = new Set<string>();
	for (const secret of secrets) {
		if (secret === '') continue;
		variants.add(secret);
		variants.add(encodeURIComponent(secret));
	}
	return [...variants].sort((a, b) => b.length - a.length);
}

function safeDecode(text: string): string {
	try {
		return decodeURIComponent(text);
	} catch {
		return text;
	}
}
