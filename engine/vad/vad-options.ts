import { join } from 'node:path';
import { EngineError } from '../errors.js';
import {
	readModelConfig,
	yamlNumber,
	yamlSection,
	type YamlMap,
} from '../model-dir/model-config.js';

/** FSMN-VAD endpointing settings (`model_conf` of the model's config.yaml), in milliseconds. */
export interface VadOptions {
	/** One posterior row per frame of this length (frame_in_ms). */
	frameMs: number;
	/** Smoothing window (window_size_ms). */
	windowMs: number;
	/** Speech in the window that switches it to speech (sil_to_speech_time_thres). */
	silenceToSpeechMs: number;
	/** Speech in the window at or below which it switches back to silence (speech_to_sil_time_thres). */
	speechToSilenceMs: number;
	/** Audio kept before the detected start (lookback_time_start_point). */
	lookbackMs: number;
	/** Silence kept after the last speech (lookahead_time_end_point). */
	lookaheadMs: number;
	/** Trailing silence that ends a segment (max_end_silence_time). */
	maxEndSilenceMs: number;
	/** Segments are cut at this length (max_single_segment_time). */
	maxSegmentMs: number;
	/** A frame is speech when P(speech) >= P(silence)^ratio + this (speech_noise_thres). */
	speechNoiseThreshold: number;
	/** speech_2_noise_ratio. */
	speechToNoiseRatio: number;
	/** Apply lookback and lookahead (do_extend). */
	extend: boolean;
	/** Output columns whose posteriors sum to P(silence) (sil_pdf_ids). */
	silencePdfIds: number[];
}

export const DEFAULT_VAD_OPTIONS: Readonly<VadOptions> = Object.freeze({
	frameMs: 10,
	windowMs: 200,
	silenceToSpeechMs: 150,
	speechToSilenceMs: 150,
	lookbackMs: 200,
	lookaheadMs: 100,
	maxEndSilenceMs: 800,
	maxSegmentMs: 60_000,
	speechNoiseThreshold: 0.6,
	speechToNoiseRatio: 1,
	extend: true,
	silencePdfIds: [0],
});

const OPTION_NAMES = Object.keys(DEFAULT_VAD_OPTIONS) as (keyof VadOptions)[];

export function loadVadOptions(modelDir: string): VadOptions {
	const section = yamlSection(readModelConfig(modelDir, 'VAD model'), 'model_conf');
	const defaults = DEFAULT_VAD_OPTIONS;
	const options: VadOptions = {
		frameMs: yamlNumber(section, 'frame_in_ms', defaults.frameMs),
		windowMs: yamlNumber(section, 'window_size_ms', defaults.windowMs),
		silenceToSpeechMs: yamlNumber(section, 'sil_to_speech_time_thres', defaults.silenceToSpeechMs),
		speechToSilenceMs: yamlNumber(section, 'speech_to_sil_time_thres', defaults.speechToSilenceMs),
		lookbackMs: yamlNumber(section, 'lookback_time_start_point', defaults.lookbackMs),
		lookaheadMs: yamlNumber(section, 'lookahead_time_end_point', defaults.lookaheadMs),
		maxEndSilenceMs: yamlNumber(section, 'max_end_silence_time', defaults.maxEndSilenceMs),
		maxSegmentMs: yamlNumber(section, 'max_single_segment_time', defaults.maxSegmentMs),
		speechNoiseThreshold: yamlNumber(section, 'speech_noise_thres', defaults.speechNoiseThreshold),
		speechToNoiseRatio: yamlNumber(section, 'speech_2_noise_ratio', defaults.speechToNoiseRatio),
		extend: yamlNumber(section, 'do_extend', 1) !== 0,
		silencePdfIds: silencePdfIds(section),
	};
	const problems = vadOptionProblems(options);
	if (problems.length > 0) {
		throw new EngineError(
			'MODEL_INVALID',
			`${join(modelDir, 'config.yaml')}: model_conf ${problems.join('; ')}.`,
			'Restore the config.yaml shipped with the model.',
		);
	}
	return options;
}

/** The model's options with a caller's overrides, which are checked (they come from user settings). */
export function resolveVadOptions(
	base: VadOptions,
	overrides: Partial<VadOptions> = {},
): VadOptions {
	const unknown = Object.keys(overrides).filter((key) => !(OPTION_NAMES as string[]).includes(key));
	if (unknown.length > 0) {
		throw new EngineError(
			'BAD_OPTION',
			`Unknown VAD option ${unknown.join(', ')}.`,
			`Known VAD options: ${OPTION_NAMES.join(', ')}.`,
		);
	}
	const defined = Object.fromEntries(
		Object.entries(overrides).filter(([, value]) => value !== undefined),
	) as Partial<VadOptions>;
	const options: VadOptions = { ...base, ...defined };
	const problems = vadOptionProblems(options);
	if (problems.length > 0) {
		throw new EngineError(
			'BAD_OPTION',
			`VAD option ${problems.join('; ')}.`,
			'Change the VAD setting, or leave it empty to use the model default.',
		);
	}
	return options;
}

/** What is wrong with a set of options, one phrase per problem. */
export function vadOptionProblems(options: VadOptions): string[] {
	const problems: string[] = [];
	const check = (name: keyof VadOptions, ok: boolean, requirement: string) => {
		if (!ok)
			problems.push(`${name} = ${JSON.stringify(options[name])} is invalid: it ${requirement}`);
	};
	const isNumber = (value: unknown): value is number =>
		typeof value === 'number' && Number.isFinite(value);
	const { frameMs, windowMs, silenceToSpeechMs, speechToSilenceMs, lookbackMs, lookaheadMs } =
		options;
	check(
		'frameMs',
		Number.isInteger(frameMs) && frameMs > 0,
		'must be a positive whole number of milliseconds',
	);
	check(
		'windowMs',
		isNumber(windowMs) && windowMs >= frameMs,
		`must be at least one frame (${frameMs} ms)`,
	);
	check(
		'silenceToSpeechMs',
		isNumber(silenceToSpeechMs) && silenceToSpeechMs > 0 && silenceToSpeechMs <= windowMs,
		`must be within the window (1..${windowMs} ms)`,
	);
	check(
		'speechToSilenceMs',
		isNumber(speechToSilenceMs) && speechToSilenceMs >= 0 && speechToSilenceMs < windowMs,
		`must be within the window (0..${windowMs} ms)`,
	);
	check(
		'lookbackMs',
		isNumber(lookbackMs) && lookbackMs >= 0,
		'must be a number of milliseconds >= 0',
	);
	check(
		'lookaheadMs',
		isNumber(lookaheadMs) && lookaheadMs >= 0,
		'must be a number of milliseconds >= 0',
	);
	check(
		'maxEndSilenceMs',
		isNumber(options.maxEndSilenceMs) && options.maxEndSilenceMs > speechToSilenceMs,
		`must be a number of milliseconds above the ${speechToSilenceMs} ms the VAD needs to notice silence`,
	);
	const startLatencyMs = windowMs + (options.extend ? lookbackMs : 0);
	check(
		'maxSegmentMs',
		isNumber(options.maxSegmentMs) && options.maxSegmentMs > startLatencyMs,
		`must be a number of milliseconds above the ${startLatencyMs} ms a segment has when its start is detected`,
	);
	check(
		'speechNoiseThreshold',
		isNumber(options.speechNoiseThreshold) &&
			options.speechNoiseThreshold > -1 &&
			options.speechNoiseThreshold < 1,
		'must be between -1 and 1 (higher needs clearer speech; FunASR uses 0.6)',
	);
	check(
		'speechToNoiseRatio',
		isNumber(options.speechToNoiseRatio) && options.speechToNoiseRatio > 0,
		'must be a positive number',
	);
	check('extend', typeof options.extend === 'boolean', 'must be true or false');
	check(
		'silencePdfIds',
		Array.isArray(options.silencePdfIds) &&
			options.silencePdfIds.length > 0 &&
			options.silencePdfIds.every((id) => Number.isInteger(id) && id >= 0),
		'must be a non-empty list of output column indices',
	);
	return problems;
}

function silencePdfIds(section: YamlMap): number[] {
	const value = section.sil_pdf_ids;
	if (value === undefined || value === null) return [...DEFAULT_VAD_OPTIONS.silencePdfIds];
	return Array.isArray(value) ? value.map(Number) : [Number(value)];
}
