'use strict';
// Runs each stand-in's reference.json through onnxruntime-node and compares with torch's outputs.
// Usage: node_modules/.bin/node tools/stand-ins/verify.js DIR...
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const ort = require('onnxruntime-node');

const DEFAULT_TOLERANCE = 1e-4;

const INTERFACES = {
	paraformer: {
		inputs: [
			['speech', 'float32'],
			['speech_lengths', 'int32'],
		],
		outputs: [
			['logits', 'float32'],
			['token_num', 'int32'],
		],
	},
	'paraformer-timestamps': {
		inputs: [
			['speech', 'float32'],
			['speech_lengths', 'int32'],
		],
		outputs: [
			['logits', 'float32'],
			['token_num', 'int32'],
			['us_alphas', 'float32'],
			['us_cif_peak', 'float32'],
		],
	},
	sensevoice: {
		inputs: [
			['speech', 'float32'],
			['speech_lengths', 'int32'],
			['language', 'int32'],
			['textnorm', 'int32'],
		],
		outputs: [
			['ctc_logits', 'float32'],
			['encoder_out_lens', 'int32'],
		],
	},
	punctuation: {
		inputs: [
			['inputs', 'int32'],
			['text_lengths', 'int32'],
		],
		outputs: [['logits', 'float32']],
	},
	'punctuation-realtime': {
		inputs: [
			['inputs', 'int32'],
			['text_lengths', 'int32'],
			['vad_masks', 'float32'],
			['sub_masks', 'float32'],
		],
		outputs: [['logits', 'float32']],
	},
};

class Comparison {
	constructor(label, tolerance) {
		this.label = label;
		this.tolerance = tolerance;
		this.maxDifference = 0;
		this.maxSumDifference = 0;
		this.values = 0;
		this.argmaxMismatches = 0;
		this.argmaxRows = 0;
		this.countMismatches = 0;
	}

	value(actual, expected) {
		this.values += 1;
		this.maxDifference = Math.max(this.maxDifference, Math.abs(actual - expected));
	}

	sum(actual, expected) {
		this.maxSumDifference = Math.max(this.maxSumDifference, Math.abs(actual - expected));
	}

	argmax(actual, expected) {
		this.argmaxRows += 1;
		if (actual !== expected) this.argmaxMismatches += 1;
	}

	failures(exact) {
		if (!exact) return [];
		const failures = [];
		if (this.maxDifference > this.tolerance)
			failures.push(`max |difference| ${this.maxDifference} > ${this.tolerance}`);
		if (this.argmaxMismatches > 0) failures.push(`${this.argmaxMismatches} argmax rows differ`);
		if (this.countMismatches > 0) failures.push(`${this.countMismatches} token counts differ`);
		return failures;
	}

	summary() {
		const sums =
			this.maxSumDifference > 0
				? `, row sums within ${this.maxSumDifference.toExponential(2)}`
				: '';
		return `${this.label}: ${this.values} values within ${this.maxDifference.toExponential(2)}${sums}; argmax ${this.argmaxRows - this.argmaxMismatches}/${this.argmaxRows} rows agree; token counts differ in ${this.countMismatches}`;
	}
}

function checkInterface(session, kind, path) {
	const expected = INTERFACES[kind];
	const describe = (metadata) => metadata.map((m) => `${m.name}:${m.type}`).join(', ');
	const actualInputs = describe(session.inputMetadata);
	const actualOutputs = describe(session.outputMetadata);
	const wantedInputs = expected.inputs.map(([name, type]) => `${name}:${type}`).join(', ');
	const wantedOutputs = expected.outputs.map(([name, type]) => `${name}:${type}`).join(', ');
	if (actualInputs !== wantedInputs || actualOutputs !== wantedOutputs) {
		throw new Error(
			`${path}: interface is (${actualInputs}) -> (${actualOutputs}), expected (${wantedInputs}) -> (${wantedOutputs})`,
		);
	}
}

function readSpeech(directory, reference) {
	const bytes = readFileSync(join(directory, reference.speech.file));
	return new Float32Array(
		bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
	);
}

/** The run's input: items of the padded batch in speech.f32, cut to the run's time length. */
function runSpeech(all, reference, run) {
	const [, totalTime, dim] = reference.speech.shape;
	const [batch, time] = run.speech_shape;
	const data = new Float32Array(batch * time * dim);
	run.items.forEach((item, row) => {
		for (let t = 0; t < time; t += 1) {
			const from = (item * totalTime + t) * dim;
			data.set(all.subarray(from, from + dim), (row * time + t) * dim);
		}
	});
	return new ort.Tensor('float32', data, run.speech_shape);
}

function argmax(values, from, count) {
	let best = from;
	for (let i = from + 1; i < from + count; i += 1) if (values[i] > values[best]) best = i;
	return best - from;
}

async function checkParaformer(session, directory, reference, comparison) {
	const all = readSpeech(directory, reference);
	for (const run of reference.runs) {
		const result = await session.run({
			speech: runSpeech(all, reference, run),
			speech_lengths: new ort.Tensor('int32', Int32Array.from(run.speech_lengths), [
				run.speech_lengths.length,
			]),
		});
		const logits = result.logits;
		if (logits.dims.join() !== run.logits_shape.join()) {
			comparison.countMismatches += 1;
			continue;
		}
		const [batch, rows, vocab] = logits.dims;
		for (let b = 0; b < batch; b += 1) {
			if (Number(result.token_num.data[b]) !== run.token_num[b]) comparison.countMismatches += 1;
			for (let r = 0; r < rows; r += 1) {
				const offset = (b * rows + r) * vocab;
				comparison.argmax(argmax(logits.data, offset, vocab), run.argmax[b][r]);
				let max = -Infinity;
				let sum = 0;
				for (let v = 0; v < vocab; v += 1) {
					max = Math.max(max, logits.data[offset + v]);
					sum += logits.data[offset + v];
				}
				comparison.value(max, run.row_max[b][r]);
				comparison.sum(sum, run.row_sum[b][r]);
				run.logits_head[b][r].forEach((expected, v) =>
					comparison.value(logits.data[offset + v], expected),
				);
				run.top5_ids[b][r].forEach((id, k) =>
					comparison.value(logits.data[offset + id], run.top5_values[b][r][k]),
				);
			}
			for (const name of run.us_shape ? ['us_alphas', 'us_cif_peak'] : []) {
				const frames = result[name].dims[1];
				run[name][b].forEach((expected, t) =>
					comparison.value(result[name].data[b * frames + t], expected),
				);
			}
		}
	}
}

async function checkSenseVoice(session, directory, reference, comparison) {
	const all = readSpeech(directory, reference);
	const ints = (values) => new ort.Tensor('int32', Int32Array.from(values), [values.length]);
	for (const run of reference.runs) {
		const result = await session.run({
			speech: runSpeech(all, reference, run),
			speech_lengths: ints(run.speech_lengths),
			language: ints(run.language),
			textnorm: ints(run.textnorm),
		});
		const logits = result.ctc_logits;
		if (logits.dims.join() !== run.logits_shape.join()) {
			comparison.countMismatches += 1;
			continue;
		}
		const [batch, rows, vocab] = logits.dims;
		for (let b = 0; b < batch; b += 1) {
			if (Number(result.encoder_out_lens.data[b]) !== run.encoder_out_lens[b])
				comparison.countMismatches += 1;
			for (let r = 0; r < rows; r += 1) {
				const offset = (b * rows + r) * vocab;
				comparison.argmax(argmax(logits.data, offset, vocab), run.argmax[b][r]);
				run.top5_ids[b][r].forEach((id, k) =>
					comparison.value(logits.data[offset + id], run.top5_values[b][r][k]),
				);
			}
		}
	}
}

async function checkPunctuation(session, reference, comparison) {
	for (const testCase of reference.cases) {
		const batch = testCase.inputs.length;
		const length = testCase.inputs[0].length;
		const feeds = {
			inputs: new ort.Tensor('int32', Int32Array.from(testCase.inputs.flat()), [batch, length]),
			text_lengths: new ort.Tensor('int32', Int32Array.from(testCase.text_lengths), [batch]),
		};
		if (testCase.vad_masks) {
			feeds.vad_masks = new ort.Tensor('float32', Float32Array.from(testCase.vad_masks.flat()), [
				1,
				1,
				length,
				length,
			]);
			feeds.sub_masks = new ort.Tensor('float32', Float32Array.from(testCase.sub_masks.flat()), [
				1,
				1,
				length,
				length,
			]);
		}
		const { logits } = await session.run(feeds);
		const labels = logits.dims[2];
		for (let b = 0; b < batch; b += 1) {
			for (let i = 0; i < length; i += 1) {
				const offset = (b * length + i) * labels;
				comparison.argmax(argmax(logits.data, offset, labels), testCase.argmax[b][i]);
				testCase.logits[b][i].forEach((expected, k) =>
					comparison.value(logits.data[offset + k], expected),
				);
			}
		}
	}
}

async function verifyDirectory(directory) {
	const reference = JSON.parse(readFileSync(join(directory, 'reference.json'), 'utf8'));
	const failures = [];
	for (const file of ['model.onnx', 'model_quant.onnx']) {
		const path = join(directory, file);
		if (!existsSync(path)) {
			if (file === 'model.onnx') failures.push(`${path} is missing`);
			continue;
		}
		const session = await ort.InferenceSession.create(path, {
			intraOpNumThreads: Number(process.env.THREADS ?? 2),
			graphOptimizationLevel: 'all',
		});
		checkInterface(session, reference.kind, path);
		const comparison = new Comparison(
			`${directory}/${file}`,
			reference.tolerance ?? DEFAULT_TOLERANCE,
		);
		if (reference.kind.startsWith('paraformer'))
			await checkParaformer(session, directory, reference, comparison);
		else if (reference.kind === 'sensevoice')
			await checkSenseVoice(session, directory, reference, comparison);
		else await checkPunctuation(session, reference, comparison);
		console.log(comparison.summary());
		// int8 weights change the numbers by design: it must load, keep the interface and run.
		failures.push(
			...comparison
				.failures(file === 'model.onnx')
				.map((failure) => `${comparison.label}: ${failure}`),
		);
		await session.release();
	}
	return failures;
}

async function main() {
	const directories = process.argv.slice(2);
	if (directories.length === 0) throw new Error('usage: verify.js MODEL_DIR...');
	const failures = [];
	for (const directory of directories) failures.push(...(await verifyDirectory(directory)));
	if (failures.length > 0)
		throw new Error(`onnxruntime differs from torch:\n${failures.join('\n')}`);
	console.log('onnxruntime matches torch for every model.onnx');
}

main().catch((error) => {
	console.error(error.message);
	process.exit(1);
});
