/** What a secret becomes in logs, errors and items. */
export const MASK = '***';

/** Schemes whose last path segment is a stream key (rtmp://host/app/KEY). */
const KEYED_SCHEMES = new Set(['rtmp', 'rtmps', 'rtmpt', 'rtmpts', 'rtmpe', 'rtmpte']);

/** A URL inside free text: it ends at whitespace, a quote or an angle bracket. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi;

/** Punctuation that ends a sentence or an ffmpeg message ("rtmp://host/app/key: Input/output error"). */
const TRAILING_PUNCTUATION = /[:;,.!?)\]]+$/;

const URL_PARTS = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/is;

/**
 * Masks the secrets a stream URL carries: the whole `user:password@` userinfo, the stream key
 * (the last path segment of rtmp URLs) and every query-string value (tokens, `key=`, `sign=`,
 * SRT `passphrase=`…). Names stay readable so that a log still says which server and which parameter.
 */
export function redactUrl(url: string): string {
	const parts = URL_PARTS.exec(url);
	if (!parts) return url;
	const [, schemeAndSlashes, authority, path, query = '', fragment = ''] = parts;
	const scheme = schemeAndSlashes.slice(0, -3).toLowerCase();
	const at = authority.lastIndexOf('@');
	const host = at >= 0 ? `${MASK}@${authority.slice(at + 1)}` : authority;
	return schemeAndSlashes + host + (KEYED_SCHEMES.has(scheme) ? redactStreamKey(path) : path) + redactQuery(query) + fragment;
}

/**
 * Masks every explicit secret (and its percent-encoded form) wherever it appears, then every URL
 * in the text with {@link redactUrl}. Meant for anything that reaches a log, an error or an item,
 * ffmpeg's stderr included.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
	let redacted = text;
	for (const secret of secretVariants(secrets)) redacted = redacted.split(secret).join(MASK);
	return redacted.replace(URL_IN_TEXT, (match) => {
		const trailing = TRAILING_PUNCTUATION.exec(match)?.[0] ?? '';
		return redactUrl(match.slice(0, match.length - trailing.length)) + trailing;
	});
}

function redactStreamKey(path: string): string {
	const segments = path.split('/');
	const named = segments.flatMap((segment, index) => (segment === '' ? [] : [index]));
	// rtmp://host/app has no key; rtmp://host/app/key and rtmp://host/app/instance/key do.
	if (named.length < 2) return path;
	segments[named[named.length - 1]] = MASK;
	return segments.join('/');
}

function redactQuery(query: string): string {
	if (query.length <= 1) return query;
	const fields = query.slice(1).split('&').map((field) => {
		if (field === '') return field;
		const equals = field.indexOf('=');
		return equals >= 0 ? `${field.slice(0, equals + 1)}${MASK}` : MASK;
	});
	return `?${fields.join('&')}`;
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
