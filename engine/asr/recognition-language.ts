import { RECOGNITION_LANGUAGES, type RecognitionLanguage } from '../config.js';
import { EngineError } from '../errors.js';

/** A language as a user wrote it (`--language`, the node's Language), checked against those SenseVoice is asked for. */
export function parseRecognitionLanguage(value: string, where: string): RecognitionLanguage {
	const language = value.trim().toLowerCase();
	if ((RECOGNITION_LANGUAGES as readonly string[]).includes(language))
		return language as RecognitionLanguage;
	throw new EngineError(
		'BAD_OPTION',
		`${where} "${value}" is no language SenseVoiceSmall is asked for (${RECOGNITION_LANGUAGES.join(', ')}).`,
		`Give one of ${RECOGNITION_LANGUAGES.join(', ')}; auto lets the model tell the language.`,
	);
}
