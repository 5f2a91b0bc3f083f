import { resolve } from 'node:path';
import type { INodePropertyOptions } from 'n8n-workflow';
import { EngineError, isEngineError, type ModelSelection } from '../../engine/index.js';
import {
	defaultCatalog,
	ensureModel,
	findModel,
	formatBytes,
	modelDirectory,
	modelRoot,
	progressPrinter,
	recognizerFamilyOf,
	totalBytes,
	type ModelKind,
} from '../../models/index.js';

/** A catalog model (installed in the model cache, downloaded when missing) or a directory filled by hand. */
export type ModelSource =
	{ kind: 'catalog'; name: string } | { kind: 'directory'; directory: string };

/** Which models the trigger loads and where catalog models come from. */
export interface ModelPlan {
	asr: ModelSource;
	vad: ModelSource;
	/** Null: no punctuation. */
	punctuation: ModelSource | null;
	/** The recognizer's int8 weights (model_quant.onnx). */
	quantized: boolean;
	/** The punctuation model's: a catalog model's own precision, a local one's as the recognizer's. */
	punctuationQuantized: boolean;
	threads: number;
	/** Recognizer workers, each with its own copy of the recognizer. */
	recognizers: number;
	/** Cache root for catalog models; undefined: RTMP_ASR_MODEL_DIR, else inside n8n's folder. */
	cacheDirectory: string | undefined;
	/** Download catalog models missing from the cache on activation. */
	download: boolean;
}

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

/** The catalog's SenseVoice recognizers: the node shows Language and ITN for them, and no punctuation by default. */
export function senseVoiceModelNames(): string[] {
	return defaultCatalog()
		.models.filter((model) => model.kind === 'asr' && recognizerFamilyOf(model) === 'sensevoice')
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
	return {
		name: 'Local Directory',
		value: LOCAL_DIRECTORY,
		description: `A FunASR ${what} ONNX export copied to this machine by hand`,
	};
}

export interface ModelLog {
	info(message: string): void;
}

/** The package's command line, which fills the model cache by hand; n8n does not put it on the PATH. */
export const CLI_PATH = resolve(__dirname, '..', '..', 'cli', 'rtmp-asr.js');

/**
 * The directories of the plan's models, ready for the engine. Catalog models come from the model
 * cache; a missing one is downloaded when the plan allows it — workflows activating together
 * download it once, the downloader's lock sees to that — with its progress in the log. Otherwise the
 * downloader's error names the directory to fill and the command that fills it.
 */
export async function provideModels(
	plan: ModelPlan,
	log: ModelLog,
	signal?: AbortSignal,
): Promise<ModelSelection> {
	const directoryOf = async (source: ModelSource): Promise<string> =>
		source.kind === 'directory'
			? source.directory
			: await installedModel(source.name, plan, log, signal);
	const selection: ModelSelection = {
		asrDir: await directoryOf(plan.asr),
		vadDir: await directoryOf(plan.vad),
		quantized: plan.quantized,
		threads: plan.threads,
		recognizers: plan.recognizers,
	};
	if (plan.punctuation) {
		selection.puncDir = await directoryOf(plan.punctuation);
		selection.puncQuantized = plan.punctuationQuantized;
	}
	return selection;
}

async function installedModel(
	name: string,
	plan: ModelPlan,
	log: ModelLog,
	signal: AbortSignal | undefined,
): Promise<string> {
	const model = findModel(defaultCatalog(), name);
	const print = progressPrinter({ write: (line) => log.info(line.trimEnd()) });
	let startedAt: number | null = null;
	try {
		const { directory } = await ensureModel(name, {
			dir: plan.cacheDirectory,
			download: plan.download,
			signal,
			onProgress: (event) => {
				if (startedAt === null) {
					startedAt = performance.now();
					log.info(
						`Model ${name} is not in the model cache: installing it (about ${formatBytes(totalBytes(model))}) into "${modelDirectory(modelRoot(plan.cacheDirectory), model)}".`,
					);
				}
				print(event);
			},
		});
		if (startedAt !== null)
			log.info(
				`Model ${name} is installed in "${directory}" (${Math.round((performance.now() - startedAt) / 1000)} s).`,
			);
		return directory;
	} catch (error) {
		throw withNodeHints(error, plan.download);
	}
}

/** The downloader's advice, plus what only the node knows: where its command is, and its download switch. */
function withNodeHints(error: unknown, download: boolean): unknown {
	if (!isEngineError(error) || error.code !== 'MODEL_MISSING') return error;
	const command = ` (\`rtmp-asr\` is \`node ${CLI_PATH}\`.)`;
	const switchOn = download
		? ''
		: ' Or switch on Options → Download Missing Models to let the node download it when the workflow is activated.';
	return new EngineError(error.code, error.message, `${error.fix}${command}${switchOn}`, {
		cause: error,
	});
}
