import { readFileSync } from 'node:fs';
import { EngineError } from '../errors.js';

/** ffmpeg's PCM decoders refuse more channels than this ("Too many channels"); so does this reader, for the same verdict. */
const MAX_CHANNELS = 512;

export interface PcmAudio {
	sampleRate: number;
	/** Mono samples on the int16 scale. */
	samples: Float32Array;
}

/**
 * Reads a 16-bit PCM RIFF/WAVE file, averaging channels to mono. Other encodings and sample rates
 * go through ffmpeg (`FfmpegSource`, which the CLI uses for every input, WAV included); this reader
 * exists so that tests and benchmarks can read the reference WAVs without a subprocess.
 */
export function readWav(path: string): PcmAudio {
	const bytes = readFileSync(path);
	if (
		bytes.length < 12 ||
		bytes.toString('ascii', 0, 4) !== 'RIFF' ||
		bytes.toString('ascii', 8, 12) !== 'WAVE'
	) {
		throw new EngineError(
			'INPUT_NOT_AUDIO',
			`${path} is not a WAV file.`,
			'Give a 16-bit PCM WAV file, or any audio through ffmpeg.',
		);
	}
	let offset = 12;
	let channels = 0;
	let sampleRate = 0;
	let bitsPerSample = 0;
	let format = 0;
	while (offset + 8 <= bytes.length) {
		const id = bytes.toString('ascii', offset, offset + 4);
		const size = bytes.readUInt32LE(offset + 4);
		const body = offset + 8;
		if (id === 'fmt ') {
			format = bytes.readUInt16LE(body);
			channels = bytes.readUInt16LE(body + 2);
			sampleRate = bytes.readUInt32LE(body + 4);
			bitsPerSample = bytes.readUInt16LE(body + 14);
		} else if (id === 'data') {
			const isPcm16 = (format === 1 || format === 0xfffe) && bitsPerSample === 16;
			if (!isPcm16) {
				throw new EngineError(
					'INPUT_NOT_AUDIO',
					`${path} is not 16-bit PCM (format ${format}, ${bitsPerSample} bits).`,
					'Convert it, or read it through ffmpeg.',
				);
			}
			if (channels < 1 || channels > MAX_CHANNELS || sampleRate < 1) {
				throw new EngineError(
					'INPUT_NOT_AUDIO',
					`${path} is not audio: its header claims ${channels} channels at ${sampleRate} Hz.`,
					'Give a complete, undamaged audio file.',
				);
			}
			const end = Math.min(bytes.length, body + size);
			const frames = Math.floor((end - body) / (2 * channels));
			const samples = new Float32Array(frames);
			for (let frame = 0; frame < frames; frame++) {
				let sum = 0;
				for (let channel = 0; channel < channels; channel++)
					sum += bytes.readInt16LE(body + 2 * (frame * channels + channel));
				samples[frame] = sum / channels;
			}
			return { sampleRate, samples };
		}
		offset = body + size + (size & 1);
	}
	throw new EngineError(
		'INPUT_NOT_AUDIO',
		`${path} has no audio data chunk.`,
		'Give a complete WAV file.',
	);
}
