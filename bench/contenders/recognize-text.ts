import type { SpeechRecognizer } from '../../engine/asr/recognizer.js';
import type { SenseVoiceRequest } from '../../engine/asr/sensevoice.js';
import type { FeatureMatrix } from '../../engine/frontend/feature-matrix.js';

/**
 * What the benchmark asks of SenseVoice: the model tells the language, and with ITN on it punctuates
 * itself, so its pipeline runs without a punctuation model (the node's default for this family).
 */
export const SENSEVOICE_REQUEST: SenseVoiceRequest = { language: 'auto', itn: true };

/** One segment's text from either family: one onnxruntime run, then its decoding. */
export async function recognizeText(
	recognizer: SpeechRecognizer,
	features: FeatureMatrix,
): Promise<string> {
	const [result] =
		recognizer.family === 'sensevoice'
			? await recognizer.recognizeFeatures([features], [SENSEVOICE_REQUEST])
			: await recognizer.recognizeFeatures([features]);
	return result!.text;
}
