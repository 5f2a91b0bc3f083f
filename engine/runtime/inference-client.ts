import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EngineError } from '../errors.js';
import {
	deserializeError,
	type RecognitionResult,
	type SegmentAudio,
	type StreamConfig,
	type WorkerRequest,
	type WorkerResponse,
	type WorkerResults,
} from './inference-protocol.js';

type RequestBody = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface InFlight {
	body: RequestBody;
	resolve: (value: unknown) => void;
	reject: (error: EngineError) => void;
	retried: boolean;
}

export interface WorkerCrash {
	/** Streams whose VAD state was lost: speech around the crash may be missing. */
	streams: string[];
	error: string;
}

/**
 * The main thread's side of the inference worker. One worker per process, shared by every pipeline
 * (reference-counted through `acquireInferenceClient`): each model is loaded once however many
 * workflows use it. A crashed worker is restarted, its streams reopened, and recognitions in flight
 * retried once.
 */
export class InferenceClient {
	private worker: Worker;
	private nextId = 1;
	private readonly inFlight = new Map<number, InFlight>();
	private readonly openStreams = new Map<string, StreamConfig>();
	private terminating = false;
	private readonly crashListeners = new Set<(crash: WorkerCrash) => void>();

	constructor() {
		this.worker = this.spawn();
	}

	onCrash(listener: (crash: WorkerCrash) => void): () => void {
		this.crashListeners.add(listener);
		return () => this.crashListeners.delete(listener);
	}

	async open(streamId: string, config: StreamConfig): Promise<void> {
		await this.call({ type: 'open', streamId, config });
		this.openStreams.set(streamId, config);
	}

	audio(streamId: string, samples: Float32Array): Promise<SegmentAudio[]> {
		return this.call({ type: 'audio', streamId, samples }, [samples.buffer as ArrayBuffer]);
	}

	flush(streamId: string): Promise<SegmentAudio[]> {
		return this.call({ type: 'flush', streamId });
	}

	/** The samples are copied, not transferred, so a retry after a crash still has them. */
	recognize(streamId: string, samples: Float32Array): Promise<RecognitionResult> {
		return this.call({ type: 'recognize', streamId, samples });
	}

	async close(streamId: string): Promise<void> {
		this.openStreams.delete(streamId);
		await this.call({ type: 'close', streamId });
	}

	/** Ends the worker thread; pending calls are rejected. */
	async terminate(): Promise<void> {
		this.terminating = true;
		await this.worker.terminate();
		this.failAll(new EngineError('WORKER_FAILED', 'The inference worker was stopped.', '', { fatal: false }));
	}

	private call<K extends RequestBody['type']>(body: Extract<RequestBody, { type: K }>, transfer: ArrayBuffer[] = []): Promise<WorkerResults[K]> {
		return new Promise((resolve, reject) => {
			const id = this.nextId++;
			this.inFlight.set(id, { body, resolve: resolve as (value: unknown) => void, reject, retried: false });
			this.worker.postMessage({ ...body, id }, transfer);
		});
	}

	private spawn(): Worker {
		const worker = new Worker(join(__dirname, 'inference-worker.js'));
		worker.on('message', (response: WorkerResponse) => this.settle(response));
		worker.on('error', (error) => this.restart(worker, error.message));
		worker.on('exit', (code) => {
			if (!this.terminating) this.restart(worker, `exit code ${code}`);
		});
		return worker;
	}

	private settle(response: WorkerResponse): void {
		const call = this.inFlight.get(response.id);
		if (!call) return;
		this.inFlight.delete(response.id);
		if (response.ok) call.resolve(response.result);
		else call.reject(deserializeError(response.error));
	}

	private restart(crashed: Worker, reason: string): void {
		if (this.worker !== crashed || this.terminating) return;
		void crashed.terminate();
		this.worker = this.spawn();
		const lost = new EngineError('WORKER_FAILED', `The inference worker crashed (${reason}).`, 'It was restarted; if this repeats, check memory and the model files.', { fatal: false });
		const retry: InFlight[] = [];
		for (const [id, call] of this.inFlight) {
			this.inFlight.delete(id);
			if (call.body.type === 'recognize' && !call.retried) retry.push(call);
			else call.reject(lost);
		}
		const reopened = [...this.openStreams].map(([streamId, config]) => this.call({ type: 'open', streamId, config }).catch(() => undefined));
		for (const listener of this.crashListeners) listener({ streams: [...this.openStreams.keys()], error: reason });
		void Promise.all(reopened).then(() => {
			for (const call of retry) {
				const id = this.nextId++;
				this.inFlight.set(id, { ...call, retried: true });
				this.worker.postMessage({ ...call.body, id });
			}
		});
	}

	private failAll(error: EngineError): void {
		for (const call of this.inFlight.values()) call.reject(error);
		this.inFlight.clear();
	}
}

let shared: { client: InferenceClient; users: number } | null = null;

/** The process-wide worker; call the returned release() exactly once. */
export function acquireInferenceClient(): { client: InferenceClient; release: () => Promise<void> } {
	if (!shared) shared = { client: new InferenceClient(), users: 0 };
	const current = shared;
	current.users++;
	let released = false;
	return {
		client: current.client,
		release: async () => {
			if (released) return;
			released = true;
			current.users--;
			if (current.users === 0 && shared === current) {
				shared = null;
				await current.client.terminate();
			}
		},
	};
}
