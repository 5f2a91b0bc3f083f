import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
	FeatureExtractor,
	loadCmvn,
	loadFrontendOptions,
	OnlineFbank,
	requireModelFiles,
} from '../../engine/index.js';
import { streamAudio } from '../audio-input.js';
import { parseCommand, requireValue } from '../args.js';

const USAGE =
	'rtmp-asr features <file-or-url> --model <dir> [--fbank] --out <file> [--ffmpeg <path>]';

/**
 * Writes the features a model would see, float32 little-endian [T, D], like Kaldi's
 * compute-fbank-feats; rows are written as they are computed.
 */
export async function featuresCommand(argv: string[], signal: AbortSignal): Promise<void> {
	const { values, positionals } = parseCommand(
		argv,
		{
			model: { type: 'string' },
			fbank: { type: 'boolean', default: false },
			out: { type: 'string' },
			ffmpeg: { type: 'string' },
		},
		USAGE,
	);
	const input = requireValue(positionals[0], 'the input file or URL', USAGE);
	const modelDir = requireValue(values.model, '--model <dir>', USAGE);
	const out = requireValue(values.out, '--out <file>', USAGE);
	requireModelFiles(modelDir, values.fbank ? ['config.yaml'] : ['config.yaml', 'am.mvn'], 'Model');
	const options = loadFrontendOptions(modelDir);
	const extractor = values.fbank
		? new OnlineFbank(options)
		: new FeatureExtractor(options, loadCmvn(join(modelDir, 'am.mvn')));
	const file = openSync(out, 'w');
	let writtenValues = 0;
	const write = (rows: Float32Array) => {
		if (rows.length === 0) return;
		writeSync(file, new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength));
		writtenValues += rows.length;
	};
	try {
		await streamAudio(input, (samples) => write(extractor.accept(samples)), {
			...(values.ffmpeg ? { ffmpegPath: values.ffmpeg } : {}),
			signal,
		});
		if (extractor instanceof FeatureExtractor) write(extractor.finish());
	} finally {
		closeSync(file);
	}
	const rows = writtenValues / extractor.dim;
	process.stderr.write(
		`${out}: [${rows}, ${extractor.dim}] float32 little-endian${signal.aborted ? ' (interrupted: the rows so far)' : ''}\n`,
	);
}
