import type { INodePropertyOptions } from 'n8n-workflow';
import { defaultCatalog, formatBytes, totalBytes, type ModelKind } from '../../models/index.js';

/** The choice that shows a directory parameter: a FunASR export copied to the machine by hand. */
export const LOCAL_DIRECTORY = 'local';
export const NO_PUNCTUATION = 'off';

export const DEFAULT_MODELS = {
	asr: 'paraformer-zh-int8',
	vad: 'fsmn-vad',
	/** Keeps context from one sentence to the next, as live captions need. */
	punctuation: 'ct-punc-realtime',
} as const;

/** Names of the catalog's models of one kind, in catalog order. */
export function catalogNames(kind: ModelKind): string[] {
	return defaultCatalog()
		.models.filter((model) => model.kind === kind)
		.map((model) => model.name);
}

/** The catalog's models of one kind as choices of an options parameter, each with its download size. */
export function catalogChoices(kind: ModelKind): INodePropertyOptions[] {
	return defaultCatalog()
		.models.filter((model) => model.kind === kind)
		.map((model) => ({
			name: model.name,
			value: model.name,
			description: `${model.description}; about ${formatBytes(totalBytes(model))}, downloaded into the model cache when missing`,
		}));
}

export function localDirectoryChoice(what: string): INodePropertyOptions {
	return { name: 'Local Directory', value: LOCAL_DIRECTORY, description: `A FunASR ${what} ONNX export copied to this machine by hand` };
}
