// A websocket over Node's own http/https (RFC 6455): the client FunASR's servers need, with the
// TLS options of https.request (a custom CA, a self-signed certificate allowed), and the
// accepting side a test server uses.
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { encodeFrame, FrameReader, OPCODE } from './websocket-frames.js';

const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface WebSocketEvents {
	text: [string];
	binary: [Buffer];
	pong: [];
	/** Once, whatever ended it: a close frame, the socket, an error (`error` set then). */
	closed: [{ code: number; reason: string; error?: Error }];
}

/** One open websocket, client or server side. */
export class WebSocket extends EventEmitter<WebSocketEvents> {
	private readonly reader = new FrameReader();
	private open = true;

	constructor(
		private readonly socket: Duplex,
		private readonly masks: boolean,
		readonly protocol: string,
		head: Buffer = Buffer.alloc(0),
	) {
		super();
		socket.on('data', (chunk: Buffer) => this.onData(chunk));
		socket.on('error', (error) => this.end(1006, '', error));
		socket.on('close', () => this.end(1006, 'connection lost'));
		if (head.length) queueMicrotask(() => this.onData(head));
	}

	get isOpen(): boolean {
		return this.open;
	}

	/** Bytes written but not yet taken by the network: what a peer that does not read leaves behind. */
	get bufferedBytes(): number {
		return this.socket.writableLength;
	}

	sendText(text: string): void {
		this.write(OPCODE.text, Buffer.from(text, 'utf8'));
	}

	sendBinary(data: Buffer): void {
		this.write(OPCODE.binary, data);
	}

	ping(): void {
		this.write(OPCODE.ping, Buffer.alloc(0));
	}

	/** Sends a close frame and ends the socket; 'closed' follows. */
	close(code = 1000, reason = ''): void {
		if (!this.open) return;
		const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
		payload.writeUInt16BE(code, 0);
		payload.write(reason, 2);
		this.write(OPCODE.close, payload);
		this.socket.end();
		this.end(code, reason);
	}

	/** Drops the socket at once, no close frame (a peer that vanished). */
	destroy(): void {
		this.socket.destroy();
		this.end(1006, 'destroyed');
	}

	private write(opcode: number, payload: Buffer): void {
		if (this.open) this.socket.write(encodeFrame(opcode, payload, this.masks));
	}

	private onData(chunk: Buffer): void {
		if (!this.open) return;
		let frames;
		try {
			frames = this.reader.push(chunk);
		} catch (error) {
			this.socket.destroy();
			this.end(1002, 'protocol error', error as Error);
			return;
		}
		for (const frame of frames) {
			if (!this.open) return;
			if (frame.opcode === OPCODE.text) this.emit('text', frame.payload.toString('utf8'));
			else if (frame.opcode === OPCODE.binary) this.emit('binary', frame.payload);
			else if (frame.opcode === OPCODE.ping) this.write(OPCODE.pong, frame.payload);
			else if (frame.opcode === OPCODE.pong) this.emit('pong');
			else if (frame.opcode === OPCODE.close) {
				const code = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
				const reason = frame.payload.subarray(2).toString('utf8');
				this.write(OPCODE.close, frame.payload.subarray(0, 2));
				this.socket.end();
				this.end(code, reason);
			}
		}
	}

	private end(code: number, reason: string, error?: Error): void {
		if (!this.open) return;
		this.open = false;
		this.emit('closed', { code, reason, ...(error ? { error } : {}) });
	}
}

export interface ConnectOptions {
	/** Sec-WebSocket-Protocol offered; FunASR's clients offer "binary". */
	protocol: string;
	/** PEM certificate(s) of the authority that signed a wss:// server's certificate. */
	ca?: string;
	/** Accept any certificate (self-signed): off by default. */
	allowSelfSigned?: boolean;
	timeoutMs: number;
}

/** Opens a ws:// or wss:// connection; rejects with the reason it could not (message without the URL). */
export function connectWebSocket(url: URL, options: ConnectOptions): Promise<WebSocket> {
	const secure = url.protocol === 'wss:';
	const key = randomBytes(16).toString('base64');
	const headers: Record<string, string> = {
		Connection: 'Upgrade',
		Upgrade: 'websocket',
		'Sec-WebSocket-Key': key,
		'Sec-WebSocket-Version': '13',
		'Sec-WebSocket-Protocol': options.protocol,
	};
	if (url.username || url.password) {
		const user = decodeURIComponent(url.username);
		const password = decodeURIComponent(url.password);
		headers.Authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
	}
	const request = (secure ? https : http).request({
		host: url.hostname.replace(/^\[|\]$/g, ''),
		port: url.port || (secure ? 443 : 80),
		path: `${url.pathname}${url.search}`,
		headers,
		...(secure
			? {
					...(options.ca ? { ca: options.ca } : {}),
					rejectUnauthorized: !options.allowSelfSigned,
					servername: url.hostname,
				}
			: {}),
		agent: false,
	});
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			request.destroy(new Error(`no websocket handshake within ${options.timeoutMs} ms`));
		}, options.timeoutMs);
		const fail = (error: Error) => {
			clearTimeout(timer);
			reject(error);
		};
		request.once('error', fail);
		request.once('response', (response) => {
			response.resume();
			request.destroy();
			fail(new Error(`the server answered HTTP ${response.statusCode} instead of a websocket`));
		});
		request.once('upgrade', (response, socket, head) => {
			clearTimeout(timer);
			const expected = createHash('sha1')
				.update(key + HANDSHAKE_GUID)
				.digest('base64');
			if (response.headers['sec-websocket-accept'] !== expected) {
				socket.destroy();
				reject(new Error('the server answered a websocket handshake that does not match'));
				return;
			}
			socket.setNoDelay(true);
			resolve(
				new WebSocket(socket, true, String(response.headers['sec-websocket-protocol'] ?? ''), head),
			);
		});
		request.end();
	});
}

/** The server side of a handshake (an http server's 'upgrade' event): answers it and opens the websocket. */
export function acceptWebSocket(request: IncomingMessage, socket: Duplex, head: Buffer): WebSocket {
	const key = String(request.headers['sec-websocket-key'] ?? '');
	const offered = String(request.headers['sec-websocket-protocol'] ?? '')
		.split(',')
		.map((protocol) => protocol.trim())
		.filter(Boolean);
	const accept = createHash('sha1')
		.update(key + HANDSHAKE_GUID)
		.digest('base64');
	const protocol = offered[0] ?? '';
	socket.write(
		[
			'HTTP/1.1 101 Switching Protocols',
			'Upgrade: websocket',
			'Connection: Upgrade',
			`Sec-WebSocket-Accept: ${accept}`,
			...(protocol ? [`Sec-WebSocket-Protocol: ${protocol}`] : []),
			'',
			'',
		].join('\r\n'),
	);
	return new WebSocket(socket, false, protocol, head);
}
