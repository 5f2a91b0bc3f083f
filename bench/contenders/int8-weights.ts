import {
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Paraformer } from '../../engine/asr/paraformer.js';
import { convertToSignedInt8Weights } from '../../engine/onnx/signed-int8-weights.js';
import { editDistance } from '../../test/helpers/text.js';
import type { SetupMessage } from '../contender-protocol.js';
import type { Contender } from './contender.js';
import { segmentFeatures } from './model.js';

const QUANTIZED_MODEL = 'model_quant.onnx';

export interface Int8WeightsFigures {
	/** onnxruntime run time over the corpus's segments, one thread: FunASR's uint8 weights / the same shifted to int8. */
	uint8RunMs: number;
	int8RunMs: number;
	segments: number;
	/** Segments whose tokens are the same with int8 weights as with uint8 weights. */
	identicalSegments: number;
	/** Token edit distance of the int8-weight output to the uint8-weight output, over the uint8 tokens. */
	tokenErrorRate: number;
}

/**
 * What the engine forgoes by keeping FunASR's uint8 weights on a CPU without VNNI: Paraformer alone
 * (one thread) on model_quant.onnx as shipped and on a copy whose weights get the shift the engine
 * applies on VNNI CPUs (engine/onnx/signed-int8-weights.ts), segment by segment in alternating
 * order. The time of each, and how far the int8-weight tokens stray (onnxruntime's uint8 × int8
 * kernel can saturate without VNNI).
 */
export async function int8WeightsContender(setup: SetupMessage): Promise<Contender> {
	const copyDir = mkdtempSync(join(tmpdir(), 'rtmp-asr-int8-weights-'));
	try {
		for (const name of readdirSync(setup.asrDir))
			if (name !== QUANTIZED_MODEL) symlinkSync(join(setup.asrDir, name), join(copyDir, name));
		const model = readFileSync(join(setup.asrDir, QUANTIZED_MODEL));
		convertToSignedInt8Weights(model);
		writeFileSync(join(copyDir, QUANTIZED_MODEL), model);
	} catch (error) {
		rmSync(copyDir, { recursive: true, force: true });
		throw error;
	}
	const features = segmentFeatures(setup);
	const shipped = await Paraformer.load(setup.asrDir, { quantized: true, threads: 1 });
	const shifted = await Paraformer.load(copyDir, { quantized: true, threads: 1 });
	return {
		async pass() {
			const before = { shipped: shipped.stats.inferenceMs, shifted: shifted.stats.inferenceMs };
			let identicalSegments = 0;
			let tokenErrors = 0;
			let referenceTokens = 0;
			for (const [i, matrix] of features.entries()) {
				const tokens = new Map<Paraformer, string[]>();
				for (const paraformer of i % 2 === 0 ? [shipped, shifted] : [shifted, shipped])
					tokens.set(paraformer, (await paraformer.recognizeFeatures([matrix]))[0].tokens);
				const reference = tokens.get(shipped)!;
				const errors = editDistance(reference, tokens.get(shifted)!);
				if (errors === 0) identicalSegments++;
				tokenErrors += errors;
				referenceTokens += reference.length;
			}
			const figures: Int8WeightsFigures = {
				uint8RunMs: shipped.stats.inferenceMs - before.shipped,
				int8RunMs: shifted.stats.inferenceMs - before.shifted,
				segments: features.length,
				identicalSegments,
				tokenErrorRate: referenceTokens > 0 ? tokenErrors / referenceTokens : 0,
			};
			return { data: figures };
		},
		async close() {
			await Promise.all([shipped.release(), shifted.release()]);
			rmSync(copyDir, { recursive: true, force: true });
		},
	};
}
