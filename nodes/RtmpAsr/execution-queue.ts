import type { INodeExecutionData, ITriggerFunctions } from 'n8n-workflow';

/** n8n's donePromise: resolved with the run once an execution has finished. */
export type DonePromise = NonNullable<Parameters<ITriggerFunctions['emit']>[2]>;

export interface ExecutionQueueHooks {
	/** Starts one execution; `done` resolves when it has finished (n8n's donePromise). */
	emit(data: INodeExecutionData[][], done?: DonePromise): void;
	createDeferred(): DonePromise;
	/** An execution's done promise was rejected; the queue goes on with the next one. */
	failed(error: unknown): void;
}

/** Sentences recognized ahead of a slow workflow; beyond, speech waits in the pipeline's queue. */
const MAX_WAITING_EXECUTIONS = 4;

/**
 * Starts the trigger's executions. Ordered: one at a time, each after the previous one has
 * finished, in the order pushed (n8n's MQTT and Kafka triggers do the same with a donePromise);
 * parallel: each at once. Closing releases a wait in progress and drops what has not started.
 */
export class ExecutionQueue {
	private readonly waiting: INodeExecutionData[][][] = [];
	private readonly roomWaiters: (() => void)[] = [];
	private readonly hooks: ExecutionQueueHooks;
	private readonly ordered: boolean;
	private draining = false;
	private closed = false;
	private releaseWait: (() => void) | null = null;

	constructor(ordered: boolean, hooks: ExecutionQueueHooks) {
		this.ordered = ordered;
		this.hooks = hooks;
	}

	/** Executions pushed but not started yet. */
	get pending(): number {
		return this.waiting.length;
	}

	/**
	 * Resolves once at most MAX_WAITING_EXECUTIONS wait to start (at once when parallel or closed):
	 * the pipeline awaits it before each recognition, so speech behind a slow workflow waits in the
	 * pipeline's bounded queue.
	 */
	whenRoom(): Promise<void> {
		if (this.hasRoom()) return Promise.resolve();
		return new Promise((resolve) => this.roomWaiters.push(resolve));
	}

	push(data: INodeExecutionData[][]): void {
		if (this.closed) return;
		if (!this.ordered) {
			this.hooks.emit(data);
			return;
		}
		this.waiting.push(data);
		if (!this.draining) void this.drain();
	}

	close(): void {
		this.closed = true;
		this.waiting.length = 0;
		this.releaseWait?.();
		this.checkRoom();
	}

	private async drain(): Promise<void> {
		this.draining = true;
		while (!this.closed) {
			const data = this.waiting.shift();
			if (data === undefined) break;
			this.checkRoom();
			const done = this.hooks.createDeferred();
			const released = new Promise<void>((resolve) => (this.releaseWait = resolve));
			this.hooks.emit(data, done);
			try {
				await Promise.race([done.promise, released]);
			} catch (error) {
				this.hooks.failed(error);
			}
			this.releaseWait = null;
		}
		this.draining = false;
	}

	private hasRoom(): boolean {
		return !this.ordered || this.closed || this.waiting.length <= MAX_WAITING_EXECUTIONS;
	}

	private checkRoom(): void {
		if (this.hasRoom()) for (const resolve of this.roomWaiters.splice(0)) resolve();
	}
}
