import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';

export interface FileServer {
	/** http://127.0.0.1:PORT, without a trailing slash. */
	base: string;
	close(): Promise<void>;
}

/**
 * Serves the files of `dir` by name (the last path segment of the request) on 127.0.0.1; 404 for
 * anything else. `route` answers the requests it wants first (returns true when it did).
 */
export async function serveFiles(
	dir: string,
	route: (request: IncomingMessage, response: ServerResponse) => boolean = () => false,
): Promise<FileServer> {
	const server = createServer((request, response) => {
		if (route(request, response)) return;
		try {
			response.end(
				readFileSync(join(dir, basename(new URL(request.url ?? '/', 'http://x').pathname))),
			);
		} catch {
			response.statusCode = 404;
			response.end();
		}
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		close: () => new Promise((resolve) => server.close(() => resolve())),
	};
}
