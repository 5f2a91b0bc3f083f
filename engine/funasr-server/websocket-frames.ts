// RFC 6455 framing: what a websocket carries over its TCP or TLS socket.
import { randomBytes } from 'node:crypto';

export const OPCODE = {
	continuation: 0x0,
	text: 0x1,
	binary: 0x2,
	close: 0x8,
	ping: 0x9,
	pong: 0xa,
} as const;

/** A frame larger than this (a garbage stream's length field) ends the connection. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export interface Frame {
	opcode: number;
	payload: Buffer;
}

/** One frame, FIN set; a client masks what it sends (RFC 6455 §5.3), a server does not. */
export function encodeFrame(opcode: number, payload: Buffer, masked: boolean): Buffer {
	const length = payload.length;
	const lengthBytes = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
	const header = Buffer.alloc(2 + lengthBytes + (masked ? 4 : 0));
	header[0] = 0x80 | opcode;
	header[1] = (masked ? 0x80 : 0) | (lengthBytes === 0 ? length : lengthBytes === 2 ? 126 : 127);
	if (lengthBytes === 2) header.writeUInt16BE(length, 2);
	if (lengthBytes === 8) header.writeBigUInt64BE(BigInt(length), 2);
	if (!masked) return Buffer.concat([header, payload]);
	const mask = randomBytes(4);
	mask.copy(header, 2 + lengthBytes);
	const body = Buffer.alloc(length);
	for (let i = 0; i < length; i++) body[i] = payload[i] ^ mask[i & 3];
	return Buffer.concat([header, body]);
}

/**
 * Cuts a byte stream into messages: a fragmented message (continuation frames) comes out whole,
 * control frames as they arrive. Throws on what no websocket peer sends.
 */
export class FrameReader {
	private buffered: Buffer = Buffer.alloc(0);
	private fragments: Buffer[] = [];
	private fragmentOpcode = 0;

	push(chunk: Buffer): Frame[] {
		this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
		const messages: Frame[] = [];
		for (;;) {
			const frame = this.nextFrame();
			if (!frame) return messages;
			const message = this.assemble(frame);
			if (message) messages.push(message);
		}
	}

	private nextFrame(): (Frame & { fin: boolean }) | null {
		const bytes = this.buffered;
		if (bytes.length < 2) return null;
		const fin = (bytes[0] & 0x80) !== 0;
		if ((bytes[0] & 0x70) !== 0) throw new Error('a websocket frame with reserved bits set');
		const opcode = bytes[0] & 0x0f;
		const masked = (bytes[1] & 0x80) !== 0;
		let length = bytes[1] & 0x7f;
		let offset = 2;
		if (length === 126) {
			if (bytes.length < 4) return null;
			length = bytes.readUInt16BE(2);
			offset = 4;
		} else if (length === 127) {
			if (bytes.length < 10) return null;
			const long = bytes.readBigUInt64BE(2);
			if (long > BigInt(MAX_FRAME_BYTES)) throw new Error('a websocket frame too large');
			length = Number(long);
			offset = 10;
		}
		if (length > MAX_FRAME_BYTES) throw new Error('a websocket frame too large');
		const maskAt = offset;
		if (masked) offset += 4;
		if (bytes.length < offset + length) return null;
		let payload = bytes.subarray(offset, offset + length);
		if (masked) {
			const unmasked = Buffer.alloc(length);
			for (let i = 0; i < length; i++) unmasked[i] = payload[i] ^ bytes[maskAt + (i & 3)];
			payload = unmasked;
		} else payload = Buffer.from(payload);
		this.buffered = bytes.subarray(offset + length);
		return { fin, opcode, payload };
	}

	private assemble(frame: Frame & { fin: boolean }): Frame | null {
		if (frame.opcode >= 0x8) return { opcode: frame.opcode, payload: frame.payload };
		if (frame.opcode !== OPCODE.continuation) {
			if (this.fragments.length) throw new Error('a websocket message interrupted by another');
			this.fragmentOpcode = frame.opcode;
		} else if (!this.fragments.length) throw new Error('a websocket continuation without a start');
		this.fragments.push(frame.payload);
		if (!frame.fin) {
			const size = this.fragments.reduce((sum, part) => sum + part.length, 0);
			if (size > MAX_FRAME_BYTES) throw new Error('a websocket message too large');
			return null;
		}
		const payload = Buffer.concat(this.fragments);
		this.fragments = [];
		return { opcode: this.fragmentOpcode, payload };
	}
}
