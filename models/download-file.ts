import { open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { errorMessage } from '../engine/errors.js';
import { errorCode } from './system-error.js';

export type FetchFunction = typeof fetch;

export interface TransferOptions {
	fetch: FetchFunction;
	signal?: AbortSignal;
	/** An attempt receiving nothing for this long is abandoned (a stalled connection never errors by itself). */
	stallTimeoutMs: number;
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

/** What a partial file was cut from, so that its remainder is only ever taken from the same file. */
interface PartialInfo {
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
export async function transferToPartial(url: string, partialPath: string, options: TransferOptions): Promise<TransferResult> {
	for (let restart = 0; ; restart++) {
		const offset = await sizeOf(partialPath);
		const info = offset > 0 ? await readPartialInfo(partialPath) : null;
		const headers: Record<string, string> = { 'accept-encoding': 'identity' };
		if (offset > 0) {
			headers.range = `bytes=${offset}-`;
			if (info?.url === url && info.validator) headers['if-range'] = info.validator;
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
			const startAt = plan.resume ? offset : 0;
			await writeFile(partialInfoPath(partialPath), JSON.stringify({ url, total: plan.total ?? null, validator: validatorOf(response) } satisfies PartialInfo));
			const written = await appendBody(response, partialPath, startAt, plan.total, stall, options);
			const received = written - startAt;
			if (plan.total !== undefined && written < plan.total) throw new TransferFailure(`the connection closed after ${written} of ${plan.total} bytes`, true, received);
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
		if (!range || Number(range[1]) !== offset) return { kind: 'restart', reason: `the server answered a range request with "${response.headers.get('content-range')}"` };
		const total = range[3] === '*' ? undefined : Number(range[3]);
		if (total !== undefined && info?.total != null && total !== info.total) return { kind: 'restart', reason: `the file changed size on the server (${info.total} → ${total} bytes)` };
		return { kind: 'write', resume: true, total };
	}
	if (status === 416) {
		const total = /^bytes \*\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
		if (total && Number(total[1]) === offset) return { kind: 'complete', total: offset };
		return { kind: 'restart', reason: 'the server refused the range of the partial file' };
	}
	const resumable = status >= 500 || status === 408 || status === 429;
	return { kind: 'failed', reason: `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}`, resumable };
}

async function appendBody(response: Response, partialPath: string, startAt: number, total: number | undefined, stall: StallTimer, options: TransferOptions): Promise<number> {
	const file = await open(partialPath, startAt > 0 ? 'a' : 'w');
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
function failure(error: unknown, userSignal: AbortSignal | undefined, stall: StallTimer, received: number, written?: number): unknown {
	if (userSignal?.aborted) return userSignal.reason;
	const where = written === undefined ? '' : ` after ${written} bytes`;
	if (stall.fired) return new TransferFailure(`no data for ${stall.timeoutMs / 1000} s${where}`, true, received);
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
	try {
		const parsed = JSON.parse(await readFile(partialInfoPath(partialPath), 'utf8')) as PartialInfo;
		return typeof parsed.url === 'string' ? parsed : null;
	} catch {
		return null;
	}
}

async function sizeOf(path: string): Promise<number> {
	try {
		return (await stat(path)).size;
	} catch {
		return 0;
	}
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
