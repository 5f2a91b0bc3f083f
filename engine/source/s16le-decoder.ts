/**
 * Turns a byte stream of signed 16-bit little-endian PCM into Float32Array chunks on the int16
 * scale. Pipe reads split samples anywhere, so an odd trailing byte waits for the next chunk.
 */
export class S16leDecoder {
	/** The low byte of a sample whose high byte has not arrived yet; -1 when none. */
	private carriedLowByte = -1;

	decode(bytes: Uint8Array): Float32Array {
		if (bytes.length === 0) return new Float32Array(0);
		const carried = this.carriedLowByte >= 0 ? 1 : 0;
		const total = bytes.length + carried;
		const samples = new Float32Array(total >> 1);
		let read = 0;
		let written = 0;
		if (carried) {
			samples[written++] = toInt16(this.carriedLowByte | (bytes[read++] << 8));
		}
		while (written < samples.length) {
			samples[written++] = toInt16(bytes[read] | (bytes[read + 1] << 8));
			read += 2;
		}
		this.carriedLowByte = read < bytes.length ? bytes[read] : -1;
		return samples;
	}
}

function toInt16(word: number): number {
	return word >= 0x8000 ? word - 0x10000 : word;
}
