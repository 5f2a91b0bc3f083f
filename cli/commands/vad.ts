import { loadVad, type SegmentSpan } from '../../engine/index.js';
import { streamAudio } from '../audio-input.js';
import { parseCommand, requireValue } from '../args.js';

const USAGE = 'rtmp-asr vad <file-or-url> --vad <dir> [--json] [--ffmpeg <path>]';

/**
 * Prints the speech segments of the input, in ms: each line as soon as its segment closes; `--json`
 * at the end. Interrupted, it still prints what it found, the segment under way closed there.
 */
export async function vadCommand(argv: string[], signal: AbortSignal): Promise<void> {
	const { values, positionals } = parseCommand(
		argv,
		{
			vad: { type: 'string' },
			json: { type: 'boolean', default: false },
			ffmpeg: { type: 'string' },
		},
		USAGE,
	);
	const input = requireValue(positionals[0], 'the input file or URL', USAGE);
	const vadDir = requireValue(values.vad, '--vad <dir>', USAGE);
	const { FsmnVadModel, StreamingVad } = await loadVad();
	const model = await FsmnVadModel.load(vadDir);
	try {
		if (signal.aborted) return;
		const vad = new StreamingVad(model);
		const found: [number, number][] = [];
		const report = (segments: SegmentSpan[]) => {
			for (const segment of segments) {
				if (values.json) found.push([segment.startMs, segment.endMs]);
				else process.stdout.write(`${segment.startMs}\t${segment.endMs}\n`);
			}
		};
		await streamAudio(input, async (samples) => report(await vad.accept(samples)), {
			...(values.ffmpeg ? { ffmpegPath: values.ffmpeg } : {}),
			signal,
		});
		report(await vad.finish());
		if (values.json) process.stdout.write(`${JSON.stringify(found)}\n`);
	} finally {
		await model.release();
	}
}
