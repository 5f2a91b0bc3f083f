import { join } from 'node:path';
import { EngineError } from '../errors.js';
import { readModelConfig, yamlNumber, yamlSection } from '../model-dir/model-config.js';
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

export function loadFrontendOptions(modelDir: string): FrontendOptions {
	const config = readModelConfig(modelDir, 'Model');
	const section = yamlSection(config, 'frontend_conf');
	const window = section.window ?? 'hamming';
	if (!isWindowType(window)) {
		throw new EngineError(
			'MODEL_INVALID',
			`${join(modelDir, 'config.yaml')}: frontend_conf.window "${String(window)}" is not supported (hamming or povey).`,
			'Restore the config.yaml shipped with the model.',
		);
	}
	const options: FrontendOptions = {
		sampleRate: yamlNumber(section, 'fs', 16000),
		frameLengthMs: yamlNumber(section, 'frame_length', 25),
		frameShiftMs: yamlNumber(section, 'frame_shift', 10),
		numMelBins: yamlNumber(section, 'n_mels', 80),
		lfrM: yamlNumber(section, 'lfr_m', 1),
		lfrN: yamlNumber(section, 'lfr_n', 1),
		window,
	};
	validateFrontendOptions(options, `${join(modelDir, 'config.yaml')}: frontend_conf`);
	return options;
}

/** Frame length and shift in samples; both must be whole numbers of samples. */
export function frameSizes(options: FrontendOptions): { frameLength: number; frameShift: number } {
	return {
		frameLength: (options.sampleRate * options.frameLengthMs) / 1000,
		frameShift: (options.sampleRate * options.frameShiftMs) / 1000,
	};
}

export function validateFrontendOptions(options: FrontendOptions, where = 'front end options'): void {
	const { frameLength, frameShift } = frameSizes(options);
	const problems: string[] = [];
	const positiveInteger = (value: number) => Number.isInteger(value) && value > 0;
	if (!positiveInteger(options.sampleRate)) problems.push(`sample rate ${options.sampleRate}`);
	if (!positiveInteger(frameLength)) problems.push(`frame length ${options.frameLengthMs} ms`);
	if (!positiveInteger(frameShift)) problems.push(`frame shift ${options.frameShiftMs} ms`);
	if (!positiveInteger(options.numMelBins)) problems.push(`n_mels ${options.numMelBins}`);
	if (!positiveInteger(options.lfrM)) problems.push(`lfr_m ${options.lfrM}`);
	if (!positiveInteger(options.lfrN)) problems.push(`lfr_n ${options.lfrN}`);
	if (problems.length === 0) return;
	throw new EngineError(
		'MODEL_INVALID',
		`${where} has impossible values: ${problems.join(', ')}.`,
		'Frame length and shift must be whole numbers of samples; n_mels, lfr_m and lfr_n positive integers. Restore the config.yaml shipped with the model.',
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
