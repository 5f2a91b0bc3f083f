import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeFbank, computeFeatures, loadCmvn, loadFrontendOptions, requireModelFiles } from '../../engine/index.js';
import { decodeAudio } from '../audio-input.js';
import { parseCommand, requireValue } from '../args.js';

const USAGE = 'rtmp-asr features <wav-or-url> --model <dir> [--fbank] --out <file> [--ffmpeg <path>]';

/** Writes the features a model would see, float32 little-endian [T, D], like Kaldi's compute-fbank-feats. */
export async function featuresCommand(argv: string[]): Promise<void> {
	const { values, positionals } = parseCommand(argv, {
		model: { type: 'string' },
		fbank: { type: 'boolean', default: false },
		out: { type: 'string' },
		ffmpeg: { type: 'string' },
	}, USAGE);
	const input = requireValue(positionals[0], 'the input file or URL', USAGE);
	const modelDir = requireValue(values.model, '--model <dir>', USAGE);
	const out = requireValue(values.out, '--out <file>', USAGE);
	requireModelFiles(modelDir, values.fbank ? ['config.yaml'] : ['config.yaml', 'am.mvn'], 'Model');
	const options = loadFrontendOptions(modelDir);
	const samples = await decodeAudio(input, values.ffmpeg);
	const features = values.fbank ? computeFbank(samples, options) : computeFeatures(samples, options, loadCmvn(join(modelDir, 'am.mvn')));
	writeFileSync(out, new Uint8Array(features.data.buffer, features.data.byteOffset, features.data.byteLength));
	process.stderr.write(`${out}: [${features.rows}, ${features.dim}] float32 little-endian\n`);
}
