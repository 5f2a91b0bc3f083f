import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EngineError } from '../errors.js';
import { BusyShare } from './busy-share.js';
import {
	deserializeError,
	serializeError,
	type WorkerResponse,
	type WorkerRole,
} from './inference-protocol.js';
import { MessageBatch } from './message-batch.js';
import {
	requestHandler,
	type RequestBody,
	type RequestResult,
	type RequestType,
	type WorkerRequest,
} from './worker-requests.js';

/** How long a worker may take to finish its last recognition before it is terminated anyway. */
const SHUTDOWN_GRACE_MS = 30_000;
/** `recentBusyShare` weights about this much of the past. */
const BUSY_TIME_CONSTANT_MS = 5000;

/** The thread name of a worker: its channel's name (its role, numbered past the first recognizer). */
export function workerThreadName(channelName: string): string {
	return `rtmp-asr ${channelName}`;
}

interface InFlight {
	body: RequestBody;
	resolve: (value: unknown) => void;
	reject: (error: EngineError) => void;
	retried: boolean;
}

/**
 * Requests to one inference worker thread and their answers; what each request transfers and
 * whether it is retried come from its role's request table. A worker that dies is replaced at
 * once: `onRestart` reopens its streams, then the requests in flight that the table retries
 * (recognitions, punctuations) are sent again, once; every other call in flight fails.
 */
export class WorkerChannel {
	private worker: Worker;
	private exited: Promise<void> = Promise.resolve();
	private nextId = 1;
	private readonly inFlight = new Map<number, InFlight>();
	private readonly busy = new BusyShare(BUSY_TIME_CONSTANT_MS);
	private terminating = false;
	private keepsProcessAlive = true;
	private readonly outbox = new MessageBatch<WorkerRequest>((requests, transfer) =>
		this.post(requests, transfer),
	);

	constructor(
		readonly role: WorkerRole,
		private readonly onRestart: (reason: string) => Promise<unknown>,
		private readonly script = join(__dirname, 'inference-worker.js'),
		private readonly name: string = role,
	) {
		this.worker = this.spawn();
	}

	/** Calls not answered yet. */
	get callsInFlight(): number {
		return this.inFlight.size;
	}

	/** The share of the last seconds the worker had a call to answer (busy). */
	get recentBusyShare(): number {
		return this.busy.current();
	}

	call<K extends RequestType>(body: Extract<RequestBody, { type: K }>): Promise<RequestResult<K>> {
		return new Promise((resolve, reject) => {
			const id = this.nextId++;
			this.inFlight.set(id, {
				body,
				resolve: resolve as (value: unknown) => void,
				reject,
				retried: false,
			});
			this.updateBusy();
			this.outbox.add(
				{ ...body, id } satisfies WorkerRequest,
				requestHandler(this.role, body.type)?.transfer?.(body),
			);
		});
	}

	/** Whether the worker thread keeps the process running (a replacement after a crash inherits it). */
	keepProcessAlive(alive: boolean): void {
		this.keepsProcessAlive = alive;
		if (alive) this.worker.ref();
		else this.worker.unref();
	}

	/** The worker's JavaScript heap in use (for soak tests: growth, garbage included). */
	async heapUsedBytes(): Promise<number> {
		return (await this.worker.getHeapStatistics()).used_heap_size;
	}

	/**
	 * Ends the worker thread once it has answered what is in flight. Never `Worker.terminate()` first:
	 * a thread terminated inside an onnxruntime run aborts the whole process (onnxruntime-node 1.30
	 * throws a C++ Napi::Error nobody catches), n8n included.
	 */
	async terminate(): Promise<void> {
		if (this.terminating) return;
		this.terminating = true;
		const worker = this.worker;
		this.outbox.add({ id: this.nextId++, type: 'shutdown' });
		this.outbox.flush();
		const stuck = setTimeout(() => void worker.terminate(), SHUTDOWN_GRACE_MS);
		await this.exited;
		clearTimeout(stuck);
		const stopped = new EngineError('WORKER_FAILED', 'The inference worker was stopped.', '', {
			fatal: false,
		});
		for (const call of this.inFlight.values()) call.reject(stopped);
		this.inFlight.clear();
		this.updateBusy();
	}

	/** Busy while a call waits for its answer. */
	private updateBusy(): void {
		this.busy.set(this.inFlight.size > 0);
	}

	private spawn(): Worker {
		const worker = new Worker(this.script, {
			workerData: { role: this.role },
			name: workerThreadName(this.name),
		});
		this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
		worker.on('message', (responses: WorkerResponse[]) => {
			for (const response of responses) this.settle(response);
		});
		worker.on('error', (error) => this.restart(worker, error.message));
		worker.on('exit', (code) => {
			if (!this.terminating) this.restart(worker, `exit code ${code}`);
		});
		if (!this.keepsProcessAlive) worker.unref();
		return worker;
	}

	/** A batch the worker cannot be sent (a buffer already moved, say) fails its calls, not the process. */
	private post(requests: WorkerRequest[], transfer: ArrayBuffer[]): void {
		try {
			this.worker.postMessage(requests, transfer);
		} catch (error) {
			for (const { id } of requests) this.settle({ id, ok: false, error: serializeError(error) });
		}
	}

	private settle(response: WorkerResponse): void {
		const call = this.inFlight.get(response.id);
		if (!call) return;
		this.inFlight.delete(response.id);
		this.updateBusy();
		if (response.ok) call.resolve(response.result);
		else call.reject(deserializeError(response.error));
	}

	private restart(crashed: Worker, reason: string): void {
		if (this.worker !== crashed || this.terminating) return;
		void crashed.terminate();
		// Requests not posted yet were meant for the crashed worker: they are retried or failed below.
		this.outbox.discard();
		this.worker = this.spawn();
		const lost = new EngineError(
			'WORKER_FAILED',
			`The ${this.name} worker crashed (${reason}).`,
			'It was restarted; if this repeats, check memory and the model files.',
			{ fatal: false },
		);
		const retry: InFlight[] = [];
		for (const [id, call] of this.inFlight) {
			this.inFlight.delete(id);
			if (requestHandler(this.role, call.body.type)?.retriedAfterCrash && !call.retried)
				retry.push(call);
			else call.reject(lost);
		}
		this.updateBusy();
		void this.onRestart(reason).then(() => {
			for (const call of retry) {
				const id = this.nextId++;
				this.inFlight.set(id, { ...call, retried: true });
				this.updateBusy();
				this.outbox.add({ ...call.body, id });
			}
		});
	}
}
