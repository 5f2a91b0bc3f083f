import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileProblem, sha256File } from '../../../models/file-checks.js';
import { onnxStructureProblem } from '../../../models/onnx-structure.js';
import { fixturePath, sharedPath } from '../../helpers/paths.js';

const scratch = mkdtempSync(join(tmpdir(), 'rtmp-asr-checks-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const VAD_MODEL = sharedPath('models', 'fsmn-vad', 'model.onnx');
const VAD_BYTES = readFileSync(VAD_MODEL);

function write(name: string, content: Buffer | string): string {
	const path = join(scratch, name);
	writeFileSync(path, content);
	return path;
}

test('real ONNX exports pass the structure check', () => {
	for (const path of [
		VAD_MODEL,
		sharedPath('models', 'toy-paraformer-zh', 'model.onnx'),
		fixturePath('models', 'tiny-paraformer', 'model_quant.onnx'),
		fixturePath('models', 'tiny-punc-realtime', 'model_quant.onnx'),
	]) {
		assert.equal(onnxStructureProblem(path), null, path);
	}
});

test('a model cut anywhere is reported as truncated', () => {
	for (const length of [1, 2, 5, 20, 1000, VAD_BYTES.length / 2, VAD_BYTES.length - 1]) {
		const problem = onnxStructureProblem(write('cut.onnx', VAD_BYTES.subarray(0, length)));
		assert.match(problem ?? 'accepted', /truncated|has no graph/, `cut at ${length}`);
	}
});

test('an error page, an empty file, trailing bytes and an implausible ir_version are not ONNX', () => {
	assert.match(
		onnxStructureProblem(write('page.onnx', '<html><body>403 Forbidden</body></html>')) ?? '',
		/^it does not start like an ONNX model \(first bytes 3c 68 74 6d 6c 3e 3c 62, which is text: an error page\?\)$/,
	);
	assert.equal(onnxStructureProblem(write('empty.onnx', '')), 'it is empty');
	assert.match(
		onnxStructureProblem(write('tail.onnx', Buffer.concat([VAD_BYTES, Buffer.from([0x08])]))) ?? '',
		/ends inside field 1 .*truncated/,
	);
	assert.match(
		onnxStructureProblem(write('zeros.onnx', Buffer.concat([VAD_BYTES, Buffer.alloc(4)]))) ?? '',
		/invalid field number/,
	);
	assert.match(
		onnxStructureProblem(write('ir.onnx', Buffer.from([0x08, 0xff, 0x01]))) ?? '',
		/ir_version 255 is not plausible/,
	);
	assert.match(
		onnxStructureProblem(write('fixed.onnx', Buffer.from([0x08, 0x07, 0x0d, 0, 0, 0, 0]))) ?? '',
		/wire type 5/,
	);
	assert.equal(
		onnxStructureProblem(write('nograph.onnx', Buffer.from([0x08, 0x07, 0x12, 0x01, 0x61]))),
		'it has no graph',
	);
});

test('fileProblem checks the announced size, an exact catalog size, the content by type and sha256', async () => {
	const model = write('model.onnx', VAD_BYTES);
	const sha256 = createHash('sha256').update(VAD_BYTES).digest('hex');
	const file = { name: 'model.onnx', bytes: VAD_BYTES.length, approximate: false, sha256 };
	assert.equal(await fileProblem(file, model, VAD_BYTES.length), null);
	assert.equal(
		await fileProblem(file, model, VAD_BYTES.length + 5),
		`it has ${VAD_BYTES.length} bytes but the server announced ${VAD_BYTES.length + 5}`,
	);
	assert.equal(
		await fileProblem({ ...file, bytes: 5 }, model),
		`it has ${VAD_BYTES.length} bytes, not 5`,
	);
	assert.equal(
		await fileProblem({ ...file, bytes: 5, approximate: true, sha256: undefined }, model),
		null,
		'an approximate size is only a hint',
	);
	assert.match(
		(await fileProblem({ ...file, sha256: 'f'.repeat(64) }, model)) ?? '',
		/^its sha256 is [0-9a-f]{64}, not f{64}$/,
	);
	assert.equal(await sha256File(model), sha256);

	const loose = { bytes: 1, approximate: true };
	assert.equal(
		await fileProblem({ name: 'tokens.json', ...loose }, write('tokens.json', '["a", "b"')),
		'it is not valid JSON',
	);
	assert.equal(
		await fileProblem(
			{ name: 'tokens.json', ...loose },
			sharedPath('models', 'paraformer-large-zh-vocab8404', 'tokens.json'),
		),
		null,
	);
	assert.equal(
		await fileProblem({ name: 'config.yaml', ...loose }, write('config.yaml', '<html>\n')),
		'it is not a YAML mapping',
	);
	assert.equal(
		await fileProblem(
			{ name: 'config.yaml', ...loose },
			sharedPath('models', 'fsmn-vad', 'config.yaml'),
		),
		null,
	);
	assert.equal(
		await fileProblem({ name: 'am.mvn', ...loose }, write('am.mvn', '<html>\n')),
		'it is not a Kaldi nnet CMVN file (no <Nnet> header)',
	);
	assert.equal(
		await fileProblem({ name: 'am.mvn', ...loose }, sharedPath('models', 'fsmn-vad', 'am.mvn')),
		null,
	);
});
