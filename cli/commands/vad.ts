import { loadVad } from '../../engine/index.js';
import { decodeAudio } from '../audio-input.js';
import { parseCommand, requireValue } from '../args.js';

const USAGE = 'rtmp-asr vad <file-or-url> --vad <dir> [--json] [--ffmpeg <path>]';

/** Prints the speech segments of the input, in ms. */
export async function vadCommand(argv: string[]): Promise<void> {
	const { values, positionals } = parseCommand(argv, {
		vad: { type: 'string' },
		json: { type: 'boolean', default: false },
		ffmpeg: { type: 'string' },
	}, USAGE);
	const input = requireValue(positionals[0], 'the input file or URL', USAGE);
	const vadDir = requireValue(values.vad, '--vad <dir>', USAGE);
	const { FsmnVadModel, StreamingVad } = await loadVad();
	const model = await FsmnVadModel.load(vadDir);
	try {
		const samples = await decodeAudio(input, values.ffmpeg);
		const vad = new StreamingVad(model);
		const segments = [...(await vad.accept(samples)), ...(await vad.finish())];
		if (values.json) {
			process.stdout.write(`${JSON.stringify(segments.map((segment) => [segment.startMs, segment.endMs]))}\n`);
		} else {
			for (const segment of segments) process.stdout.write(`${segment.startMs}\t${segment.endMs}\n`);
		}
	} finally {
		await model.release();
	}
}
