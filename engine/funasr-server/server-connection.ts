import { EventEmitter } from 'node:events';
import { EngineError } from '../errors.js';
import { redactUrl } from '../source/redact.js';
import {
	END_OF_AUDIO,
	firstMessage,
	type FirstMessageSettings,
	SAMPLE_RATE,
} from './first-message.js';
import { parseServerResult, type ServerResult } from './server-results.js';
import { connectWebSocket, type WebSocket } from './websocket.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** A server that has answered nothing, not even a ping, for this long is taken for gone. */
export const DEFAULT_WATCHDOG_MS = 15_000;

export interface ServerConnectionOptions extends FirstMessageSettings {
	/** ws:// or wss://; may carry credentials, which never leave this module unmasked. */
	url: string;
	ca?: string;
	allowSelfSigned?: boolean;
	connectTimeoutMs?: number;
	watchdogMs?: number;
}

export interface ServerConnectionEvents {
	result: [ServerResult];
	/** Once: the connection is over and was not closed by us; the error says why. */
	lost: [EngineError];
}

/**
 * One websocket to a FunASR server for one stream: the first message, then audio as it comes,
 * results as they come back. A watchdog pings the server (websocketpp answers pings itself) and
 * gives the connection up when nothing at all came back for `watchdogMs`.
 */
export class ServerConnection extends EventEmitter<ServerConnectionEvents> {
	private readonly socket: WebSocket;
	private readonly server: string;
	private readonly watchdogMs: number;
	private heardAt = Date.now();
	private readonly pinger: NodeJS.Timeout;
	private closedByUs = false;

	private constructor(socket: WebSocket, server: string, watchdogMs: number) {
		super();
		this.socket = socket;
		this.server = server;
		this.watchdogMs = watchdogMs;
		this.pinger = setInterval(() => this.checkAlive(), Math.max(50, watchdogMs / 3));
		socket.on('pong', () => this.heard());
		socket.on('text', (text) => this.onText(text));
		socket.on('binary', () => this.fail('sent binary data, which FunASR servers never send'));
		socket.on('closed', ({ code, reason, error }) => {
			clearInterval(this.pinger);
			if (this.closedByUs) return;
			const why = error
				? `the connection failed (${error.message})`
				: `the server closed the connection (code ${code}${reason ? `: ${reason}` : ''})`;
			this.emitLost(`${this.server}: ${why}.`);
		});
	}

	/** Connects and sends the first message; rejects with an EngineError naming the server (masked). */
	static async open(options: ServerConnectionOptions): Promise<ServerConnection> {
		const server = redactUrl(options.url);
		const url = parseServerUrl(options.url);
		let socket: WebSocket;
		try {
			socket = await connectWebSocket(url, {
				protocol: 'binary',
				...(options.ca ? { ca: options.ca } : {}),
				...(options.allowSelfSigned ? { allowSelfSigned: true } : {}),
				timeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
			});
		} catch (error) {
			throw connectError(server, error as NodeJS.ErrnoException);
		}
		const connection = new ServerConnection(
			socket,
			server,
			options.watchdogMs ?? DEFAULT_WATCHDOG_MS,
		);
		socket.sendText(firstMessage(options));
		return connection;
	}

	get name(): string {
		return this.server;
	}

	/** 16-bit little-endian mono PCM at 16 kHz. */
	sendAudio(pcm: Buffer): void {
		this.socket.sendBinary(pcm);
	}

	/** Audio sent that the server has not read yet, in seconds. */
	get unreadSeconds(): number {
		return this.socket.bufferedBytes / (SAMPLE_RATE * 2);
	}

	/** Gives the connection up from outside: a server that does not keep up. */
	giveUp(why: string): void {
		this.fail(why);
	}

	/** The end of a finite input: the server decodes what is left and answers `is_final`. */
	endAudio(): void {
		this.socket.sendText(END_OF_AUDIO);
	}

	close(): void {
		this.closedByUs = true;
		clearInterval(this.pinger);
		this.socket.close();
	}

	private onText(text: string): void {
		this.heard();
		let result: ServerResult;
		try {
			result = parseServerResult(text);
		} catch (error) {
			this.fail(`sent ${(error as Error).message}, not a FunASR result`);
			return;
		}
		this.emit('result', result);
	}

	private heard(): void {
		this.heardAt = Date.now();
	}

	private checkAlive(): void {
		if (Date.now() - this.heardAt >= this.watchdogMs) {
			this.fail(`stopped answering (nothing for ${Math.round(this.watchdogMs / 1000)} s)`);
			return;
		}
		this.socket.ping();
	}

	/** Gives the connection up: a server that misbehaves is dropped, and the stream goes elsewhere. */
	private fail(why: string): void {
		this.closedByUs = true;
		clearInterval(this.pinger);
		this.socket.destroy();
		this.emitLost(`${this.server} ${why}.`);
	}

	private emitLost(message: string): void {
		this.emit(
			'lost',
			new EngineError(
				'SERVER_FAILED',
				message,
				'The stream is sent to the next server of the credential; check the server and its log.',
				{ fatal: false },
			),
		);
	}
}

/** A ws:// or wss:// URL, or a fatal error naming what is wrong (masked). */
export function parseServerUrl(text: string): URL {
	let url: URL;
	try {
		url = new URL(text.trim());
	} catch {
		throw badServerUrl(text, 'is not a URL');
	}
	if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
		throw badServerUrl(text, `uses ${url.protocol.replace(':', '')}, not ws or wss`);
	return url;
}

function badServerUrl(text: string, why: string): EngineError {
	return new EngineError(
		'BAD_OPTION',
		`The ASR server URL ${redactUrl(text.trim())} ${why}.`,
		'Give the address of a FunASR websocket server, e.g. ws://asr-host:10095 or wss://asr-host:10095.',
	);
}

const TLS_REFUSED = new Set([
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
	'CERT_HAS_EXPIRED',
	'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function connectError(server: string, error: NodeJS.ErrnoException): EngineError {
	const code = error.code ?? '';
	const [message, fix] = TLS_REFUSED.has(code)
		? [
				`${server}: its TLS certificate was refused (${code}).`,
				"Give the certificate of the authority that signed it (the credential's CA Certificate), or allow self-signed certificates for a server you trust.",
			]
		: code === 'EPROTO' || /wrong version number|packet length too long/i.test(error.message)
			? [
					`${server}: TLS failed (${code || error.message}); is it a ws:// server given as wss://, or the reverse?`,
					'FunASR servers use TLS unless started with --certfile 0: match ws:// or wss:// to the server.',
				]
			: [
					`${server} could not be reached (${code || error.message}).`,
					'Check that the server runs and that its host and port are right; the stream goes to the next server of the credential meanwhile.',
				];
	return new EngineError('SERVER_FAILED', message, fix, { fatal: false, cause: error });
}
