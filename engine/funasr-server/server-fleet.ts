import { EngineError } from '../errors.js';
import { redactUrl } from '../source/redact.js';
import { parseServerUrl } from './server-connection.js';

/**
 * The servers of a credential, without a load balancer in front: a stream connects to its first
 * (`fleetForStream` starts each stream on another server), and each new connection after a
 * failure goes to the next one, so a server that failed is left for the others.
 */
export class ServerFleet {
	private readonly urls: readonly string[];
	private position: number;

	constructor(urls: readonly string[], start = 0) {
		const given = urls.map((url) => url.trim()).filter(Boolean);
		if (given.length === 0)
			throw new EngineError(
				'BAD_OPTION',
				'No ASR server URL was given.',
				'Give one or more FunASR websocket server URLs (ws://host:10095), separated by commas or new lines.',
			);
		for (const url of given) parseServerUrl(url);
		this.urls = given;
		this.position = start % given.length;
	}

	get size(): number {
		return this.urls.length;
	}

	/** The ws:// URLs that carry a login or a token, which travel in clear text (redacted). */
	get clearTextSecrets(): string[] {
		return this.urls
			.filter((text) => {
				const url = parseServerUrl(text);
				return url.protocol === 'ws:' && Boolean(url.username || url.password || url.search);
			})
			.map(redactUrl);
	}

	/** The URL to connect to now; the one after it next time. */
	next(): string {
		const url = this.urls[this.position];
		this.position = (this.position + 1) % this.urls.length;
		return url;
	}
}

/** Per list of servers, where the next stream's fleet starts: streams spread over the servers. */
const nextStart = new Map<string, number>();

/** The fleet of a new stream: each stream of the same list starts on the server after the last one's. */
export function fleetForStream(urls: readonly string[]): ServerFleet {
	const key = urls.join(' ');
	const start = nextStart.get(key) ?? 0;
	const fleet = new ServerFleet(urls, start);
	nextStart.set(key, (start + 1) % fleet.size);
	return fleet;
}

/** A credential's or a command line's list: separated by commas, spaces or new lines. */
export function splitServerUrls(text: string): string[] {
	return text
		.split(/[\s,]+/)
		.map((url) => url.trim())
		.filter(Boolean);
}
