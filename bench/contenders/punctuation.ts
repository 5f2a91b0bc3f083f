import { PunctuationCache, Punctuator } from '../../engine/punctuation/ct-transformer.js';
import type { Precision, SetupMessage } from '../contender-protocol.js';
import { PUNCTUATION_DIR } from '../paths.js';
import type { Contender } from './contender.js';

/** Punctuation alone over the recognized text of every segment, one stream's cache carried along. */
export async function punctuationContender(
	setup: SetupMessage,
	precision: Precision,
): Promise<Contender> {
	const punctuator = await Punctuator.load(PUNCTUATION_DIR, {
		quantized: precision === 'int8',
		threads: 1,
	});
	return {
		async pass() {
			const cache = new PunctuationCache();
			const texts: string[] = [];
			for (const text of setup.texts) texts.push((await punctuator.punctuate(text, cache)).text);
			return { texts };
		},
		close: () => punctuator.release(),
	};
}
