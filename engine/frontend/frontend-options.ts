import { join } from 'node:path';
import { EngineError } from '../errors.js';
import {
	readModelConfig,
	yamlNumber,
	yamlSection,
	type YamlMap,
} from '../model-dir/model-config.js';
import { isWindowType, type WindowType } from './window.js';

/** The Kaldi fbank + LFR settings of one model (`frontend_conf` of its config.yaml). Dither is always 0. */
export interface FrontendOptions {
	sampleRate: number;
	frameLengthMs: number;
	frameShiftMs: number;
	numMelBins: number;
	/** Frames stacked into one low-frame-rate row. */
	lfrM: number;
	/** Frames between the starts of two low-frame-rate rows. */
	lfrN: number;
	/** Analysis window; FunASR models use Hamming. */
	window?: WindowType;
}

/** Every input reaches the front end resampled to this rate by ffmpeg. */
export const PIPELINE_SAMPLE_RATE = 16000;
/** Longest analysis frame and largest LFR stacking accepted: far beyond any FunASR model (25 ms, 7 frames), small enough to allocate nothing absurd. */
const MAX_FRAME_LENGTH_MS = 100;
const MAX_LFR_FRAMES = 32;

export function loadFrontendOptions(modelDir: string): FrontendOptions {
	const config = readModelConfig(modelDir, 'Model');
	const section = yamlSection(config, 'frontend_conf');
	const where = `${join(modelDir, 'config.yaml')}: frontend_conf`;
	const window = section.window ?? 'hamming';
	if (!isWindowType(window)) {
		throw new EngineError(
			'MODEL_INVALID',
			`${where}.window "${String(window)}" is not supported (hamming or povey).`,
			'Restore the config.yaml shipped with the model.',
		);
	}
	const options: FrontendOptions = {
		sampleRate: yamlNumber(section, 'fs', PIPELINE_SAMPLE_RATE),
		frameLengthMs: yamlNumber(section, 'frame_length', 25),
		frameShiftMs: yamlNumber(section, 'frame_shift', 10),
		numMelBins: yamlNumber(section, 'n_mels', 80),
		lfrM: yamlNumber(section, 'lfr_m', 1),
		lfrN: yamlNumber(section, 'lfr_n', 1),
		window,
	};
	validateFrontendOptions(options, where, encoderInputDim(yamlSection(config, 'encoder_conf')));
	return options;
}

/** The feature dimension the model's encoder takes, where config.yaml states it (Paraformer: input_size, FSMN-VAD: input_dim). */
function encoderInputDim(encoder: YamlMap): number | undefined {
	const dim = encoder.input_size ?? encoder.input_dim;
	return typeof dim === 'number' ? dim : undefined;
}

/** Frame length and shift in samples; both must be whole numbers of samples. */
export function frameSizes(options: FrontendOptions): { frameLength: number; frameShift: number } {
	return {
		frameLength: (options.sampleRate * options.frameLengthMs) / 1000,
		frameShift: (options.sampleRate * options.frameShiftMs) / 1000,
	};
}

/**
 * Checks the options against what the 16 kHz pipeline and, when known, the model's input dimension
 * allow, before anything is allocated from them; names every key out of range and its allowed range.
 */
export function validateFrontendOptions(
	options: FrontendOptions,
	where = 'front end options',
	inputDim?: number,
): void {
	const { frameLength, frameShift } = frameSizes(options);
	const problems: string[] = [];
	const whole = (value: number, min: number, max: number) =>
		Number.isInteger(value) && value >= min && value <= max;
	const msPerSample = 1000 / PIPELINE_SAMPLE_RATE;
	if (options.sampleRate !== PIPELINE_SAMPLE_RATE)
		problems.push(
			`fs ${options.sampleRate} (must be ${PIPELINE_SAMPLE_RATE}: every input is resampled to 16 kHz)`,
		);
	else {
		if (!whole(frameLength, 1, (MAX_FRAME_LENGTH_MS * PIPELINE_SAMPLE_RATE) / 1000)) {
			problems.push(
				`frame_length ${options.frameLengthMs} ms (must be ${msPerSample} to ${MAX_FRAME_LENGTH_MS} ms, a whole number of samples)`,
			);
		} else if (!whole(frameShift, 1, frameLength)) {
			problems.push(
				`frame_shift ${options.frameShiftMs} ms (must be ${msPerSample} ms to frame_length ${options.frameLengthMs} ms, a whole number of samples)`,
			);
		}
	}
	// Kaldi's mel filters share the FFT's bins (fftSize / 2, fftSize the power of two above the frame): more filters than bins are empty.
	const fftBins = whole(frameLength, 1, Infinity)
		? 2 ** Math.ceil(Math.log2(Math.max(frameLength, 4))) / 2
		: 256;
	if (!whole(options.numMelBins, 1, fftBins))
		problems.push(`n_mels ${options.numMelBins} (must be 1 to ${fftBins} with this frame length)`);
	if (!whole(options.lfrM, 1, MAX_LFR_FRAMES))
		problems.push(`lfr_m ${options.lfrM} (must be 1 to ${MAX_LFR_FRAMES})`);
	if (!whole(options.lfrN, 1, MAX_LFR_FRAMES))
		problems.push(`lfr_n ${options.lfrN} (must be 1 to ${MAX_LFR_FRAMES})`);
	if (
		problems.length === 0 &&
		inputDim !== undefined &&
		options.numMelBins * options.lfrM !== inputDim
	) {
		problems.push(
			`n_mels ${options.numMelBins} × lfr_m ${options.lfrM} = ${options.numMelBins * options.lfrM} (must equal the encoder's input dimension ${inputDim})`,
		);
	}
	if (problems.length === 0) return;
	throw new EngineError(
		'MODEL_INVALID',
		`${where} has impossible values: ${problems.join('; ')}.`,
		'Restore the config.yaml shipped with the model (or pull the model again with `rtmp-asr models pull`).',
	);
}

/** Whether two models' fbank rows are the same (they may still stack them differently into LFR rows). */
export function sameFbank(a: FrontendOptions, b: FrontendOptions): boolean {
	return (
		a.sampleRate === b.sampleRate &&
		a.frameLengthMs === b.frameLengthMs &&
		a.frameShiftMs === b.frameShiftMs &&
		a.numMelBins === b.numMelBins &&
		(a.window ?? 'hamming') === (b.window ?? 'hamming')
	);
}
