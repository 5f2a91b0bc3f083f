import PQueue from 'p-queue';
import type { OverflowPolicy, QueueSettings } from '../config.js';

export const DEFAULT_QUEUE: Required<QueueSettings> = { maxSeconds: 120, overflow: 'drop-oldest' };

/** What the queue holds, measured in seconds of audio. */
export interface QueueItem {
	durationSeconds: number;
}

export interface RecognitionQueueHooks<T extends QueueItem, R> {
	/** Recognizes one segment; several may run at once (see `concurrency`). Must not reject. */
	recognize(segment: T): Promise<R>;
	/** Each result, strictly in the order the segments were pushed; a promise returned is awaited before the next. */
	deliver(segment: T, result: R): unknown;
	/** Segments that will never be recognized, and why; never silent. */
	dropped(segments: T[], reason: 'overflow' | 'closed'): void;
	/** Backpressure policy: pause the input while full, resume when drained. */
	pressure?(full: boolean): void;
}

interface Entry<T> {
	segment: T;
	dropped: boolean;
}

/**
 * Segments waiting for recognition, bounded in seconds of audio. Up to `concurrency` segments are
 * recognized at once, so that a backlog reaches the worker together and is batched there; results
 * are delivered in order whatever order they finish in.
 */
export class RecognitionQueue<T extends QueueItem, R = void> {
	private readonly queue: PQueue;
	/** The last delivery: the next one waits for it. */
	private delivered: Promise<void> = Promise.resolve();
	private readonly waiting: Entry<T>[] = [];
	private waitingSeconds = 0;
	private full = false;
	private readonly maxSeconds: number;
	private readonly policy: OverflowPolicy;

	constructor(
		settings: QueueSettings,
		private readonly hooks: RecognitionQueueHooks<T, R>,
		concurrency = 1,
	) {
		this.queue = new PQueue({ concurrency });
		this.maxSeconds = settings.maxSeconds ?? DEFAULT_QUEUE.maxSeconds;
		this.policy = settings.overflow ?? DEFAULT_QUEUE.overflow;
	}

	push(segment: T): void {
		if (this.policy === 'drop-newest' && this.wouldOverflow(segment)) {
			this.hooks.dropped([segment], 'overflow');
			return;
		}
		if (this.policy === 'drop-oldest') {
			const evicted: T[] = [];
			while (this.wouldOverflow(segment)) evicted.push(this.evictOldest());
			if (evicted.length > 0) this.hooks.dropped(evicted, 'overflow');
		}
		const entry: Entry<T> = { segment, dropped: false };
		this.waiting.push(entry);
		this.waitingSeconds += segment.durationSeconds;
		this.updatePressure();
		void this.queue.add(async () => {
			if (entry.dropped) return;
			this.waiting.splice(this.waiting.indexOf(entry), 1);
			this.waitingSeconds -= segment.durationSeconds;
			this.updatePressure();
			const result = this.hooks.recognize(segment);
			// Tasks start in push order, so chaining here delivers in push order. A task ends with its
			// recognition, not its delivery: a long segment must not hold the slots of those after it.
			this.delivered = this.delivered
				.then(async () => {
					await this.hooks.deliver(segment, await result);
				})
				.catch(() => undefined);
			await result;
		});
	}

	/** Resolves when every admitted segment has been recognized and delivered (or dropped). */
	async drain(): Promise<void> {
		await this.queue.onIdle();
		await this.delivered;
	}

	/** Drops what waits (reported as 'closed') and waits for the segment being recognized. */
	async close(): Promise<void> {
		const abandoned = this.waiting.splice(0).map((entry) => {
			entry.dropped = true;
			return entry.segment;
		});
		this.waitingSeconds = 0;
		if (abandoned.length > 0) this.hooks.dropped(abandoned, 'closed');
		await this.drain();
	}

	/** A segment is always admitted into an empty queue, however long: the bound is on what waits. */
	private wouldOverflow(segment: T): boolean {
		return (
			this.waiting.length > 0 && this.waitingSeconds + segment.durationSeconds > this.maxSeconds
		);
	}

	private evictOldest(): T {
		const entry = this.waiting.shift() as Entry<T>;
		entry.dropped = true;
		this.waitingSeconds -= entry.segment.durationSeconds;
		return entry.segment;
	}

	private updatePressure(): void {
		if (this.policy !== 'backpressure') return;
		const full = this.waitingSeconds >= this.maxSeconds;
		if (full === this.full) return;
		this.full = full;
		this.hooks.pressure?.(full);
	}
}
