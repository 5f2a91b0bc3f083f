import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadTokens, parseTokensTxt, tokenIds } from '../../../engine/model-dir/tokens.js';
import { EngineError } from '../../../engine/errors.js';
import { sharedPath } from '../../helpers/paths.js';

const VOCAB_DIR = sharedPath('models', 'paraformer-large-zh-vocab8404');

describe('loadTokens', () => {
	const tmp = mkdtempSync(join(tmpdir(), 'tokens-'));
	after(() => rmSync(tmp, { recursive: true, force: true }));

	it('reads tokens.json of the real Paraformer vocabulary', () => {
		const tokens = loadTokens(VOCAB_DIR, 'Paraformer');
		assert.equal(tokens.length, 8404);
		assert.deepEqual(tokens.slice(0, 3), ['<blank>', '<s>', '</s>']);
		assert.equal(tokens.at(-1), '<unk>');
	});

	it('reads the same list from tokens.txt when there is no tokens.json', () => {
		const dir = join(tmp, 'txt');
		const fromJson = loadTokens(VOCAB_DIR, 'Paraformer');
		mkdirSync(dir);
		copyFileSync(join(VOCAB_DIR, 'tokens.txt'), join(dir, 'tokens.txt'));
		assert.deepEqual(loadTokens(dir, 'Paraformer'), fromJson);
	});

	it('reads sherpa-onnx "token id" lines by id', () => {
		assert.deepEqual(parseTokensTxt('<blank> 0\n</s> 2\n<s> 1\nhe@@ 3\n', 'x'), [
			'<blank>',
			'<s>',
			'</s>',
			'he@@',
		]);
	});

	it('rejects sherpa-style ids with a gap', () => {
		assert.throws(
			() => parseTokensTxt('a 0\nb 2\n', 'x'),
			(error) => error instanceof EngineError && /id 1 is missing/.test(error.message),
		);
	});

	it('names both token files when neither exists', () => {
		assert.throws(
			() => loadTokens(tmp, 'Paraformer'),
			(error) =>
				error instanceof EngineError &&
				error.code === 'MODEL_MISSING' &&
				error.message.includes('tokens.json / tokens.txt'),
		);
	});

	it('rejects a tokens.json that is not an array of strings', () => {
		const dir = join(tmp, 'bad-json');
		mkdirSync(dir);
		writeFileSync(join(dir, 'tokens.json'), '{"a": 1}');
		assert.throws(
			() => loadTokens(dir, 'Paraformer'),
			(error) => error instanceof EngineError && error.code === 'MODEL_INVALID',
		);
		writeFileSync(join(dir, 'tokens.json'), '["a", ');
		assert.throws(
			() => loadTokens(dir, 'Paraformer'),
			(error) => error instanceof EngineError && /not valid JSON/.test(error.message),
		);
	});
});

describe('tokenIds', () => {
	it('maps each token to its index', () => {
		const ids = tokenIds(['<blank>', '你', '好']);
		assert.equal(ids.get('好'), 2);
		assert.equal(ids.get('x'), undefined);
	});
});
