import { writeFileSync } from 'node:fs';

/** A canonical 44-byte PCM WAV header; `channels` may be absurd on purpose (a header that lies). */
export function wavHeader({
	channels = 1,
	sampleRate = 16000,
	dataBytes,
}: {
	channels?: number;
	sampleRate?: number;
	dataBytes: number;
}): Buffer {
	const blockAlign = 2 * channels;
	const header = Buffer.alloc(44);
	header.write('RIFF', 0, 'ascii');
	header.writeUInt32LE(36 + dataBytes, 4);
	header.write('WAVEfmt ', 8, 'ascii');
	header.writeUInt32LE(16, 16);
	header.writeUInt16LE(1, 20);
	header.writeUInt16LE(channels, 22);
	header.writeUInt32LE(sampleRate, 24);
	header.writeUInt32LE((sampleRate * blockAlign) >>> 0, 28);
	header.writeUInt16LE(blockAlign & 0xffff, 32);
	header.writeUInt16LE(16, 34);
	header.write('data', 36, 'ascii');
	header.writeUInt32LE(dataBytes, 40);
	return header;
}

/** 16 kHz mono 16-bit PCM WAV of samples on the int16 scale (clipped). */
export function writeWav(path: string, samples: Float32Array): void {
	const data = Buffer.alloc(samples.length * 2);
	for (let i = 0; i < samples.length; i++)
		data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i]))), i * 2);
	writeFileSync(path, Buffer.concat([wavHeader({ dataBytes: data.length }), data]));
}
