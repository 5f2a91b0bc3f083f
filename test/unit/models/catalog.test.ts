import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { EngineError } from '../../../engine/errors.js';
import {
	CATALOG_PATH,
	defaultCatalog,
	findModel,
	isQuantized,
	totalBytes,
	validateCatalog,
} from '../../../models/catalog.js';
import { downloadSources } from '../../../models/sources.js';
import { sharedPath } from '../../helpers/paths.js';

const PARAFORMER_ID = 'speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-onnx';
/** The NN-hotword model FunASR's runtime docs name (runtime/docs/SDK_advanced_guide_offline_zh.md). */
const CONTEXTUAL_ID = 'speech_paraformer-large-contextual_asr_nat-zh-cn-16k-common-vocab8404-onnx';
/** FunASR's SenseVoiceSmall ONNX export (runtime/docs/SDK_advanced_guide_offline_zh.md: iic/SenseVoiceSmall-onnx; file names from funasr_onnx/sensevoice_bin.py and the C++ runtime). */
const SENSEVOICE_ID = 'SenseVoiceSmall-onnx';
const HOTWORD_FILES = ['model_eb.onnx', 'config.yaml', 'am.mvn', 'tokens.json', 'seg_dict'];

test('the bundled catalog lists the nine FunASR models with the files their ONNX exports hold', () => {
	const catalog = defaultCatalog();
	const summary = catalog.models.map((model) => [
		model.name,
		model.id,
		model.kind,
		model.files.map((file) => file.name),
	]);
	assert.deepEqual(summary, [
		['paraformer-zh', PARAFORMER_ID, 'asr', ['model.onnx', 'config.yaml', 'am.mvn', 'tokens.json']],
		[
			'paraformer-zh-int8',
			PARAFORMER_ID,
			'asr',
			['model_quant.onnx', 'config.yaml', 'am.mvn', 'tokens.json'],
		],
		['paraformer-zh-contextual', CONTEXTUAL_ID, 'asr', ['model.onnx', ...HOTWORD_FILES]],
		['paraformer-zh-contextual-int8', CONTEXTUAL_ID, 'asr', ['model_quant.onnx', ...HOTWORD_FILES]],
		[
			'sensevoice-small',
			SENSEVOICE_ID,
			'asr',
			['model.onnx', 'config.yaml', 'am.mvn', 'tokens.json'],
		],
		[
			'sensevoice-small-int8',
			SENSEVOICE_ID,
			'asr',
			['model_quant.onnx', 'config.yaml', 'am.mvn', 'tokens.json'],
		],
		[
			'fsmn-vad',
			'speech_fsmn_vad_zh-cn-16k-common-onnx',
			'vad',
			['model.onnx', 'config.yaml', 'am.mvn'],
		],
		[
			'ct-punc',
			'punc_ct-transformer_zh-cn-common-vocab272727-onnx',
			'punc',
			['model_quant.onnx', 'config.yaml', 'tokens.json'],
		],
		[
			'ct-punc-realtime',
			'punc_ct-transformer_zh-cn-common-vad_realtime-vocab272727-onnx',
			'punc',
			['model_quant.onnx', 'config.yaml', 'tokens.json'],
		],
	]);
	assert.ok(
		catalog.models.every((model) =>
			model.files.every((file) => file.approximate && file.sha256 === undefined),
		),
		'no size or hash is claimed exact without having been checked',
	);
	assert.deepEqual(
		catalog.models.filter(isQuantized).map((model) => model.name),
		[
			'paraformer-zh-int8',
			'paraformer-zh-contextual-int8',
			'sensevoice-small-int8',
			'ct-punc',
			'ct-punc-realtime',
		],
	);
});

test('catalog sizes agree with the published figures (within their spread)', () => {
	const megabytes = (name: string) => totalBytes(findModel(defaultCatalog(), name)) / 1e6;
	assert.ok(megabytes('paraformer-zh') >= 864 && megabytes('paraformer-zh') <= 885);
	assert.ok(megabytes('paraformer-zh-int8') >= 223 && megabytes('paraformer-zh-int8') <= 240);
	assert.ok(Math.abs(megabytes('fsmn-vad') - 1.7) < 0.1);
	assert.ok(Math.abs(megabytes('ct-punc') - 290) < 10);
});

test('the real FSMN-VAD files have the sizes the catalog gives for them', () => {
	for (const file of findModel(defaultCatalog(), 'fsmn-vad').files) {
		assert.equal(
			readFileSync(sharedPath('models', 'fsmn-vad', file.name)).length,
			file.bytes,
			file.name,
		);
	}
});

test('sources are ModelScope first, then the Hugging Face mirror, with their resolve URLs', () => {
	const [modelscope, huggingface, ...rest] = downloadSources(defaultCatalog(), {});
	assert.equal(rest.length, 0);
	assert.equal(modelscope!.name, 'modelscope');
	assert.equal(
		modelscope!.fileUrl(PARAFORMER_ID, 'model_quant.onnx'),
		`https://www.modelscope.cn/models/iic/${PARAFORMER_ID}/resolve/master/model_quant.onnx`,
	);
	assert.equal(huggingface!.name, 'huggingface');
	assert.equal(
		huggingface!.fileUrl(PARAFORMER_ID, 'am.mvn'),
		`https://huggingface.co/funasr/${PARAFORMER_ID}/resolve/main/am.mvn`,
	);
});

test('models are found by short name or FunASR id; a shared id gives the first (fp32) entry', () => {
	const catalog = defaultCatalog();
	assert.equal(findModel(catalog, 'paraformer-zh-int8').files[0].name, 'model_quant.onnx');
	assert.equal(findModel(catalog, PARAFORMER_ID).name, 'paraformer-zh');
	assert.equal(findModel(catalog, 'speech_fsmn_vad_zh-cn-16k-common-onnx').name, 'fsmn-vad');
	assert.throws(
		() => findModel(catalog, 'whisper'),
		(error: unknown) => {
			assert.ok(error instanceof EngineError && error.code === 'BAD_OPTION');
			assert.equal(error.message, 'Unknown model "whisper".');
			assert.match(
				error.fix,
				/paraformer-zh, paraformer-zh-int8, paraformer-zh-contextual, paraformer-zh-contextual-int8, sensevoice-small, sensevoice-small-int8, fsmn-vad, ct-punc, ct-punc-realtime/,
			);
			return true;
		},
	);
});

test('the catalog file is valid JSON that validates to the same catalog', () => {
	assert.deepEqual(
		validateCatalog(JSON.parse(readFileSync(CATALOG_PATH, 'utf8'))),
		defaultCatalog(),
	);
});

const VALID = () => ({
	sources: [
		{
			name: 's',
			base: 'https://example.invalid',
			baseEnv: 'S_URL',
			file: '{id}/{file}',
			page: '{id}',
		},
	],
	models: [
		{
			name: 'm',
			id: 'model-id',
			kind: 'vad',
			description: 'd',
			files: [{ name: 'model.onnx', bytes: 10, approximate: true }],
		},
	],
});

test('catalog mistakes are reported with their place', () => {
	const cases: [string, (catalog: ReturnType<typeof VALID>) => void, RegExp][] = [
		[
			'a file name with a path',
			(c) => {
				c.models[0].files[0].name = '../etc/passwd';
			},
			/models\[0\]\.files\[0\]\.name "\.\.\/etc\/passwd" may only contain/,
		],
		[
			'an unknown kind',
			(c) => {
				c.models[0].kind = 'tts';
			},
			/models\[0\]\.kind must be one of asr, vad, punc, not "tts"/,
		],
		[
			'a bad sha256',
			(c) => {
				Object.assign(c.models[0].files[0], { sha256: 'ABC' });
			},
			/models\[0\]\.files\[0\]\.sha256 must be 64 lower-case hex digits/,
		],
		[
			'a zero size',
			(c) => {
				c.models[0].files[0].bytes = 0;
			},
			/models\[0\]\.files\[0\]\.bytes must be a positive whole number/,
		],
		[
			'a duplicate name',
			(c) => {
				c.models.push({ ...c.models[0], id: 'other' });
			},
			/the name "m" is used twice/,
		],
		[
			"a name that is another model's id",
			(c) => {
				c.models.push({ ...c.models[0], name: 'model-id', id: 'x' });
			},
			/the name "model-id" is also a FunASR id/,
		],
		[
			'a source without {file}',
			(c) => {
				c.sources[0].file = '{id}';
			},
			/sources\[0\]\.file must contain \{id\} and \{file\}/,
		],
		[
			'a source that is not http',
			(c) => {
				c.sources[0].base = 'ftp://x';
			},
			/sources\[0\]\.base "ftp:\/\/x" must be an http\(s\) URL/,
		],
		[
			'no files',
			(c) => {
				c.models[0].files = [];
			},
			/models\[0\]\.files is empty/,
		],
	];
	assert.doesNotThrow(() => validateCatalog(VALID()));
	for (const [what, spoil, expected] of cases) {
		const catalog = VALID();
		spoil(catalog);
		assert.throws(
			() => validateCatalog(catalog, 'test catalog'),
			(error: unknown) => {
				assert.ok(error instanceof EngineError && error.code === 'MODEL_INVALID', what);
				assert.match(error.message, /^test catalog: /, what);
				assert.match(error.message, expected, what);
				return true;
			},
		);
	}
});
