import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadTokens, TOKEN_FILES } from '../model-dir/tokens.js';
import { EngineError } from '../errors.js';
import {
	readModelConfig,
	requireModelFiles,
	yamlSection,
	type YamlMap,
} from '../model-dir/model-config.js';
import { createSession, ort, requireInterface, type Session } from '../onnx/onnx-session.js';
import { SerialQueue } from '../serial-queue.js';
import { PunctuationVocabulary, splitPunctuationWords } from './punc-tokenizer.js';
import { punctuateOffline, punctuateRealtime, type PunctuatedWords } from './punctuate-words.js';
import { PunctuationLabels } from './punctuation-labels.js';

const OFFLINE_MODEL = 'punc_ct-transformer_zh-cn-common-vocab272727-onnx';
const REALTIME_MODEL = 'punc_ct-transformer_zh-cn-common-vad_realtime-vocab272727-onnx';
const WHAT = `CT-Transformer punctuation model (FunASR ${OFFLINE_MODEL} or ${REALTIME_MODEL})`;
const OFFLINE_INPUTS = ['inputs', 'text_lengths'] as const;
const REALTIME_INPUTS = [...OFFLINE_INPUTS, 'vad_masks', 'sub_masks'] as const;
const OUTPUTS = ['logits'] as const;

/** `offline` punctuates each text alone; `vad_realtime` carries the unfinished sentence between texts. */
export type PunctuatorKind = 'offline' | 'vad_realtime';

export interface PunctuatorOptions {
	/** Load model_quant.onnx (int8) instead of model.onnx. */
	quantized?: boolean;
	/** onnxruntime intra-op threads. */
	threads?: number;
}

export type PunctuationResult = PunctuatedWords;

/**
 * What a realtime punctuator remembers of one stream: the words after the last sentence end, given
 * again as context before the next text. One per stream; calls on one cache run in call order.
 */
export class PunctuationCache {
	words: string[] = [];
	/** Calls on this cache, one after another. */
	readonly turns = new SerialQueue();

	clear(): void {
		this.words = [];
	}
}

/** Logits of one run, row-major [words, classes]. */
export interface PunctuationLogits {
	logits: Float32Array;
	classes: number;
}

/** FunASR's CT-Transformer punctuation on onnxruntime, either variant, detected from the model's inputs. */
export class Punctuator {
	private constructor(
		private readonly session: Session,
		readonly modelPath: string,
		readonly kind: PunctuatorKind,
		readonly vocabulary: PunctuationVocabulary,
		readonly labels: PunctuationLabels,
		private readonly idType: 'int32' | 'int64',
		private readonly lengthType: 'int32' | 'int64',
	) {}

	static async load(modelDir: string, options: PunctuatorOptions = {}): Promise<Punctuator> {
		const modelFile = options.quantized ? 'model_quant.onnx' : 'model.onnx';
		requireModelFiles(modelDir, [modelFile, 'config.yaml'], 'Punctuation model');
		const config = readModelConfig(modelDir, 'Punctuation model');
		const labels = new PunctuationLabels(
			punctuationList(config, join(modelDir, 'config.yaml')),
			`${join(modelDir, 'config.yaml')}: model_conf.punc_list`,
		);
		const vocabulary = new PunctuationVocabulary(tokenList(modelDir, config));
		const modelPath = join(modelDir, modelFile);
		const session = await createSession(modelPath, 'Punctuation model', {
			threads: options.threads ?? 1,
			signedInt8Weights: options.quantized === true,
		});
		try {
			const kind: PunctuatorKind = session.inputNames.includes('vad_masks')
				? 'vad_realtime'
				: 'offline';
			requireInterface(
				session,
				modelPath,
				WHAT,
				kind === 'vad_realtime' ? REALTIME_INPUTS : OFFLINE_INPUTS,
				OUTPUTS,
			);
			const { idType, lengthType } = checkInterface(session, modelPath, labels.size);
			return new Punctuator(session, modelPath, kind, vocabulary, labels, idType, lengthType);
		} catch (error) {
			await session.release();
			throw error;
		}
	}

	/**
	 * Punctuates recognized text. The realtime variant uses and updates `cache` (a fresh one if none is
	 * given); the offline variant ignores it.
	 */
	async punctuate(text: string, cache?: PunctuationCache): Promise<PunctuationResult> {
		const words = splitPunctuationWords(text);
		if (this.kind === 'offline')
			return punctuateOffline(words, this.vocabulary.encode(words), this.labels, (ids) =>
				this.labelWords(ids, 0),
			);
		const state = cache ?? new PunctuationCache();
		return state.turns.run(async () => {
			const all = state.words.concat(words);
			const result = await punctuateRealtime(
				all,
				this.vocabulary.encode(all),
				state.words.length,
				this.labels,
				(ids, cacheSize) => this.labelWords(ids, cacheSize),
			);
			state.words = result.cache;
			return { text: result.text, words: result.words, labels: result.labels };
		});
	}

	/** Argmax label of each word of one mini-sentence. */
	async labelWords(ids: Int32Array, cacheSize: number): Promise<Int32Array> {
		const { logits, classes } = await this.run(ids, cacheSize);
		const labels = new Int32Array(ids.length);
		for (let word = 0; word < ids.length; word++) {
			const offset = word * classes;
			let best = 0;
			for (let label = 1; label < classes; label++) {
				if (logits[offset + label] > logits[offset + best]) best = label;
			}
			labels[word] = best;
		}
		return labels;
	}

	/** One onnxruntime run over one mini-sentence; `cacheSize` words at its start are context (realtime masks). */
	async run(ids: Int32Array, cacheSize: number): Promise<PunctuationLogits> {
		const length = ids.length;
		const feeds: Record<string, ort.Tensor> = {
			inputs: new ort.Tensor(
				this.idType,
				this.idType === 'int64' ? BigInt64Array.from(ids, BigInt) : ids,
				[1, length],
			),
			text_lengths: new ort.Tensor(
				this.lengthType,
				this.lengthType === 'int64' ? BigInt64Array.of(BigInt(length)) : Int32Array.of(length),
				[1],
			),
		};
		if (this.kind === 'vad_realtime') {
			const mask = new ort.Tensor('float32', realtimeMask(length, cacheSize), [
				1,
				1,
				length,
				length,
			]);
			feeds.vad_masks = mask;
			feeds.sub_masks = mask;
		}
		const outputs = await this.session.run(feeds, [...OUTPUTS]);
		const logits = outputs.logits!;
		return { logits: logits.data as Float32Array, classes: logits.dims.at(-1)! };
	}

	async release(): Promise<void> {
		await this.session.release();
	}
}

/**
 * The attention mask FunASR's realtime runtimes (Python and C++) pass as both `vad_masks` and
 * `sub_masks`: all ones, except that the cached words before the last one cannot see the new text,
 * so that the context is read as it was when it was punctuated.
 */
export function realtimeMask(length: number, cacheSize: number): Float32Array {
	const mask = new Float32Array(length * length).fill(1);
	if (cacheSize <= 0 || cacheSize >= length) return mask;
	for (let row = 0; row < cacheSize - 1; row++)
		mask.fill(0, row * length + cacheSize, (row + 1) * length);
	return mask;
}

/** `model_conf.punc_list` (current exports) or a top-level `punc_list` (older ones). */
function punctuationList(config: YamlMap, configPath: string): string[] {
	const list = yamlSection(config, 'model_conf').punc_list ?? config.punc_list;
	if (Array.isArray(list) && list.length > 0 && list.every((mark) => typeof mark === 'string'))
		return list as string[];
	throw new EngineError(
		'MODEL_INVALID',
		`${configPath} has no model_conf.punc_list.`,
		'Restore the config.yaml shipped with the CT-Transformer model.',
	);
}

/** tokens.json / tokens.txt, or the `token_list` older exports kept in config.yaml. */
function tokenList(modelDir: string, config: YamlMap): string[] {
	const inConfig = config.token_list;
	const hasFile = TOKEN_FILES.some((file) => existsSync(join(modelDir, file)));
	if (!hasFile && Array.isArray(inConfig) && inConfig.every((token) => typeof token === 'string'))
		return inConfig as string[];
	return loadTokens(modelDir, 'Punctuation model');
}

function checkInterface(
	session: Session,
	modelPath: string,
	classes: number,
): { idType: 'int32' | 'int64'; lengthType: 'int32' | 'int64' } {
	const typeOf = (name: string) => {
		const value = session.inputMetadata.find((entry) => entry.name === name);
		return value && value.isTensor ? value.type : 'int32';
	};
	const idType = typeOf('inputs');
	const lengthType = typeOf('text_lengths');
	const logits = session.outputMetadata.find((entry) => entry.name === 'logits');
	const logitsClasses = logits && logits.isTensor ? logits.shape.at(-1) : undefined;
	const problems: string[] = [];
	if (idType !== 'int32' && idType !== 'int64')
		problems.push(`input "inputs" is ${idType}, not int32 or int64`);
	if (lengthType !== 'int32' && lengthType !== 'int64')
		problems.push(`input "text_lengths" is ${lengthType}, not int32 or int64`);
	if (typeof logitsClasses === 'number' && logitsClasses !== classes) {
		problems.push(
			`output "logits" has ${logitsClasses} classes but config.yaml's punc_list has ${classes}`,
		);
	}
	if (problems.length > 0) {
		throw new EngineError(
			'MODEL_INTERFACE',
			`${WHAT} "${modelPath}" does not fit: ${problems.join('; ')}.`,
			'Use model.onnx, config.yaml and tokens.json from the same FunASR export.',
		);
	}
	return { idType: idType as 'int32' | 'int64', lengthType: lengthType as 'int32' | 'int64' };
}
