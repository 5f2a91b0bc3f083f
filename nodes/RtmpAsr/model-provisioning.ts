import { resolve } from 'node:path';
import { EngineError, isEngineError, type ModelSelection } from '../../engine/index.js';
import { defaultCatalog, ensureModel, findModel, formatBytes, modelDirectory, modelRoot, progressPrinter, totalBytes } from '../../models/index.js';
import type { ModelPlan, ModelSource } from './trigger-settings.js';

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
export async function provideModels(plan: ModelPlan, log: ModelLog, signal?: AbortSignal): Promise<ModelSelection> {
	const directoryOf = async (source: ModelSource): Promise<string> => (source.kind === 'directory' ? source.directory : await installedModel(source.name, plan, log, signal));
	const selection: ModelSelection = { asrDir: await directoryOf(plan.asr), vadDir: await directoryOf(plan.vad), quantized: plan.quantized, threads: plan.threads, recognizers: plan.recognizers };
	if (plan.punctuation) {
		selection.puncDir = await directoryOf(plan.punctuation);
		selection.puncQuantized = plan.punctuationQuantized;
	}
	return selection;
}

async function installedModel(name: string, plan: ModelPlan, log: ModelLog, signal: AbortSignal | undefined): Promise<string> {
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
					log.info(`Model ${name} is not in the model cache: installing it (about ${formatBytes(totalBytes(model))}) into "${modelDirectory(modelRoot(plan.cacheDirectory), model)}".`);
				}
				print(event);
			},
		});
		if (startedAt !== null) log.info(`Model ${name} is installed in "${directory}" (${Math.round((performance.now() - startedAt) / 1000)} s).`);
		return directory;
	} catch (error) {
		throw withNodeHints(error, plan.download);
	}
}

/** The downloader's advice, plus what only the node knows: where its command is, and its download switch. */
function withNodeHints(error: unknown, download: boolean): unknown {
	if (!isEngineError(error) || error.code !== 'MODEL_MISSING') return error;
	const command = ` (\`rtmp-asr\` is \`node ${CLI_PATH}\`.)`;
	const switchOn = download ? '' : ' Or switch on Options → Download Missing Models to let the node download it when the workflow is activated.';
	return new EngineError(error.code, error.message, `${error.fix}${command}${switchOn}`, { cause: error });
}
