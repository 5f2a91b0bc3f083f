import { Paraformer } from './paraformer.js';
import { recognizerFamily } from './recognizer-family.js';
import { openRecognizerSession, type RecognizerOptions } from './recognizer-session.js';
import { SenseVoice } from './sensevoice.js';

/** A loaded recognizer of either family; `family` tells which. */
export type SpeechRecognizer = Paraformer | SenseVoice;

/**
 * The recognizer of a FunASR export directory, Paraformer or SenseVoice as its graph's inputs say
 * (recognizerFamily), loaded once.
 */
export async function loadRecognizer(
	modelDir: string,
	options: RecognizerOptions = {},
): Promise<SpeechRecognizer> {
	const { session, modelPath } = await openRecognizerSession(modelDir, options, 'Recognizer');
	try {
		const family = recognizerFamily(session.inputNames, session.outputNames, modelPath);
		if (family === 'sensevoice')
			return SenseVoice.fromSession(session, modelDir, modelPath, options);
		return await Paraformer.fromSession(session, modelDir, modelPath, options);
	} catch (error) {
		await session.release();
		throw error;
	}
}
