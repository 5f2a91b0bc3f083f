import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** How the server misbehaves for one request to a path; requests beyond the queued ones are served normally. */
export type Misbehaviour =
	| { status: number; body?: string }
	/** Announces the full length, sends this many bytes of the body, then closes the socket. */
	| { cutAfter: number }
	/** Sends this many bytes, then neither sends more nor closes. */
	| { stallAfter: number }
	/** Sends this body instead of the file, with status 200. */
	| { replaceWith: Buffer }
	/** Status 200 without a length, then bytes for as long as the client reads. */
	| { endless: true }
	/** Announces this Content-Length, sends the start of the file, then neither sends more nor closes. */
	| { announce: number }
	/** 302 to this URL. */
	| { redirectTo: string };

export interface RecordedRequest {
	path: string;
	range: string | null;
	ifRange: string | null;
	authorization: string | null;
	/** The query string, `?` included; empty when none. */
	search: string;
}

/**
 * A local HTTP file server on 127.0.0.1 (a free port) for download tests: GET with Range and If-Range
 * like a CDN, ETags, optional throttling, and queued misbehaviours per path. Records every request.
 */
export class ModelServer {
	readonly requests: RecordedRequest[] = [];
	private readonly files = new Map<string, Buffer>();
	private readonly misbehaviours = new Map<string, Misbehaviour[]>();
	private readonly sockets = new Set<Socket>();
	/** Bytes per second per response; 0 sends at once. */
	bytesPerSecond = 0;
	/** When set, a request without exactly this Authorization header gets 401. */
	requireAuthorization: string | null = null;
	/** Bytes sent by endless responses so far. */
	endlessBytesSent = 0;

	private constructor(
		private readonly server: Server,
		readonly url: string,
	) {}

	static async start(): Promise<ModelServer> {
		// No request can come before `instance` exists: nobody knows the port until listen() resolves.
		const server = createServer((request, response) => instance.handle(request, response));
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const { port } = server.address() as AddressInfo;
		const instance = new ModelServer(server, `http://127.0.0.1:${port}`);
		server.on('connection', (socket) => {
			instance!.sockets.add(socket);
			socket.on('close', () => instance!.sockets.delete(socket));
		});
		return instance;
	}

	serve(path: string, body: Buffer): void {
		this.files.set(path, body);
	}

	misbehave(path: string, ...behaviours: Misbehaviour[]): void {
		this.misbehaviours.set(path, [...(this.misbehaviours.get(path) ?? []), ...behaviours]);
	}

	/** GET requests received for a path. */
	count(path: string): number {
		return this.requests.filter((request) => request.path === path).length;
	}

	async close(): Promise<void> {
		for (const socket of this.sockets) socket.destroy();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	private handle(request: IncomingMessage, response: ServerResponse): void {
		const url = new URL(request.url ?? '/', this.url);
		const path = decodeURIComponent(url.pathname);
		const authorization = header(request, 'authorization');
		this.requests.push({
			path,
			range: header(request, 'range'),
			ifRange: header(request, 'if-range'),
			authorization,
			search: url.search,
		});
		if (this.requireAuthorization !== null && authorization !== this.requireAuthorization) {
			response
				.writeHead(401, {
					'content-type': 'text/plain',
					'www-authenticate': 'Basic realm="models"',
				})
				.end('unauthorized');
			return;
		}
		const behaviour = this.misbehaviours.get(path)?.shift();
		const file = this.files.get(path);
		if (behaviour && 'status' in behaviour) {
			response
				.writeHead(behaviour.status, { 'content-type': 'text/plain' })
				.end(behaviour.body ?? `status ${behaviour.status}`);
			return;
		}
		if (behaviour && 'redirectTo' in behaviour) {
			response.writeHead(302, { location: behaviour.redirectTo }).end();
			return;
		}
		if (behaviour && 'endless' in behaviour) {
			void this.sendForever(response);
			return;
		}
		if (behaviour && 'replaceWith' in behaviour) {
			response
				.writeHead(200, { 'content-length': behaviour.replaceWith.length })
				.end(behaviour.replaceWith);
			return;
		}
		if (!file) {
			response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
			return;
		}
		const etag = `"${createHash('sha256').update(file).digest('hex').slice(0, 16)}"`;
		const ifRange = header(request, 'if-range');
		const range = /^bytes=(\d+)-$/.exec(header(request, 'range') ?? '');
		const honourRange = range !== null && (ifRange === null || ifRange === etag);
		const start = honourRange ? Number(range[1]) : 0;
		if (start > file.length || (honourRange && start === file.length)) {
			response.writeHead(416, { 'content-range': `bytes */${file.length}` }).end();
			return;
		}
		const body = file.subarray(start);
		if (behaviour && 'announce' in behaviour) {
			response.writeHead(200, { 'content-length': behaviour.announce });
			response.write(body.subarray(0, 1024));
			return;
		}
		const headers: Record<string, string | number> = {
			'content-length': body.length,
			etag,
			'accept-ranges': 'bytes',
		};
		if (honourRange) headers['content-range'] = `bytes ${start}-${file.length - 1}/${file.length}`;
		response.writeHead(honourRange ? 206 : 200, headers);
		if (behaviour && 'cutAfter' in behaviour) {
			response.write(body.subarray(0, behaviour.cutAfter), () => request.socket.destroy());
			return;
		}
		if (behaviour && 'stallAfter' in behaviour) {
			response.write(body.subarray(0, behaviour.stallAfter));
			return;
		}
		void this.send(response, body);
	}

	private async sendForever(response: ServerResponse): Promise<void> {
		response.writeHead(200, { 'content-type': 'application/octet-stream' });
		const chunk = Buffer.alloc(64 * 1024, 0x5a);
		while (!response.destroyed && !response.writableEnded) {
			if (!response.write(chunk)) await drainedOrClosed(response);
			this.endlessBytesSent += chunk.length;
		}
	}

	private async send(response: ServerResponse, body: Buffer): Promise<void> {
		if (this.bytesPerSecond <= 0) {
			response.end(body);
			return;
		}
		const slice = Math.max(1, Math.floor(this.bytesPerSecond / 20));
		for (let at = 0; at < body.length && !response.destroyed; at += slice) {
			response.write(body.subarray(at, at + slice));
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
		response.end();
	}
}

/** A URL on 127.0.0.1 where nothing listens: connections are refused. */
export async function refusedUrl(): Promise<string> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return `http://127.0.0.1:${port}`;
}

function drainedOrClosed(response: ServerResponse): Promise<void> {
	return new Promise((resolve) => {
		const done = () => {
			response.off('drain', done).off('close', done);
			resolve();
		};
		response.on('drain', done).on('close', done);
	});
}

function header(request: IncomingMessage, name: string): string | null {
	const value = request.headers[name];
	return typeof value === 'string' ? value : null;
}
