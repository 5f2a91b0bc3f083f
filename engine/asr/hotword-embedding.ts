import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { EngineError } from '../errors.js';
import { tokenIds } from '../model-dir/tokens.js';
import { createSession, ort, type Session } from '../onnx/onnx-session.js';
import {
	loadSegDict,
	MAX_HOTWORD_TOKENS,
	tokenizeHotwords,
	type HotwordRows,
	type SegDict,
	type SkippedHotword,
} from './hotword-tokenizer.js';

/** The hotword embedder FunASR exports beside a contextual or SeACo Paraformer. */
export const EMBEDDER_FILE = 'model_eb.onnx';
const WHAT = `hotword embedder (FunASR ${EMBEDDER_FILE}: input int32 [hotwords, ${MAX_HOTWORD_TOKENS}], output float32 [${MAX_HOTWORD_TOKENS}, hotwords, dim])`;

/** A hotword list embedded: the model's `bias_embed` for one utterance, rows × dim. */
export interface HotwordBias {
	/** The hotwords kept, then `<s>`: rows = words.length + 1. */
	words: string[];
	rows: number;
	dim: number;
	data: Float32Array;
	/** Time model_eb.onnx took, ms. */
	embeddingMs: number;
}

/**
 * model_eb.onnx: hotword token rows in, the bias encoder's state after every token out
 * (sequence-first, as FunASR exports it); each hotword's embedding is the state at its last token.
 */
export class HotwordEmbedder {
	private constructor(
		private readonly session: Session,
		readonly modelPath: string,
		private readonly inputName: string,
		private readonly outputName: string,
		/** The embedding size when the graph declares it. */
		readonly dim: number | null,
	) {}

	static async load(modelPath: string, threads: number): Promise<HotwordEmbedder> {
		const session = await createSession(modelPath, 'Hotword embedder', { threads });
		try {
			const dim = checkInterface(session, modelPath);
			return new HotwordEmbedder(
				session,
				modelPath,
				session.inputNames[0],
				session.outputNames[0],
				dim,
			);
		} catch (error) {
			await session.release();
			throw error;
		}
	}

	async embed(rows: HotwordRows): Promise<HotwordBias> {
		const start = performance.now();
		const count = rows.lengths.length;
		const feeds = {
			[this.inputName]: new ort.Tensor('int32', rows.ids, [count, MAX_HOTWORD_TOKENS]),
		};
		const output = (await this.session.run(feeds, [this.outputName]))[this.outputName];
		const [steps, hotwords, dim] = output.dims;
		if (
			output.dims.length !== 3 ||
			steps !== MAX_HOTWORD_TOKENS ||
			hotwords !== count ||
			dim === undefined
		) {
			throw new EngineError(
				'MODEL_INTERFACE',
				`${WHAT} "${this.modelPath}" answered ${count} hotwords with shape [${output.dims.join(', ')}], not [${MAX_HOTWORD_TOKENS}, ${count}, dim].`,
				'Use the model_eb.onnx exported together with the model.onnx beside it.',
			);
		}
		const states = output.data as Float32Array;
		const data = new Float32Array(count * dim);
		rows.lengths.forEach((length, row) => {
			const offset = ((length - 1) * count + row) * dim;
			data.set(states.subarray(offset, offset + dim), row * dim);
		});
		return {
			words: [...rows.words, '<s>'],
			rows: count,
			dim,
			data,
			embeddingMs: performance.now() - start,
		};
	}

	async release(): Promise<void> {
		await this.session.release();
	}
}

/** FunASR's embedder interface, or an error naming what differs; the embedding size if declared. */
function checkInterface(session: Session, modelPath: string): number | null {
	const problems: string[] = [];
	if (session.inputNames.length !== 1)
		problems.push(
			`it has ${session.inputNames.length} inputs (${session.inputNames.join(', ')}), not 1`,
		);
	if (session.outputNames.length !== 1)
		problems.push(
			`it has ${session.outputNames.length} outputs (${session.outputNames.join(', ')}), not 1`,
		);
	const input = session.inputMetadata[0];
	const output = session.outputMetadata[0];
	if (input?.isTensor) {
		if (input.type !== 'int32') problems.push(`input "${input.name}" is ${input.type}, not int32`);
		if (input.shape.length !== 2)
			problems.push(`input "${input.name}" has ${input.shape.length} dimensions, not 2`);
		else if (typeof input.shape[1] === 'number' && input.shape[1] !== MAX_HOTWORD_TOKENS)
			problems.push(
				`input "${input.name}" takes ${input.shape[1]} tokens per hotword, not ${MAX_HOTWORD_TOKENS}`,
			);
	}
	let dim: number | null = null;
	if (output?.isTensor) {
		if (output.type !== 'float32')
			problems.push(`output "${output.name}" is ${output.type}, not float32`);
		if (output.shape.length !== 3)
			problems.push(`output "${output.name}" has ${output.shape.length} dimensions, not 3`);
		else if (typeof output.shape[0] === 'number' && output.shape[0] !== MAX_HOTWORD_TOKENS)
			problems.push(
				`output "${output.name}" has ${output.shape[0]} steps first, not ${MAX_HOTWORD_TOKENS} (FunASR's embedder is sequence-first)`,
			);
		const last = output.shape[2];
		if (typeof last === 'number') dim = last;
	}
	if (problems.length > 0) {
		throw new EngineError(
			'MODEL_INTERFACE',
			`${WHAT} "${modelPath}" does not fit: ${problems.join('; ')}.`,
			'Use the model_eb.onnx exported together with the model.onnx beside it (FunASR export of a contextual or SeACo Paraformer).',
		);
	}
	return dim;
}

/** A hotword list ready for the model, and what of it was skipped. */
export interface EmbeddedHotwords {
	bias: HotwordBias;
	skipped: SkippedHotword[];
}

/** The hotword half of a contextual or SeACo Paraformer: its vocabulary, seg_dict and model_eb.onnx. */
export class HotwordModel {
	private constructor(
		private readonly embedder: HotwordEmbedder,
		private readonly vocabulary: ReadonlyMap<string, number>,
		private readonly segDict: SegDict | null,
		/** The empty list: the `<s>` row alone, what the model gets when no hotword is set. */
		readonly none: HotwordBias,
	) {}

	static async load(
		modelDir: string,
		tokens: readonly string[],
		threads: number,
		biasDim: number | null,
	): Promise<HotwordModel> {
		const embedder = await HotwordEmbedder.load(join(modelDir, EMBEDDER_FILE), threads);
		try {
			const vocabulary = tokenIds(tokens);
			const none = await embedder.embed(tokenizeHotwords([], vocabulary, null));
			if (biasDim !== null && none.dim !== biasDim) {
				throw new EngineError(
					'MODEL_INTERFACE',
					`Hotword embedder "${embedder.modelPath}" gives ${none.dim}-dimensional embeddings but the model's "bias_embed" takes ${biasDim}.`,
					'Use the model_eb.onnx exported together with the model.onnx beside it.',
				);
			}
			return new HotwordModel(embedder, vocabulary, loadSegDict(modelDir), none);
		} catch (error) {
			await embedder.release();
			throw error;
		}
	}

	/** Tokenises and embeds a list once; the same bias then serves every utterance. */
	async embed(hotwords: readonly string[]): Promise<EmbeddedHotwords> {
		const rows = tokenizeHotwords(hotwords, this.vocabulary, this.segDict);
		return { bias: await this.embedder.embed(rows), skipped: rows.skipped };
	}

	release(): Promise<void> {
		return this.embedder.release();
	}
}
