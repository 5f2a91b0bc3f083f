'use strict';
// Runs a contextual stand-in's reference.json through onnxruntime-node: both graphs, as FunASR's
// C++ runtime chains them (embedding rows picked at each hotword's last token, then bias_embed).
// Usage: node_modules/.bin/node tools/stand-ins/verify-contextual.js DIR...
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const ort = require('onnxruntime-node');

const MAX_HOTWORD_TOKENS = 10;

async function verifyDirectory(directory) {
	const reference = JSON.parse(readFileSync(join(directory, 'reference.json'), 'utf8'));
	const options = {
		intraOpNumThreads: Number(process.env.THREADS ?? 2),
		graphOptimizationLevel: 'all',
	};
	const embedder = await ort.InferenceSession.create(join(directory, 'model_eb.onnx'), options);
	const model = await ort.InferenceSession.create(join(directory, 'model.onnx'), options);
	const bytes = readFileSync(join(directory, reference.speech.file));
	const speech = new ort.Tensor(
		'float32',
		new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
		reference.speech.shape,
	);
	const lengths = new ort.Tensor('int32', Int32Array.from(reference.speech.lengths), [
		reference.speech.lengths.length,
	]);
	const failures = [];
	let maxDifference = 0;
	for (const testCase of reference.cases) {
		const rows = testCase.ids.length;
		const { hw_embed: states } = await embedder.run({
			hotword: new ort.Tensor('int32', Int32Array.from(testCase.ids.flat()), [
				rows,
				MAX_HOTWORD_TOKENS,
			]),
		});
		const dim = states.dims[2];
		const picked = new Float32Array(rows * dim);
		testCase.lengths.forEach((length, row) =>
			picked.set(
				states.data.subarray(
					((length - 1) * rows + row) * dim,
					((length - 1) * rows + row + 1) * dim,
				),
				row * dim,
			),
		);
		testCase.embedding
			.flat()
			.forEach(
				(expected, i) => (maxDifference = Math.max(maxDifference, Math.abs(picked[i] - expected))),
			);
		const batch = reference.speech.lengths.length;
		const bias = new Float32Array(batch * picked.length);
		for (let b = 0; b < batch; b += 1) bias.set(picked, b * picked.length);
		const { logits, token_num: tokenNum } = await model.run({
			speech,
			speech_lengths: lengths,
			bias_embed: new ort.Tensor('float32', bias, [batch, rows, dim]),
		});
		if (
			logits.dims.join() !== testCase.logits_shape.join() ||
			Array.from(tokenNum.data, Number).join() !== testCase.token_num.join()
		) {
			failures.push(
				`${directory} ${testCase.name}: logits ${logits.dims} / token_num ${tokenNum.data} instead of ${testCase.logits_shape} / ${testCase.token_num}`,
			);
			continue;
		}
		testCase.logits
			.flat(2)
			.forEach(
				(expected, i) =>
					(maxDifference = Math.max(maxDifference, Math.abs(logits.data[i] - expected))),
			);
	}
	console.log(
		`${directory}: ${reference.cases.length} hotword lists, embeddings and logits within ${maxDifference.toExponential(2)} of torch`,
	);
	if (maxDifference > reference.tolerance)
		failures.push(`${directory}: max |difference| ${maxDifference} > ${reference.tolerance}`);
	await Promise.all([embedder.release(), model.release()]);
	return failures;
}

async function main() {
	const directories = process.argv.slice(2);
	if (directories.length === 0) throw new Error('usage: verify-contextual.js MODEL_DIR...');
	const failures = [];
	for (const directory of directories) failures.push(...(await verifyDirectory(directory)));
	if (failures.length > 0)
		throw new Error(`onnxruntime differs from torch:\n${failures.join('\n')}`);
}

main().catch((error) => {
	console.error(error.message);
	process.exit(1);
});
