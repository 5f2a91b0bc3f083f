import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { lstat, open, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EngineError, errorMessage } from '../engine/errors.js';
import { formatBytes } from './progress.js';
import { errorCode } from './system-error.js';

export type FetchFunction = typeof fetch;

export interface TransferOptions {
	fetch: FetchFunction;
	signal?: AbortSignal;
	/** An attempt receiving nothing for this long is abandoned (a stalled connection never errors by itself). */
	stallTimeoutMs: number;
	/** The most the whole file may have: a larger announced size is refused, a longer body is cut off. */
	maxBytes: number;
	/** Sent with every request (a mirror's Authorization). */
	headers?: Readonly<Record<string, string>>;
	/** Called for every chunk written, with the size of the partial file so far and the full size when known. */
	onData?: (received: number, total: number | null) => void;
}

export interface TransferResult {
	/** Size the server announced for the whole file (Content-Length or Content-Range), when it did. */
	announcedBytes: number | undefined;
	/** Bytes already on disk from an earlier attempt, kept thanks to a range request. */
	resumedFrom: number;
}

/**
 * A failed attempt. `resumable` failures (connection cut, 5xx, stall) leave the partial file for a
 * range request; `received` says whether the attempt made any progress.
 */
export class TransferFailure extends Error {
	constructor(
		readonly reason: string,
		readonly resumable: boolean,
		readonly received: number,
	) {
		super(reason);
		this.name = 'TransferFailure';
	}
}

/** A response larger than the catalog allows: its partial file is discarded, and the source is not retried. */
class OversizeFailure extends TransferFailure {}

/** What a partial file was cut from, so that its remainder is only ever taken from the same file. */
interface PartialInfo {
	/** sha256 of the URL: a mirror's query may carry a token, which has no place on disk. */
	url: string;
	total: number | null;
	validator: string | null;
}

const partialInfoPath = (partialPath: string): string => `${partialPath}.json`;

/**
 * Downloads `url` into `partialPath`, continuing an existing partial file with a range request
 * (`If-Range` guards it when the same URL gave it: a changed file is then sent whole). Resolves when
 * the body is complete; the caller verifies and renames.
 */
export async function transferToPartial(
	url: string,
	partialPath: string,
	options: TransferOptions,
): Promise<TransferResult> {
	const urlHash = createHash('sha256').update(url).digest('hex');
	await refuseLink(partialPath);
	await refuseLink(partialInfoPath(partialPath));
	for (let restart = 0; ; restart++) {
		let offset = await sizeOf(partialPath);
		if (offset > options.maxBytes) {
			await discardPartial(partialPath);
			offset = 0;
		}
		const info = offset > 0 ? await readPartialInfo(partialPath) : null;
		const headers: Record<string, string> = { ...options.headers, 'accept-encoding': 'identity' };
		if (offset > 0) {
			headers.range = `bytes=${offset}-`;
			if (info?.url === urlHash && info.validator) headers['if-range'] = info.validator;
		}
		const stall = new StallTimer(options.stallTimeoutMs);
		const signal = options.signal ? AbortSignal.any([options.signal, stall.signal]) : stall.signal;
		try {
			let response: Response;
			try {
				response = await options.fetch(url, { headers, signal, redirect: 'follow' });
			} catch (error) {
				throw failure(error, options.signal, stall, 0);
			}
			const plan = planBody(response, offset, info);
			if (plan.kind === 'restart') {
				await discardBody(response);
				if (restart > 0) throw new TransferFailure(plan.reason, false, 0);
				await discardPartial(partialPath);
				continue;
			}
			if (plan.kind === 'complete') return { announcedBytes: plan.total, resumedFrom: offset };
			if (plan.kind === 'failed') {
				await discardBody(response);
				throw new TransferFailure(plan.reason, plan.resumable, 0);
			}
			if (plan.total !== undefined && plan.total > options.maxBytes) {
				await discardBody(response);
				throw new TransferFailure(
					`the server announced ${plan.total} bytes, more than the ${options.maxBytes} this file may have`,
					false,
					0,
				);
			}
			const startAt = plan.resume ? offset : 0;
			await writePartialInfo(partialPath, {
				url: urlHash,
				total: plan.total ?? null,
				validator: validatorOf(response),
			});
			let written: number;
			try {
				written = await appendBody(response, partialPath, startAt, plan.total, stall, options);
			} catch (error) {
				if (error instanceof OversizeFailure) await discardPartial(partialPath);
				throw error;
			}
			const received = written - startAt;
			if (plan.total !== undefined && written < plan.total)
				throw new TransferFailure(
					`the connection closed after ${written} of ${plan.total} bytes`,
					true,
					received,
				);
			return { announcedBytes: plan.total, resumedFrom: startAt };
		} finally {
			stall.stop();
		}
	}
}

/** Removes a partial file and what is known of its origin. */
export async function discardPartial(partialPath: string): Promise<void> {
	await rm(partialPath, { force: true });
	await rm(partialInfoPath(partialPath), { force: true });
}

type BodyPlan =
	| { kind: 'write'; resume: boolean; total: number | undefined }
	| { kind: 'complete'; total: number }
	| { kind: 'restart'; reason: string }
	| { kind: 'failed'; reason: string; resumable: boolean };

function planBody(response: Response, offset: number, info: PartialInfo | null): BodyPlan {
	const status = response.status;
	if (status === 200) return { kind: 'write', resume: false, total: contentLength(response) };
	if (status === 206) {
		const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
		if (!range || Number(range[1]) !== offset)
			return {
				kind: 'restart',
				reason: `the server answered a range request with "${response.headers.get('content-range')}"`,
			};
		const total = range[3] === '*' ? undefined : Number(range[3]);
		if (total !== undefined && info?.total != null && total !== info.total)
			return {
				kind: 'restart',
				reason: `the file changed size on the server (${info.total} → ${total} bytes)`,
			};
		return { kind: 'write', resume: true, total };
	}
	if (status === 416) {
		const total = /^bytes \*\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
		if (total && Number(total[1]) === offset) return { kind: 'complete', total: offset };
		return { kind: 'restart', reason: 'the server refused the range of the partial file' };
	}
	const resumable = status >= 500 || status === 408 || status === 429;
	return {
		kind: 'failed',
		reason: `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}`,
		resumable,
	};
}

async function appendBody(
	response: Response,
	partialPath: string,
	startAt: number,
	total: number | undefined,
	stall: StallTimer,
	options: TransferOptions,
): Promise<number> {
	let file: FileHandle;
	try {
		file = await openWithoutFollowing(
			partialPath,
			fsConstants.O_WRONLY |
				fsConstants.O_CREAT |
				(startAt > 0 ? fsConstants.O_APPEND : fsConstants.O_TRUNC),
		);
	} catch (error) {
		await discardBody(response);
		throw error;
	}
	let written = startAt;
	try {
		if (response.body) {
			const chunks = response.body[Symbol.asyncIterator]();
			for (;;) {
				let next: IteratorResult<Uint8Array>;
				try {
					next = await chunks.next();
				} catch (error) {
					throw failure(error, options.signal, stall, written - startAt, written);
				}
				if (next.done) break;
				stall.reset();
				if (written + next.value.byteLength > options.maxBytes) {
					await discardBody(response);
					throw new OversizeFailure(
						`the server sent more than the ${options.maxBytes} bytes this file may have (${formatBytes(options.maxBytes)}); the download was stopped`,
						false,
						written - startAt,
					);
				}
				await file.write(next.value);
				written += next.value.byteLength;
				options.onData?.(written, total ?? null);
			}
		}
		await file.sync();
	} finally {
		await file.close();
	}
	return written;
}

/** The abort's reason when the caller aborted, else a failure naming what went wrong on the network. */
function failure(
	error: unknown,
	userSignal: AbortSignal | undefined,
	stall: StallTimer,
	received: number,
	written?: number,
): unknown {
	if (userSignal?.aborted) return userSignal.reason;
	const where = written === undefined ? '' : ` after ${written} bytes`;
	if (stall.fired)
		return new TransferFailure(`no data for ${stall.timeoutMs / 1000} s${where}`, true, received);
	return new TransferFailure(`${describeNetworkError(error)}${where}`, true, received);
}

/** fetch wraps the socket's error in `cause`; name it the way a person would. */
function describeNetworkError(error: unknown): string {
	const cause = error instanceof Error && error.cause ? error.cause : error;
	switch (errorCode(cause)) {
		case 'ECONNREFUSED':
			return 'connection refused';
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return 'host not found';
		case 'ECONNRESET':
		case 'UND_ERR_SOCKET':
			return 'the connection was cut';
		case 'ETIMEDOUT':
		case 'UND_ERR_CONNECT_TIMEOUT':
		case 'UND_ERR_HEADERS_TIMEOUT':
			return 'timed out';
		default:
			return errorMessage(cause);
	}
}

/** Frees the connection of a response whose body is not wanted; a connection already broken is no matter. */
async function discardBody(response: Response): Promise<void> {
	await response.body?.cancel().catch(() => undefined);
}

function contentLength(response: Response): number | undefined {
	const value = response.headers.get('content-length');
	return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** A strong ETag or Last-Modified: what If-Range accepts. */
function validatorOf(response: Response): string | null {
	const etag = response.headers.get('etag');
	if (etag && !etag.startsWith('W/')) return etag;
	return response.headers.get('last-modified');
}

async function readPartialInfo(partialPath: string): Promise<PartialInfo | null> {
	let file: FileHandle | undefined;
	try {
		file = await openWithoutFollowing(partialInfoPath(partialPath), fsConstants.O_RDONLY);
		const parsed = JSON.parse(await file.readFile('utf8')) as PartialInfo;
		return typeof parsed.url === 'string' ? parsed : null;
	} catch {
		return null;
	} finally {
		await file?.close();
	}
}

async function writePartialInfo(partialPath: string, info: PartialInfo): Promise<void> {
	const file = await openWithoutFollowing(
		partialInfoPath(partialPath),
		fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC,
	);
	try {
		await file.writeFile(JSON.stringify(info));
	} finally {
		await file.close();
	}
}

/** Size of the partial file itself (never of what a link points to); 0 when absent. */
async function sizeOf(path: string): Promise<number> {
	try {
		const stats = await lstat(path);
		return stats.isFile() ? stats.size : 0;
	} catch {
		return 0;
	}
}

/**
 * Opens a file of the cache without following a link at its place (O_NOFOLLOW): whoever can write to
 * a shared cache could otherwise plant `model.onnx.partial → /any/file` and have a pull truncate or
 * append to that file. Where the platform lacks O_NOFOLLOW, the lstat check before it still applies.
 */
async function openWithoutFollowing(path: string, flags: number): Promise<FileHandle> {
	await refuseLink(path);
	let file: FileHandle;
	try {
		file = await open(path, flags | (fsConstants.O_NOFOLLOW ?? 0), 0o644);
	} catch (error) {
		if (errorCode(error) === 'ELOOP') throw linkInCache(path);
		throw error;
	}
	if (!(await file.stat()).isFile()) {
		await file.close();
		throw linkInCache(path);
	}
	return file;
}

/** Throws when `path` exists and is a symbolic link (or anything but a regular file). */
export async function refuseLink(path: string): Promise<void> {
	let stats;
	try {
		stats = await lstat(path);
	} catch (error) {
		if (errorCode(error) === 'ENOENT') return;
		throw error;
	}
	if (!stats.isFile()) throw linkInCache(path);
}

function linkInCache(path: string): EngineError {
	return new EngineError(
		'MODEL_INVALID',
		`"${path}" is a symbolic link or not a regular file, where the model cache expects a regular file; downloads never write through links.`,
		`Remove it, and check who else can write to "${dirname(path)}" (a shared cache should be writable only by the users running n8n and rtmp-asr); then pull again.`,
	);
}

/** Aborts an attempt that has received nothing for `timeoutMs`. */
class StallTimer {
	private readonly controller = new AbortController();
	private readonly timer: NodeJS.Timeout;
	fired = false;

	constructor(readonly timeoutMs: number) {
		this.timer = setTimeout(() => {
			this.fired = true;
			this.controller.abort(new Error('stalled'));
		}, timeoutMs);
	}

	get signal(): AbortSignal {
		return this.controller.signal;
	}

	reset(): void {
		this.timer.refresh();
	}

	stop(): void {
		clearTimeout(this.timer);
	}
}
