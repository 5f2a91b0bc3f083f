import { Paraformer } from '../../engine/asr/paraformer.js';
import type { HotwordBias } from '../../engine/asr/hotword-embedding.js';
import { EngineError } from '../../engine/errors.js';
import type { Precision, SetupMessage } from '../contender-protocol.js';
import { median } from '../stats.js';
import type { Contender } from './contender.js';
import { segmentFeatures } from './model.js';

/** The list sizes measured: none, a few, many, FunASR's documented limit. */
export const HOTWORD_COUNTS = [0, 10, 100, 1000] as const;
/** Embeddings of one list timed this many times; the median is reported. */
const EMBEDDING_REPEATS = 5;
/** Recognitions of the corpus per list, taking turns; the median is reported. */
const RECOGNITION_ROUNDS = 3;

export interface HotwordCost {
	hotwords: number;
	/** model_eb.onnx on the whole list, ms (median). */
	embeddingMs: number;
	/** Every segment recognized with the list, one run per segment, ms (median of the rounds). */
	recognitionMs: number;
	/** recognitionMs over that without hotwords. */
	slowdown: number;
}

/**
 * A contextual Paraformer with 0, 10, 100 and 1000 hotwords: the cost of embedding each list once,
 * and of recognizing the corpus's segments with it (bias_embed grows with the list).
 */
export async function hotwordsContender(
	setup: SetupMessage,
	precision: Precision,
	threads: number,
): Promise<Contender> {
	const paraformer = await Paraformer.load(setup.asrDir, {
		quantized: precision === 'int8',
		threads,
	});
	const hotwordModel = paraformer.hotwords;
	if (!hotwordModel) {
		await paraformer.release();
		throw new EngineError(
			'MODEL_INTERFACE',
			`${setup.asrDir} takes no hotwords.`,
			'Give the hotword contender a contextual stand-in (tools/stand-ins/generate.py --large-contextual).',
		);
	}
	const features = segmentFeatures(setup);
	const lists = HOTWORD_COUNTS.map((count) => hotwordList(paraformer.tokens, count));
	const recognizeAll = async (bias: HotwordBias): Promise<number> => {
		const started = performance.now();
		for (const matrix of features) await paraformer.recognizeFeatures([matrix], bias);
		return performance.now() - started;
	};
	return {
		async pass() {
			const biases: HotwordBias[] = [];
			const embeddingMs: number[] = [];
			for (const list of lists) {
				const times: number[] = [];
				for (let i = 0; i < EMBEDDING_REPEATS; i++) {
					const started = performance.now();
					biases.push((await hotwordModel.embed(list)).bias);
					times.push(performance.now() - started);
				}
				embeddingMs.push(median(times));
			}
			// Untimed, so that no list pays onnxruntime's first runs; then the lists take turns, so
			// that a change in the machine's load falls on all of them alike.
			await recognizeAll(hotwordModel.none);
			const recognitionMs: number[][] = lists.map(() => []);
			for (let round = 0; round < RECOGNITION_ROUNDS; round++) {
				for (let i = 0; i < lists.length; i++)
					recognitionMs[i].push(await recognizeAll(biases[i * EMBEDDING_REPEATS]));
			}
			const medians = recognitionMs.map(median);
			const costs: HotwordCost[] = lists.map((list, i) => ({
				hotwords: list.length,
				embeddingMs: embeddingMs[i],
				recognitionMs: medians[i],
				slowdown: medians[i] / medians[0],
			}));
			return { data: costs };
		},
		close: () => paraformer.release(),
	};
}

/** `count` distinct words of 2–5 Chinese characters from the vocabulary, the same on every run. */
function hotwordList(tokens: readonly string[], count: number): string[] {
	const characters = tokens.filter((token) => /^[\u4e00-\u9fff]$/.test(token));
	const words: string[] = [];
	let seed = 8404;
	const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
	while (words.length < count) {
		const length = 2 + (next() % 4);
		words.push(Array.from({ length }, () => characters[next() % characters.length]).join(''));
	}
	return words;
}
