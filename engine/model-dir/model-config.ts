import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EngineError } from '../errors.js';

export type YamlMap = Record<string, unknown>;

/** Fails with a message naming every missing file of a FunASR model directory. */
export function requireModelFiles(modelDir: string, files: readonly string[], what: string): void {
	const missing = files.filter((file) => !existsSync(join(modelDir, file)));
	if (missing.length === 0) return;
	throw new EngineError(
		'MODEL_MISSING',
		`${what} directory "${modelDir}" lacks ${missing.join(', ')}.`,
		'Point it at a FunASR ONNX export directory (or pull one with `rtmp-asr models pull`).',
	);
}

/** First file of `candidates` present in the directory, or an error naming all of them. */
export function pickModelFile(
	modelDir: string,
	candidates: readonly string[],
	what: string,
): string {
	const found = candidates.find((file) => existsSync(join(modelDir, file)));
	if (found) return join(modelDir, found);
	throw new EngineError(
		'MODEL_MISSING',
		`${what} directory "${modelDir}" has none of ${candidates.join(' / ')}.`,
		'Point it at a FunASR ONNX export directory (or pull one with `rtmp-asr models pull`).',
	);
}

export function readModelConfig(modelDir: string, what: string): YamlMap {
	requireModelFiles(modelDir, ['config.yaml'], what);
	const path = join(modelDir, 'config.yaml');
	try {
		const parsed: unknown = parse(readFileSync(path, 'utf8'));
		if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as YamlMap;
	} catch (cause) {
		throw new EngineError(
			'MODEL_INVALID',
			`${path} is not valid YAML.`,
			'Restore the config.yaml shipped with the model.',
			{ cause },
		);
	}
	throw new EngineError(
		'MODEL_INVALID',
		`${path} is not a YAML mapping.`,
		'Restore the config.yaml shipped with the model.',
	);
}

export function yamlSection(config: YamlMap, key: string): YamlMap {
	const value = config[key];
	return value && typeof value === 'object' && !Array.isArray(value) ? (value as YamlMap) : {};
}

export function yamlNumber(section: YamlMap, key: string, fallback: number): number {
	const value = section[key];
	if (value === undefined || value === null) return fallback;
	const number = typeof value === 'number' ? value : Number(value);
	if (!Number.isFinite(number)) {
		throw new EngineError(
			'MODEL_INVALID',
			`config.yaml: "${key}" is not a number (${String(value)}).`,
			'Restore the config.yaml shipped with the model.',
		);
	}
	return number;
}
