import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { FLV_AUDIO, FLV_SCRIPT_DATA, type FlvAudio } from './flv-tags.js';

// RTMP 1.0 (Adobe's specification): the few messages a publisher sends.
const HANDSHAKE_BYTES = 1536;
const RTMP_VERSION = 3;
const SET_CHUNK_SIZE = 1;
const COMMAND_AMF0 = 20;
const CONTROL_CHUNK_STREAM = 2;
const COMMAND_CHUNK_STREAM = 3;
const MEDIA_CHUNK_STREAM = 4;
/** The message stream nginx-rtmp's createStream always answers with. */
const MEDIA_MESSAGE_STREAM = 1;
/** Large enough that no message is split, which keeps each frame one write. */
const CHUNK_SIZE = 65536;
const EXTENDED_TIMESTAMP = 0xffffff;
const OPEN_TIMEOUT_MS = 5000;

type Amf0 = string | number | null | { [key: string]: string | number };

function amf0(...values: Amf0[]): Buffer {
	const parts: Buffer[] = [];
	const string = (text: string) => {
		const bytes = Buffer.from(text, 'utf8');
		const length = Buffer.alloc(2);
		length.writeUInt16BE(bytes.length);
		return Buffer.concat([length, bytes]);
	};
	const value = (item: Amf0) => {
		if (item === null) parts.push(Buffer.of(0x05));
		else if (typeof item === 'number') {
			const number = Buffer.alloc(9);
			number.writeDoubleBE(item, 1);
			parts.push(number);
		} else if (typeof item === 'string') parts.push(Buffer.of(0x02), string(item));
		else {
			parts.push(Buffer.of(0x03));
			for (const [key, property] of Object.entries(item)) {
				parts.push(string(key));
				value(property);
			}
			parts.push(Buffer.of(0x00, 0x00, 0x09));
		}
	};
	values.forEach(value);
	return Buffer.concat(parts);
}

/** One message as chunks of CHUNK_SIZE, every chunk with a full (type 0) or continuation (type 3) header. */
function chunked(
	chunkStream: number,
	type: number,
	messageStream: number,
	timestampMs: number,
	payload: Buffer,
	chunkSize: number,
): Buffer {
	const extended = timestampMs >= EXTENDED_TIMESTAMP;
	const extension = Buffer.alloc(extended ? 4 : 0);
	if (extended) extension.writeUInt32BE(timestampMs >>> 0);
	const header = Buffer.alloc(12);
	header[0] = chunkStream;
	header.writeUIntBE(extended ? EXTENDED_TIMESTAMP : timestampMs, 1, 3);
	header.writeUIntBE(payload.length, 4, 3);
	header[7] = type;
	header.writeUInt32LE(messageStream, 8);
	const parts = [header, extension, payload.subarray(0, chunkSize)];
	for (let at = chunkSize; at < payload.length; at += chunkSize)
		parts.push(Buffer.of(0xc0 | chunkStream), extension, payload.subarray(at, at + chunkSize));
	return Buffer.concat(parts);
}

/**
 * A publishing RTMP connection, as an encoder opens one: handshake, connect, createStream, publish,
 * then media. Written for the benchmarks, where one process publishes every stream by stream copy:
 * an ffmpeg per stream spends about half a percent of a core each on its own loop, which the
 * product's measurements would otherwise share the cores with.
 */
export class RtmpPublishConnection {
	private readonly pending: Buffer[] = [];

	private constructor(private readonly socket: Socket) {}

	/** Resolves once the server has started the stream (NetStream.Publish.Start). */
	static async open(url: string): Promise<RtmpPublishConnection> {
		const { hostname, port, pathname } = new URL(url);
		const [app, ...rest] = pathname.slice(1).split('/');
		const streamName = rest.join('/');
		if (!app || !streamName) throw new Error(`${url} names no application and stream.`);
		const socket = connect({ host: hostname, port: Number(port || 1935), noDelay: true });
		try {
			await handshakeAndPublish(socket, url, app, streamName);
		} catch (error) {
			socket.destroy();
			throw error;
		}
		return new RtmpPublishConnection(socket);
	}

	/** Queues an FLV tag's data as the RTMP message of the same type; `flush` writes what is queued. */
	queue(type: typeof FLV_AUDIO | typeof FLV_SCRIPT_DATA, timestampMs: number, data: Buffer): void {
		// An FLV file's onMetaData becomes @setDataFrame on the wire, as encoders send it.
		const payload = type === FLV_SCRIPT_DATA ? Buffer.concat([amf0('@setDataFrame'), data]) : data;
		this.pending.push(
			chunked(MEDIA_CHUNK_STREAM, type, MEDIA_MESSAGE_STREAM, timestampMs, payload, CHUNK_SIZE),
		);
	}

	flush(): void {
		if (this.pending.length === 0) return;
		this.socket.write(this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending));
		this.pending.length = 0;
	}

	/** Why the connection ended, once it has. */
	get failure(): Error | undefined {
		return (
			this.socket.errored ?? (this.socket.destroyed ? new Error('connection closed') : undefined)
		);
	}

	close(): void {
		this.socket.destroy();
	}
}

async function handshakeAndPublish(
	socket: Socket,
	url: string,
	app: string,
	streamName: string,
): Promise<void> {
	let received = Buffer.alloc(0);
	let handshaken = false;
	await new Promise<void>((resolve, reject) => {
		const fail = (reason: string) => {
			cleanUp();
			// The stream name is a stream key on most servers: it stays out of the message.
			reject(new Error(`Publishing to ${tcUrl(url, streamName)} failed: ${reason}.`));
		};
		const timer = setTimeout(() => fail(`no answer in ${OPEN_TIMEOUT_MS} ms`), OPEN_TIMEOUT_MS);
		const onError = (error: Error) => fail(error.message);
		const onClose = () => fail('the server closed the connection');
		const onData = (data: Buffer) => {
			received = Buffer.concat([received, data]);
			if (!handshaken) {
				// S0 and S1, then S2 (the echo of our C1, not checked: nginx-rtmp's simple handshake).
				if (received.length < 1 + 2 * HANDSHAKE_BYTES) return;
				handshaken = true;
				socket.write(received.subarray(1, 1 + HANDSHAKE_BYTES));
				received = received.subarray(1 + 2 * HANDSHAKE_BYTES);
				sendPublishCommands(socket, url, app, streamName);
			}
			// The replies are not parsed: the onStatus codes are all that decides, and they are plain AMF0 strings.
			const replies = received.toString('latin1');
			if (replies.includes('NetStream.Publish.Start')) {
				cleanUp();
				resolve();
			} else {
				const refusal = /NetStream\.Publish\.\w+|NetConnection\.Connect\.\w*(Rejected|Failed)/.exec(
					replies,
				);
				if (refusal) fail(`the server answered ${refusal[0]}`);
			}
		};
		const cleanUp = () => {
			clearTimeout(timer);
			socket.off('data', onData).off('error', onError).off('close', onClose);
		};
		socket.on('data', onData).once('error', onError).once('close', onClose);
		// C0 and C1: version 3, time, zero (the simple handshake), random bytes.
		const c1 = randomBytes(HANDSHAKE_BYTES);
		c1.writeUInt32BE(0, 0);
		c1.writeUInt32BE(0, 4);
		socket.write(Buffer.concat([Buffer.of(RTMP_VERSION), c1]));
	});
	// Nothing the server sends later matters to a publisher; reading it keeps the socket flowing.
	socket.on('data', () => undefined);
	socket.on('error', () => undefined);
}

/** The URL of the application: the publish URL without its stream name. */
function tcUrl(url: string, streamName: string): string {
	return url.slice(0, url.length - streamName.length - 1);
}

function sendPublishCommands(socket: Socket, url: string, app: string, streamName: string): void {
	const chunkSize = Buffer.alloc(4);
	chunkSize.writeUInt32BE(CHUNK_SIZE);
	const command = (messageStream: number, ...values: Amf0[]) =>
		chunked(COMMAND_CHUNK_STREAM, COMMAND_AMF0, messageStream, 0, amf0(...values), CHUNK_SIZE);
	socket.write(
		Buffer.concat([
			// Sent first and with the default 128-byte chunks, so that everything after fits one chunk.
			chunked(CONTROL_CHUNK_STREAM, SET_CHUNK_SIZE, 0, 0, chunkSize, 128),
			command(0, 'connect', 1, {
				app,
				type: 'nonprivate',
				flashVer: 'FMLE/3.0',
				tcUrl: tcUrl(url, streamName),
			}),
			command(0, 'createStream', 2, null),
			command(MEDIA_MESSAGE_STREAM, 'publish', 0, null, streamName, 'live'),
		]),
	);
}

/**
 * Publishes each FLV's audio to its connection at real-time pace, looping, like `ffmpeg -re
 * -stream_loop -1 -c copy`: every 10 ms (ffmpeg's own -re step) each stream sends the frames whose
 * time has come. Returns a function that stops publishing and closes the connections.
 */
export function publishAtPace(
	connections: readonly RtmpPublishConnection[],
	audios: readonly FlvAudio[],
	onFailure: (stream: number, error: Error) => void,
): () => void {
	const started = performance.now();
	const next = audios.map(() => ({ frame: 0, pass: 0 }));
	connections.forEach((connection, i) => {
		const audio = audios[i];
		if (audio.metadata) connection.queue(FLV_SCRIPT_DATA, 0, audio.metadata.data);
		connection.queue(FLV_AUDIO, 0, audio.sequenceHeader.data);
	});
	const failed = new Set<number>();
	const tick = () => {
		const elapsedMs = performance.now() - started;
		connections.forEach((connection, i) => {
			if (failed.has(i)) return;
			const failure = connection.failure;
			if (failure) {
				failed.add(i);
				onFailure(i, failure);
				return;
			}
			const { frames, durationMs } = audios[i];
			const position = next[i];
			for (;;) {
				const frame = frames[position.frame];
				const timestampMs = frame.timestampMs + position.pass * durationMs;
				if (timestampMs > elapsedMs) break;
				connection.queue(FLV_AUDIO, timestampMs, frame.data);
				if (++position.frame === frames.length) {
					position.frame = 0;
					position.pass++;
				}
			}
			connection.flush();
		});
	};
	tick();
	const timer = setInterval(tick, 10);
	return () => {
		clearInterval(timer);
		connections.forEach((connection) => connection.close());
	};
}
