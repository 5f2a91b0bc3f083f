import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError, type EngineErrorCode } from '../../engine/errors.js';

export interface CopyChanges {
	/** Files of the source left out of the copy. */
	without?: readonly string[];
	/** Files written into the copy instead of (or besides) the source's: name → contents. */
	write?: Readonly<Record<string, string | Uint8Array>>;
}

/** Copies of one model directory, each with files missing or broken, in a scratch folder that `remove` deletes. */
export class ModelCopies {
	readonly #source: string;
	readonly #root: string;
	#count = 0;

	constructor(source: string) {
		this.#source = source;
		this.#root = mkdtempSync(join(tmpdir(), 'model-copies-'));
	}

	/** A new directory with the source's files, changed as asked. */
	copy({ without = [], write = {} }: CopyChanges = {}): string {
		const directory = join(this.#root, String(++this.#count));
		mkdirSync(directory);
		// Files to be written are not copied first: the shared models are read-only, and so would their copies be.
		const skipped = new Set([...without, ...Object.keys(write)]);
		for (const entry of readdirSync(this.#source, { withFileTypes: true })) {
			if (entry.isFile() && !skipped.has(entry.name))
				copyFileSync(join(this.#source, entry.name), join(directory, entry.name));
		}
		for (const [name, contents] of Object.entries(write))
			writeFileSync(join(directory, name), contents);
		return directory;
	}

	remove(): void {
		rmSync(this.#root, { recursive: true, force: true });
	}
}

/**
 * Expects loading to fail with an EngineError of `code` whose message matches and which says how to
 * fix it; a model that loads anyway is released before the assertion fails.
 */
export async function assertLoadFails(
	loading: Promise<{ release(): Promise<void> }>,
	code: EngineErrorCode,
	message: RegExp,
): Promise<void> {
	const error = await loading.then(
		async (loaded) => {
			await loaded.release();
			return undefined;
		},
		(caught: unknown) => caught,
	);
	assert.ok(error instanceof EngineError, `expected an EngineError, got ${String(error)}`);
	assert.equal(error.code, code);
	assert.match(error.message, message);
	assert.ok(error.fix.length > 0, 'the error says how to fix it');
}
