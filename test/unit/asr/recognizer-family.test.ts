import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { Paraformer } from '../../../engine/asr/paraformer.js';
import { parseRecognitionLanguage } from '../../../engine/asr/recognition-language.js';
import { loadRecognizer } from '../../../engine/asr/recognizer.js';
import { recognizerFamily } from '../../../engine/asr/recognizer-family.js';
import type { SenseVoice } from '../../../engine/asr/sensevoice.js';
import { EngineError } from '../../../engine/errors.js';
import { assertLoadFails, ModelCopies } from '../../helpers/model-copies.js';
import { fixturePath, sharedPath } from '../../helpers/paths.js';

const SENSEVOICE = fixturePath('models', 'tiny-sensevoice');
const PARAFORMER = fixturePath('models', 'tiny-paraformer');

function throwsEngineError(run: () => unknown, message: RegExp, fix: RegExp): void {
	assert.throws(run, (error: unknown) => {
		assert.ok(error instanceof EngineError);
		assert.match(error.message, message);
		assert.match(error.fix, fix);
		return true;
	});
}

describe('the recognizer family, from the graph', () => {
	it("FunASR's SenseVoice export and a Paraformer are told apart by their inputs and outputs", () => {
		assert.equal(
			recognizerFamily(
				['speech', 'speech_lengths', 'language', 'textnorm'],
				['ctc_logits', 'encoder_out_lens'],
				'm',
			),
			'sensevoice',
		);
		assert.equal(
			recognizerFamily(['speech', 'speech_lengths'], ['logits', 'token_num'], 'm'),
			'paraformer',
		);
		assert.equal(
			recognizerFamily(
				['speech', 'speech_lengths', 'bias_embed'],
				['logits', 'token_num', 'us_alphas', 'us_cif_peak'],
				'm',
			),
			'paraformer',
		);
	});

	it("names sherpa-onnx's re-export (x, x_length, language, text_norm → logits) and says which export to use", () => {
		throwsEngineError(
			() =>
				recognizerFamily(['x', 'x_length', 'language', 'text_norm'], ['logits'], '/m/model.onnx'),
			/sherpa-onnx's re-export of SenseVoice.*speech, speech_lengths, language, textnorm/,
			/iic\/SenseVoiceSmall-onnx/,
		);
	});

	it('names what a graph with SenseVoice inputs lacks', () => {
		throwsEngineError(
			() =>
				recognizerFamily(
					['speech', 'speech_lengths', 'language', 'textnorm'],
					['logits'],
					'/m/model.onnx',
				),
			/not FunASR's export.*ctc_logits, encoder_out_lens/,
			/SenseVoiceSmall ONNX export/,
		);
	});

	it('names both interfaces for any other graph', () => {
		throwsEngineError(
			() => recognizerFamily(['speech', 'in_cache0'], ['logits', 'out_cache0'], '/m/model.onnx'),
			/no recognizer the engine knows.*Paraformer.*SenseVoiceSmall/,
			/paraformer-zh-int8.*sensevoice-small-int8/,
		);
	});
});

describe('loading a recognizer of either family', () => {
	const copies = new ModelCopies(SENSEVOICE);
	after(() => copies.remove());

	it('loads tiny-sensevoice as SenseVoice and tiny-paraformer as Paraformer, whatever their folders are called', async () => {
		const renamed = copies.copy();
		const sensevoice = await loadRecognizer(renamed);
		const paraformer = await loadRecognizer(PARAFORMER);
		try {
			assert.equal(sensevoice.family, 'sensevoice');
			assert.equal(paraformer.family, 'paraformer');
		} finally {
			await Promise.all([sensevoice.release(), paraformer.release()]);
		}
	});

	it('a SenseVoice model where a Paraformer is required: names it and what to choose', () =>
		assertLoadFails(
			Paraformer.load(SENSEVOICE),
			'MODEL_INTERFACE',
			/tiny-sensevoice\/model\.onnx" is a SenseVoice model, but the Paraformer loader needs a Paraformer model/,
		));

	it('a token list of another size than the logits: names both sizes', () =>
		assertLoadFails(
			loadRecognizer(
				copies.copy({
					write: { 'tokens.json': JSON.stringify(['<unk>', '<s>', '</s>', '<|en|>']) },
				}),
			),
			'MODEL_INTERFACE',
			/"ctc_logits" scores 75 tokens but tokens\.json has 4/,
		));

	it('accepts any vocabulary size that matches the logits', async () => {
		const tokens = JSON.parse(readFileSync(`${SENSEVOICE}/tokens.json`, 'utf8')) as string[];
		assert.equal(tokens.length, 75);
		const model = await loadRecognizer(SENSEVOICE);
		await model.release();
	});

	it('a language the model does not know (no tag in its tokens) is an error naming those it knows', async () => {
		const tokens = JSON.parse(readFileSync(`${SENSEVOICE}/tokens.json`, 'utf8')) as string[];
		const withoutKorean = tokens.map((token) => (token === '<|ko|>' ? '<|xx|>' : token));
		const model = (await loadRecognizer(
			copies.copy({ write: { 'tokens.json': JSON.stringify(withoutKorean) } }),
		)) as SenseVoice;
		try {
			assert.deepEqual(model.languages, ['auto', 'zh', 'en', 'yue', 'ja']);
			model.requireLanguage('en');
			throwsEngineError(
				() => model.requireLanguage('ko'),
				/does not know the language "ko".*knows auto, zh, en, yue, ja/,
				/Choose one of auto, zh, en, yue, ja/,
			);
		} finally {
			await model.release();
		}
	});

	it('a graph that is no recognizer (FSMN-VAD) is named as such', () => {
		const vad = new ModelCopies(SENSEVOICE);
		return assertLoadFails(
			loadRecognizer(
				vad.copy({
					write: { 'model.onnx': readFileSync(sharedPath('models', 'fsmn-vad', 'model.onnx')) },
				}),
			),
			'MODEL_INTERFACE',
			/no recognizer the engine knows/,
		).finally(() => vad.remove());
	});
});

describe('the language a user asks for', () => {
	it('takes auto, zh, en, yue, ja and ko, in any case', () => {
		assert.equal(parseRecognitionLanguage('EN', '--language'), 'en');
		assert.equal(parseRecognitionLanguage('yue', '--language'), 'yue');
	});

	it('names the languages it takes for any other', () => {
		throwsEngineError(
			() => parseRecognitionLanguage('fr', '--language'),
			/--language "fr" is no language SenseVoiceSmall is asked for \(auto, zh, en, yue, ja, ko\)/,
			/auto lets the model tell/,
		);
	});
});
