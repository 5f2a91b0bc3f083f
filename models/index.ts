import { isEngineError } from '../engine/errors.js';
import { resolveModel, type InstalledModel } from './cache.js';
import { pullModel, type PullOptions } from './downloader.js';

export {
	CATALOG_PATH,
	defaultCatalog,
	findModel,
	isQuantized,
	loadCatalog,
	recognizerFamilyOf,
	totalBytes,
	validateCatalog,
} from './catalog.js';
export type {
	Catalog,
	CatalogFile,
	CatalogModel,
	CatalogSource,
	ModelKind,
	RecognizerFamilyName,
} from './catalog.js';
export {
	inspectModel,
	MODEL_DIR_ENV,
	modelDirectory,
	modelRoot,
	n8nFolder,
	resolveModel,
} from './cache.js';
export type { CacheOptions, FileState, InstalledModel, ModelState } from './cache.js';
export { pullModel } from './downloader.js';
export type { DownloadedFile, PullOptions, PullResult } from './downloader.js';
export type { PullEvent, TransferProgress } from './pull-events.js';
export { describeEvent, describeProgress, formatBytes, progressPrinter } from './progress.js';
export { downloadSources, MIRROR_ENV } from './sources.js';
export type { DownloadSource, Environment } from './sources.js';
export { hasWeights, verifyModel } from './verify.js';
export type { FileReport, ModelReport } from './verify.js';

export interface EnsureModelOptions extends PullOptions {
	/** Download the model when it is not installed (the node's Options → "Download Missing Models"). */
	download?: boolean;
}

/**
 * The directory of an installed model; when it is missing, downloads it if `download` is set, else
 * throws resolveModel's error (which names the directory, the pull command and the files to copy).
 */
export async function ensureModel(
	nameOrId: string,
	options: EnsureModelOptions = {},
): Promise<InstalledModel> {
	try {
		return resolveModel(nameOrId, options.dir, options);
	} catch (error) {
		if (!options.download || !isEngineError(error) || error.code !== 'MODEL_MISSING') throw error;
	}
	const { model, directory } = await pullModel(nameOrId, options);
	return { model, directory };
}
