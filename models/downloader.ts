import { lstatSync, mkdirSync, statSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError, errorMessage } from '../engine/errors.js';
import { redactText } from '../engine/source/redact.js';
import {
	listOf,
	lockPath,
	modelDirectory,
	modelRoot,
	PARTIAL_SUFFIX,
	type CacheOptions,
	type InstalledModel,
} from './cache.js';
import {
	defaultCatalog,
	findModel,
	maxBytesOf,
	type CatalogFile,
	type CatalogModel,
} from './catalog.js';
import {
	discardPartial,
	refuseLink,
	TransferFailure,
	transferToPartial,
	type FetchFunction,
} from './download-file.js';
import { fileProblem } from './file-checks.js';
import { acquireLock, type HeldLock } from './lock.js';
import { RateMeter } from './progress.js';
import type { PullEvent } from './pull-events.js';
import { downloadSources, MIRROR_ENV, type DownloadSource } from './sources.js';
import { isFileSystemError } from './system-error.js';

export interface PullOptions extends CacheOptions {
	/** Cache root (default: RTMP_ASR_MODEL_DIR, else inside n8n's folder); the model goes to `<dir>/<FunASR id>/`. */
	dir?: string;
	onProgress?: (event: PullEvent) => void;
	signal?: AbortSignal;
	/** Defaults to Node's built-in fetch. */
	fetch?: FetchFunction;
	/** An attempt receiving nothing for this long moves on (default 30 s). */
	stallTimeoutMs?: number;
	/** A lock not refreshed for this long is taken over (default 60 s). */
	lockStaleAfterMs?: number;
}

export interface DownloadedFile {
	name: string;
	bytes: number;
	source: string;
	/** Bytes kept from an interrupted download. */
	resumedFrom: number;
}

export interface PullResult extends InstalledModel {
	/** Files fetched by this call; empty when everything was already installed. */
	downloaded: DownloadedFile[];
}

const DEFAULT_STALL_TIMEOUT_MS = 30_000;
/** A source whose connection keeps being cut is resumed while each attempt brings new bytes, up to this many times. */
const MAX_RESUMES_PER_SOURCE = 5;
const PROGRESS_INTERVAL_MS = 100;

/**
 * Installs a catalog model into the cache: each missing file is downloaded from the sources in order
 * (mirrors, ModelScope, Hugging Face), resumed with range requests after a cut, verified (size, ONNX
 * structure, sha256 when known) and only then renamed into place. One lock per model directory makes
 * concurrent pulls — in this process or another — do the work once: the later one waits, then finds
 * the files installed.
 */
export async function pullModel(nameOrId: string, options: PullOptions = {}): Promise<PullResult> {
	const env = options.env ?? process.env;
	const catalog = options.catalog ?? defaultCatalog();
	const model = findModel(catalog, nameOrId);
	const sources = downloadSources(catalog, env);
	const root = modelRoot(options.dir, env);
	const directory = modelDirectory(root, model);
	createDirectory(directory, root);
	const lock = await takeLock(root, model, options);
	try {
		const downloaded: DownloadedFile[] = [];
		for (const [index, file] of model.files.entries()) {
			const path = join(directory, file.name);
			await refuseLink(path);
			const present = await presentSize(file, path);
			if (present !== null) {
				options.onProgress?.({
					type: 'present',
					model: model.name,
					file: file.name,
					bytes: present,
				});
				continue;
			}
			downloaded.push(await downloadFile(model, file, index, path, sources, root, options));
		}
		return { model, directory, downloaded };
	} finally {
		lock.release();
	}
}

/** Size of an installed file that passes the checks, or null when it must be downloaded (again). */
async function presentSize(file: CatalogFile, path: string): Promise<number | null> {
	try {
		const bytes = statSync(path).size;
		return (await fileProblem(file, path)) === null ? bytes : null;
	} catch {
		return null;
	}
}

async function downloadFile(
	model: CatalogModel,
	file: CatalogFile,
	index: number,
	path: string,
	sources: DownloadSource[],
	root: string,
	options: PullOptions,
): Promise<DownloadedFile> {
	const partial = path + PARTIAL_SUFFIX;
	const failures: string[] = [];
	for (const [sourceIndex, source] of sources.entries()) {
		const url = source.fileUrl(model.id, file.name);
		const next = sources[sourceIndex + 1]?.name ?? null;
		const fallback = (failure: string) => {
			const reason = redactText(failure);
			failures.push(`${source.name}: ${reason}`);
			options.onProgress?.({
				type: 'fallback',
				model: model.name,
				file: file.name,
				source: source.name,
				reason,
				next,
			});
		};
		for (let resumes = 0; ; resumes++) {
			options.onProgress?.({
				type: 'start',
				model: model.name,
				file: file.name,
				fileIndex: index,
				fileCount: model.files.length,
				source: source.name,
				url: source.shownFileUrl(model.id, file.name),
				resumeFrom: partialSize(partial),
			});
			try {
				const transfer = await transferToPartial(url, partial, {
					fetch: options.fetch ?? fetch,
					stallTimeoutMs: options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
					maxBytes: maxBytesOf(file),
					headers: source.headers,
					onData: progressReporter(model, file, options),
					...(options.signal ? { signal: options.signal } : {}),
				});
				const problem = await fileProblem(file, partial, transfer.announcedBytes);
				if (problem) {
					await discardPartial(partial);
					fallback(`the downloaded ${file.name} is not valid: ${problem}`);
					break;
				}
				await rename(partial, path);
				await discardPartial(partial);
				const bytes = statSync(path).size;
				options.onProgress?.({
					type: 'done',
					model: model.name,
					file: file.name,
					bytes,
					source: source.name,
				});
				return { name: file.name, bytes, source: source.name, resumedFrom: transfer.resumedFrom };
			} catch (error) {
				if (!(error instanceof TransferFailure)) throw localFailure(error, path, root);
				if (error.resumable && error.received > 0 && resumes < MAX_RESUMES_PER_SOURCE) {
					options.onProgress?.({
						type: 'retry',
						model: model.name,
						file: file.name,
						source: source.name,
						reason: redactText(error.reason),
					});
					continue;
				}
				fallback(error.reason);
				break;
			}
		}
	}
	throw unreachable(model, file, failures, modelDirectory(root, model), root, sources);
}

function progressReporter(
	model: CatalogModel,
	file: CatalogFile,
	options: PullOptions,
): ((received: number, total: number | null) => void) | undefined {
	const onProgress = options.onProgress;
	if (!onProgress) return undefined;
	const meter = new RateMeter();
	let lastAt = -Infinity;
	return (received, total) => {
		const now = performance.now();
		const known = total ?? (file.approximate ? null : file.bytes);
		if (now - lastAt < PROGRESS_INTERVAL_MS && received !== known) return;
		lastAt = now;
		onProgress({
			type: 'progress',
			model: model.name,
			file: file.name,
			progress: meter.update(received, known),
		});
	};
}

/** Creates the model's directory; one that is a link is refused, as files written there would land wherever it points. */
function createDirectory(directory: string, root: string): void {
	try {
		mkdirSync(directory, { recursive: true });
	} catch (cause) {
		throw unwritable(directory, root, cause);
	}
	if (lstatSync(directory).isSymbolicLink()) {
		throw new EngineError(
			'MODEL_INVALID',
			`The model directory "${directory}" is a symbolic link; downloads never write through links.`,
			`Remove the link, and check who else can write to "${root}"; to keep the models elsewhere, point --dir or RTMP_ASR_MODEL_DIR (the node's Options → "Model Cache Directory") there instead.`,
		);
	}
}

async function takeLock(
	root: string,
	model: CatalogModel,
	options: PullOptions,
): Promise<HeldLock> {
	const path = lockPath(root, model);
	try {
		return await acquireLock(path, {
			...(options.signal ? { signal: options.signal } : {}),
			...(options.lockStaleAfterMs !== undefined ? { staleAfterMs: options.lockStaleAfterMs } : {}),
			onWait: (holder) =>
				options.onProgress?.({
					type: 'waiting',
					model: model.name,
					lockPath: path,
					holderPid: holder?.pid ?? null,
				}),
		});
	} catch (cause) {
		if (!isFileSystemError(cause)) throw cause;
		throw unwritable(path, root, cause);
	}
}

function unwritable(path: string, root: string, cause: unknown): EngineError {
	return new EngineError(
		'MODEL_MISSING',
		`Cannot write to the model cache: "${path}" (${errorMessage(cause)}).`,
		`Choose a writable directory with --dir or RTMP_ASR_MODEL_DIR (the node's Options → "Model Cache Directory"), or make "${root}" writable.`,
		{ cause },
	);
}

/** A file-system error while writing a download (disk full, permissions changed): not the network's fault. */
function localFailure(error: unknown, path: string, root: string): unknown {
	if (!isFileSystemError(error)) return error;
	return unwritable(path + PARTIAL_SUFFIX, root, error);
}

function unreachable(
	model: CatalogModel,
	file: CatalogFile,
	failures: string[],
	directory: string,
	root: string,
	sources: DownloadSource[],
): EngineError {
	const page = sources.find((source) => !source.name.startsWith('mirror')) ?? sources[0];
	return new EngineError(
		'MODEL_MISSING',
		`Could not download ${file.name} of model "${model.name}" (FunASR ${model.id}) into "${directory}": ${failures.join('; ')}.`,
		`Check the network, or set ${MIRROR_ENV} to a mirror holding ${model.id}/${file.name}. Without network access, copy ${listOf(model.files.map((f) => f.name))}` +
			`${page ? ` from ${page.pageUrl(model.id)}` : ''} into "${directory}" by hand (or run \`rtmp-asr models pull ${model.name} --dir <folder>\` on a machine that has access and copy that folder's ${model.id}), then check them with \`rtmp-asr models verify --dir ${root}\`.`,
	);
}

function partialSize(partial: string): number {
	try {
		const stats = lstatSync(partial);
		return stats.isFile() ? stats.size : 0;
	} catch {
		return 0;
	}
}
