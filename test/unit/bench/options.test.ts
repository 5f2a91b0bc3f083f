import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseOptions } from '../../../bench/options.js';
import { EngineError } from '../../../engine/errors.js';
import { agreement } from '../../../bench/side-by-side.js';

test('--only sensevoice measures that part alone, with the other options', () => {
	const options = parseOptions(['--quick', '--only', 'sensevoice', '--rounds', '3']);
	assert.equal(options.only, 'sensevoice');
	assert.equal(options.rounds, 3);
	assert.equal(options.quick, true);
	assert.equal(parseOptions([]).only, null);
});

test('--only names the parts there are when given another', () => {
	for (const args of [['--only', 'whisper'], ['--only']])
		assert.throws(
			() => parseOptions(args),
			(error: unknown) =>
				error instanceof EngineError &&
				/names no part of the benchmark; the parts are sensevoice/.test(error.message),
		);
});

test('an unknown first option is refused, not taken for a value', () => {
	assert.throws(() => parseOptions(['--bogus']), /Unknown benchmark option --bogus/);
	assert.throws(() => parseOptions(['--bogus', '--quick']), /Unknown benchmark option --bogus/);
});

test('agreement compares texts its own way when told', () => {
	const ours = ['a b c d e f', 'x y'];
	assert.equal(agreement(ours, ['abcdef', 'q']), 0.5);
	// sherpa-onnx drops the four places of SenseVoice's tags, whatever they hold.
	const endsOurs = (text: string, other: string) => text.endsWith(other);
	assert.equal(agreement(ours, ['ef', 'xy'], endsOurs), 1);
	assert.equal(agreement(ours, ['ab', 'xy'], endsOurs), 0.5);
});
