import { EngineError } from '../errors.js';

/** The kinds of recognizer the engine runs, told apart by their ONNX graphs. */
export type RecognizerFamily = 'paraformer' | 'sensevoice';

export const PARAFORMER_INTERFACE = {
	inputs: ['speech', 'speech_lengths'],
	outputs: ['logits', 'token_num'],
} as const;
/** FunASR's SenseVoiceSmall export (funasr/models/sense_voice/export_meta.py). */
export const SENSEVOICE_INTERFACE = {
	inputs: ['speech', 'speech_lengths', 'language', 'textnorm'],
	outputs: ['ctc_logits', 'encoder_out_lens'],
} as const;
/** sherpa-onnx's re-export of SenseVoiceSmall: the same weights under other names. */
const SHERPA_SENSEVOICE_INPUTS = ['x', 'x_length', 'language', 'text_norm'];

/**
 * The family of a recognizer graph, from its input and output names only (never from its
 * directory's name): SenseVoice takes `language` and `textnorm`, Paraformer `speech` and
 * `speech_lengths` giving `logits` and `token_num`. Anything else is an error naming what it lacks.
 */
export function recognizerFamily(
	inputNames: readonly string[],
	outputNames: readonly string[],
	modelPath: string,
): RecognizerFamily {
	const has = (names: readonly string[], wanted: readonly string[]) =>
		wanted.every((name) => names.includes(name));
	const graph = `inputs ${inputNames.join(', ')}; outputs ${outputNames.join(', ')}`;
	if (takesQueries(inputNames)) {
		if (
			has(inputNames, SENSEVOICE_INTERFACE.inputs) &&
			has(outputNames, SENSEVOICE_INTERFACE.outputs)
		)
			return 'sensevoice';
		if (has(inputNames, SHERPA_SENSEVOICE_INPUTS)) {
			throw new EngineError(
				'MODEL_INTERFACE',
				`"${modelPath}" is sherpa-onnx's re-export of SenseVoice (${graph}), not FunASR's export, which takes ${SENSEVOICE_INTERFACE.inputs.join(', ')} and gives ${SENSEVOICE_INTERFACE.outputs.join(', ')}.`,
				"Use FunASR's SenseVoiceSmall ONNX export (iic/SenseVoiceSmall-onnx: model.onnx or model_quant.onnx with config.yaml, am.mvn and tokens.json; `rtmp-asr models pull sensevoice-small-int8`).",
			);
		}
		throw new EngineError(
			'MODEL_INTERFACE',
			`"${modelPath}" looks like a SenseVoice model but is not FunASR's export (${graph}); FunASR's takes ${SENSEVOICE_INTERFACE.inputs.join(', ')} and gives ${SENSEVOICE_INTERFACE.outputs.join(', ')}.`,
			"Use FunASR's SenseVoiceSmall ONNX export (iic/SenseVoiceSmall-onnx).",
		);
	}
	if (
		has(inputNames, PARAFORMER_INTERFACE.inputs) &&
		has(outputNames, PARAFORMER_INTERFACE.outputs)
	)
		return 'paraformer';
	throw new EngineError(
		'MODEL_INTERFACE',
		`"${modelPath}" is no recognizer the engine knows (${graph}): a FunASR Paraformer takes ${PARAFORMER_INTERFACE.inputs.join(', ')} and gives ${PARAFORMER_INTERFACE.outputs.join(', ')}; FunASR's SenseVoiceSmall takes ${SENSEVOICE_INTERFACE.inputs.join(', ')} and gives ${SENSEVOICE_INTERFACE.outputs.join(', ')}.`,
		'Use a FunASR ONNX export of Paraformer (e.g. paraformer-zh-int8) or SenseVoiceSmall (sensevoice-small-int8).',
	);
}

/** A graph that takes SenseVoice's query inputs (FunASR's or sherpa-onnx's names). */
export function takesQueries(inputNames: readonly string[]): boolean {
	return ['language', 'textnorm', 'text_norm'].some((name) => inputNames.includes(name));
}

/** The error for a model of one family where the other is required (hotwords, a language). */
export function wrongFamily(
	modelPath: string,
	family: RecognizerFamily,
	required: RecognizerFamily,
	why: string,
): EngineError {
	const names = { paraformer: 'Paraformer', sensevoice: 'SenseVoice' };
	const choices = {
		paraformer: 'a Paraformer (paraformer-zh-int8, or paraformer-zh-contextual-int8 for hotwords)',
		sensevoice: 'a SenseVoice model (sensevoice-small-int8 or sensevoice-small)',
	};
	return new EngineError(
		'MODEL_INTERFACE',
		`"${modelPath}" is a ${names[family]} model, but ${why} needs a ${names[required]} model.`,
		`For ${why}, choose ${choices[required]}.`,
	);
}
