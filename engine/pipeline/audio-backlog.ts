import type { QueueSettings } from '../config.js';
import { DEFAULT_QUEUE } from './recognition-queue.js';

/** Audio of one session, from `sessionMs` on, as 16-bit PCM. */
export interface AudioChunk<S> {
	session: S;
	sessionMs: number;
	pcm: Buffer;
}

const BYTES_PER_SECOND = 16_000 * 2;

export function chunkSeconds(chunk: AudioChunk<unknown>): number {
	return chunk.pcm.length / BYTES_PER_SECOND;
}

/**
 * Audio waiting for a recognition server, bounded in seconds as the recognition queue is, with
 * the same overflow policy: drop the oldest, drop the newest, or hold the reader (`full` tells).
 */
export class AudioBacklog<S> {
	private chunks: AudioChunk<S>[] = [];
	private seconds = 0;
	private readonly maxSeconds: number;
	readonly policy: NonNullable<QueueSettings['overflow']>;

	constructor(settings: QueueSettings) {
		this.maxSeconds = settings.maxSeconds ?? DEFAULT_QUEUE.maxSeconds;
		this.policy = settings.overflow ?? DEFAULT_QUEUE.overflow;
	}

	get full(): boolean {
		return this.seconds >= this.maxSeconds;
	}

	get length(): number {
		return this.chunks.length;
	}

	/** Keeps the chunk; returns the seconds of audio the policy dropped to make room (or dropped of this one). */
	push(chunk: AudioChunk<S>): number {
		const seconds = chunkSeconds(chunk);
		if (this.seconds + seconds <= this.maxSeconds || this.policy === 'backpressure') {
			this.add(chunk, seconds);
			return 0;
		}
		if (this.policy === 'drop-newest') return seconds;
		let dropped = 0;
		while (this.chunks.length && this.seconds + seconds > this.maxSeconds) {
			const oldest = this.chunks.shift()!;
			const oldestSeconds = chunkSeconds(oldest);
			this.seconds -= oldestSeconds;
			dropped += oldestSeconds;
		}
		this.add(chunk, seconds);
		return dropped;
	}

	/** Everything waiting, oldest first; the backlog is empty afterwards. */
	take(): AudioChunk<S>[] {
		const chunks = this.chunks;
		this.chunks = [];
		this.seconds = 0;
		return chunks;
	}

	private add(chunk: AudioChunk<S>, seconds: number): void {
		this.chunks.push(chunk);
		this.seconds += seconds;
	}
}
