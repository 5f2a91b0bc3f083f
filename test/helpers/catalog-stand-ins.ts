import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultCatalog, findModel, type CatalogModel } from '../../models/index.js';
import type { ModelServer } from './model-server.js';
import { fixturePath, sharedPath } from './paths.js';

/** A small model with FunASR's interfaces for each catalog model; the int8 ones use the stand-in's model_quant.onnx. */
export const STAND_IN_DIRECTORIES: Readonly<Record<string, string>> = {
	'paraformer-zh': fixturePath('models', 'tiny-paraformer'),
	'paraformer-zh-int8': fixturePath('models', 'tiny-paraformer'),
	'paraformer-zh-contextual': fixturePath('models', 'tiny-contextual-paraformer'),
	'paraformer-zh-contextual-int8': fixturePath('models', 'tiny-contextual-paraformer'),
	'sensevoice-small': fixturePath('models', 'tiny-sensevoice'),
	'sensevoice-small-int8': fixturePath('models', 'tiny-sensevoice'),
	'fsmn-vad': sharedPath('models', 'fsmn-vad'),
	'ct-punc': fixturePath('models', 'tiny-punc'),
	'ct-punc-realtime': fixturePath('models', 'tiny-punc-realtime'),
};

/** Where ModelScope serves a model's file, relative to the base URL that RTMP_ASR_MODELSCOPE_URL replaces. */
export function modelScopePath(model: CatalogModel, file: string): string {
	return `/models/iic/${model.id}/resolve/master/${file}`;
}

/** Serves every catalog model's stand-in files under the catalog's ids and file names, as ModelScope would. */
export function serveStandIns(server: ModelServer): void {
	for (const model of defaultCatalog().models) {
		for (const file of model.files) {
			const standIn = join(standInDirectory(model.name), file.name);
			if (existsSync(standIn))
				server.serve(modelScopePath(model, file.name), readFileSync(standIn));
		}
	}
}

/** Copies a catalog model's stand-in files into `<root>/<FunASR id>/`, as `rtmp-asr models pull` would; returns that directory. */
export function installStandIn(root: string, name: string): string {
	const model = findModel(defaultCatalog(), name);
	const directory = join(root, model.id);
	mkdirSync(directory, { recursive: true });
	for (const file of model.files)
		copyFileSync(join(standInDirectory(name), file.name), join(directory, file.name));
	return directory;
}

function standInDirectory(name: string): string {
	const directory = STAND_IN_DIRECTORIES[name];
	if (!directory)
		throw new Error(`No stand-in for catalog model "${name}": add one to STAND_IN_DIRECTORIES.`);
	return directory;
}
