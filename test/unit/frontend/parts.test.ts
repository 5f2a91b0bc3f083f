import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../../engine/errors.js';
import { applyCmvn, loadCmvn, parseCmvn } from '../../../engine/frontend/cmvn.js';
import { FeatureExtractor } from '../../../engine/frontend/feature-extractor.js';
import { RealFft } from '../../../engine/frontend/fft.js';
import { loadFrontendOptions } from '../../../engine/frontend/frontend-options.js';
import { OnlineLfr } from '../../../engine/frontend/lfr.js';
import { MelBanks, melScale } from '../../../engine/frontend/mel-banks.js';
import { createWindow } from '../../../engine/frontend/window.js';
import { sharedPath } from '../../helpers/paths.js';

// Sizes with no twiddled stage, one, an odd and an even number of them (they run two at a time).
for (const size of [8, 16, 32, 256, 512, 1024])
	test(`RealFft power spectrum of size ${size} equals a direct DFT`, () => {
		powerSpectrumMatchesDft(size);
	});

function powerSpectrumMatchesDft(size: number): void {
	const signal = new Float64Array(size);
	for (let i = 0; i < Math.min(400, size - 3); i++)
		signal[i] = Math.sin(i * 0.3) * 1000 + ((i * 7919) % 101) - 50;
	const power = new Float64Array(size / 2 + 1);
	new RealFft(size).powerSpectrum(signal, power);
	for (let k = 0; k <= size / 2; k++) {
		let re = 0;
		let im = 0;
		for (let n = 0; n < size; n++) {
			re += signal[n] * Math.cos((2 * Math.PI * k * n) / size);
			im -= signal[n] * Math.sin((2 * Math.PI * k * n) / size);
		}
		const expected = re * re + im * im;
		assert.ok(
			Math.abs(power[k] - expected) <= 1e-9 * Math.max(1, expected),
			`bin ${k}: ${power[k]} vs ${expected}`,
		);
	}
}

test('Hamming and povey windows follow Kaldi', () => {
	const hamming = createWindow('hamming', 400);
	assert.ok(Math.abs(hamming[0] - 0.08) < 1e-12);
	assert.ok(Math.abs(hamming[399] - 0.08) < 1e-12);
	assert.ok(Math.abs(hamming[200] - (0.54 - 0.46 * Math.cos((2 * Math.PI * 200) / 399))) < 1e-12);
	const povey = createWindow('povey', 400);
	assert.equal(povey[0], 0);
	assert.ok(
		Math.abs(povey[100] - Math.pow(0.5 - 0.5 * Math.cos((2 * Math.PI * 100) / 399), 0.85)) < 1e-12,
	);
});

test('mel banks are triangles peaking at their centre frequencies', () => {
	const banks = new MelBanks(80, 512, 16000);
	const power = new Float64Array(257);
	const response = new Float64Array(80);
	const melLow = melScale(20);
	const melDelta = (melScale(8000) - melLow) / 81;
	for (let bin = 0; bin < 256; bin++) {
		power.fill(0);
		power[bin] = 1;
		banks.apply(power, response);
		const mel = melScale((bin * 16000) / 512);
		for (let filter = 0; filter < 80; filter++) {
			const left = melLow + filter * melDelta;
			const expected = Math.max(
				0,
				Math.min((mel - left) / melDelta, (left + 2 * melDelta - mel) / melDelta),
			);
			assert.ok(Math.abs(response[filter] - expected) < 1e-9, `filter ${filter}, fft bin ${bin}`);
		}
	}
});

test('LFR stacks m frames every n with (m-1)/2 copies of frame 0 in front and the last frame repeated at the end', () => {
	const lfr = new OnlineLfr(1, 7, 6);
	const frames = Float32Array.from({ length: 13 }, (_, i) => i);
	const rows = Float32Array.from([...lfr.accept(frames), ...lfr.finish()]);
	assert.deepEqual(
		Array.from(rows),
		[0, 0, 0, 0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 9, 10, 11, 12, 12, 12, 12],
	);
});

test('loadCmvn reads shift and scale from the VAD am.mvn; applyCmvn computes (x + shift) * scale', () => {
	const cmvn = loadCmvn(sharedPath('models', 'fsmn-vad', 'am.mvn'));
	assert.equal(cmvn.shift.length, 400);
	assert.equal(cmvn.scale.length, 400);
	assert.ok(Math.abs(cmvn.shift[0] - -8.311879) < 1e-5);
	const rows = new Float32Array(800).fill(1);
	applyCmvn(rows, cmvn);
	assert.ok(Math.abs(rows[401] - Math.fround((1 + cmvn.shift[1]) * cmvn.scale[1])) < 1e-6);
});

test('a broken am.mvn or mismatched dimensions give clear errors', () => {
	assert.throws(
		() => loadCmvn('/nonexistent/am.mvn'),
		(error: unknown) => error instanceof EngineError && error.code === 'MODEL_MISSING',
	);
	assert.throws(
		() => parseCmvn('<Nnet>\n<AddShift> 2 2\n<LearnRateCoef> 0 [ 1 2 ]\n', 'x.mvn'),
		/no <Rescale>/,
	);
	assert.throws(
		() =>
			parseCmvn(
				'<AddShift>\n<LearnRateCoef> 0 [ 1 x ]\n<Rescale>\n<LearnRateCoef> 0 [ 1 2 ]\n',
				'x.mvn',
			),
		/not a list of numbers/,
	);
	assert.throws(
		() =>
			parseCmvn(
				'<AddShift>\n<LearnRateCoef> 0 [ 1 2 ]\n<Rescale>\n<LearnRateCoef> 0 [ 1 ]\n',
				'x.mvn',
			),
		/2 values but its <Rescale> 1/,
	);
	const paraformerCmvn = loadCmvn(sharedPath('models', 'paraformer-large-zh-vocab8404', 'am.mvn'));
	assert.throws(
		() =>
			new FeatureExtractor(loadFrontendOptions(sharedPath('models', 'fsmn-vad')), paraformerCmvn),
		(error: unknown) =>
			error instanceof EngineError &&
			error.code === 'MODEL_INVALID' &&
			/560 dimensions but the front end gives 400/.test(error.message),
	);
});

test('loadFrontendOptions reads frontend_conf and rejects impossible values', () => {
	assert.deepEqual(loadFrontendOptions(sharedPath('models', 'paraformer-large-zh-vocab8404')), {
		sampleRate: 16000,
		frameLengthMs: 25,
		frameShiftMs: 10,
		numMelBins: 80,
		lfrM: 7,
		lfrN: 6,
		window: 'hamming',
	});
	const dir = mkdtempSync(join(tmpdir(), 'frontend-'));
	try {
		writeFileSync(
			join(dir, 'config.yaml'),
			'frontend_conf:\n  fs: 16000\n  frame_length: 25.03\n  lfr_m: 0\n',
		);
		assert.throws(
			() => loadFrontendOptions(dir),
			/frame_length 25\.03 ms \(must be .* a whole number of samples\); lfr_m 0 \(must be 1 to 32\)/,
		);
		writeFileSync(join(dir, 'config.yaml'), 'frontend_conf:\n  window: blackman\n');
		assert.throws(() => loadFrontendOptions(dir), /window "blackman" is not supported/);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test('loadFrontendOptions refuses what the 16 kHz pipeline or the model cannot take, naming file, key, range and fix', () => {
	const dir = mkdtempSync(join(tmpdir(), 'frontend-'));
	const config = join(dir, 'config.yaml');
	const refuses = (frontend: string, message: RegExp, encoder = '') => {
		writeFileSync(config, `frontend_conf:\n${frontend}${encoder}`);
		assert.throws(
			() => loadFrontendOptions(dir),
			(error: unknown) =>
				error instanceof EngineError &&
				error.code === 'MODEL_INVALID' &&
				error.message.startsWith(`${config}: frontend_conf has impossible values: `) &&
				message.test(error.message) &&
				/Restore the config\.yaml/.test(error.fix),
			frontend,
		);
	};
	try {
		refuses(
			'  n_mels: 100000000\n',
			/n_mels 100000000 \(must be 1 to 256 with this frame length\)/,
		);
		refuses('  fs: 8000\n', /fs 8000 \(must be 16000: every input is resampled to 16 kHz\)/);
		refuses('  fs: 44100\n', /fs 44100 \(must be 16000/);
		refuses('  frame_length: 1e12\n', /frame_length 1000000000000 ms \(must be 0\.0625 to 100 ms/);
		refuses('  frame_length: 101\n', /frame_length 101 ms/);
		refuses('  frame_shift: 30\n', /frame_shift 30 ms \(must be 0\.0625 ms to frame_length 25 ms/);
		refuses(
			'  lfr_m: 100000\n  lfr_n: 0\n',
			/lfr_m 100000 \(must be 1 to 32\); lfr_n 0 \(must be 1 to 32\)/,
		);
		refuses(
			'  n_mels: 80\n  lfr_m: 5\n',
			/n_mels 80 × lfr_m 5 = 400 \(must equal the encoder's input dimension 560\)/,
			'encoder_conf:\n  input_size: 560\n',
		);
		refuses(
			'  n_mels: 80\n  lfr_m: 7\n',
			/= 560 \(must equal the encoder's input dimension 400\)/,
			'encoder_conf:\n  input_dim: 400\n',
		);
		writeFileSync(
			config,
			'frontend_conf:\n  n_mels: 80\n  lfr_m: 7\n  frame_length: 50\n  frame_shift: 50\nencoder_conf:\n  input_size: 560\n',
		);
		assert.equal(loadFrontendOptions(dir).frameLengthMs, 50);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});
