import type { InferenceClient } from '../runtime/inference-client.js';
import type { VadOutput } from '../runtime/inference-protocol.js';

/** Live packets are 20–40 ms; the VAD runs per ~100 ms at least, which costs far less per audio second. */
export const MIN_SEND_SAMPLES = 1600;
/**
 * Audio that waited while the VAD was busy goes in one call, up to this much: each onnxruntime call
 * has a fixed cost that 100 ms chunks pay ten times a second (measured: docs/measurements.md).
 */
const MAX_SEND_SAMPLES = 32_000;
/** Flow control: a reader this far ahead of the VAD (a file decoded at full speed) waits for it. */
const MAX_UNSENT_SAMPLES = 64_000;
/** Live feeds send on a beat of this period, the same for every feed of the process. */
export const BEAT_MS = 100;

/**
 * The process's send beat: live feeds that have audio waiting send it on the same tick, so that
 * their chunks reach the VAD worker together and share its runs (FsmnVadModel.run). A sample waits
 * for the next beat as long on average as it waited for 100 ms to gather: no added latency. The
 * timer runs only while a feed waits for it.
 */
class SendBeat {
	private readonly waiting = new Set<VadFeed>();
	private timer: NodeJS.Timeout | null = null;

	wait(feed: VadFeed): void {
		this.waiting.add(feed);
		if (this.timer) return;
		// On the process clock's multiples of the period: every feed waits for the same tick.
		const now = performance.now();
		const untilBeat = Math.ceil(now / BEAT_MS) * BEAT_MS - now || BEAT_MS;
		this.timer = setTimeout(() => this.beat(), untilBeat);
	}

	leave(feed: VadFeed): void {
		this.waiting.delete(feed);
		if (this.waiting.size > 0 || !this.timer) return;
		clearTimeout(this.timer);
		this.timer = null;
	}

	private beat(): void {
		this.timer = null;
		const feeds = [...this.waiting];
		this.waiting.clear();
		for (const feed of feeds) feed.onBeat();
	}
}

const beat = new SendBeat();

export interface VadFeedHooks {
	/** The VAD's answer to each call, in order; `caughtUp`: no more audio was waiting for the VAD. */
	segmented(output: VadOutput, caughtUp: boolean): void;
	failed(error: unknown): void;
	/** Too much audio waits for the VAD: pause the reader (true), or resume it (false). */
	pressure(full: boolean): void;
}

/**
 * One stream's audio on its way to the VAD worker, in order: at least 100 ms per call, and what
 * arrived while the previous call ran, in the next call. A live feed (`onBeat`) sends what it has
 * on the process's send beat instead, every 100 ms, and a backlog of 2 s at once. Any chunking
 * gives the same segments.
 */
export class VadFeed {
	private unsent: Float32Array[] = [];
	private unsentSamples = 0;
	private sending: Promise<void> = Promise.resolve();
	private scheduled = false;
	private full = false;

	/** `onBeat`: a live input, arriving in real time. */
	constructor(
		private readonly client: InferenceClient,
		private readonly streamId: string,
		private readonly hooks: VadFeedHooks,
		private readonly options: { onBeat?: boolean } = {},
	) {}

	push(samples: Float32Array): void {
		if (samples.length === 0) return;
		this.unsent.push(samples);
		this.unsentSamples += samples.length;
		this.updatePressure();
		if (!this.options.onBeat) {
			if (this.unsentSamples >= MIN_SEND_SAMPLES) this.schedule();
		} else if (this.unsentSamples >= MAX_SEND_SAMPLES) {
			beat.leave(this);
			this.schedule();
		} else beat.wait(this);
	}

	/** The process's send beat (SendBeat): what waits goes now. */
	onBeat(): void {
		if (this.unsentSamples > 0) this.schedule();
	}

	/** Sends what is left, however short; resolves when the VAD has answered every call. */
	async drain(): Promise<void> {
		beat.leave(this);
		do {
			this.schedule();
			await this.sending;
		} while (this.unsentSamples > 0);
	}

	private schedule(): void {
		if (this.scheduled) return;
		this.scheduled = true;
		this.sending = this.sending.then(async () => {
			this.scheduled = false;
			const samples = this.take();
			if (!samples) return;
			if (this.unsentSamples >= MIN_SEND_SAMPLES) this.schedule();
			try {
				const output = await this.client.audio(this.streamId, samples);
				this.hooks.segmented(output, this.unsentSamples < MIN_SEND_SAMPLES);
			} catch (error) {
				this.hooks.failed(error);
			}
		});
	}

	/** The oldest waiting audio, up to MAX_SEND_SAMPLES, as one array (transferred to the worker). */
	private take(): Float32Array | null {
		if (this.unsentSamples === 0) return null;
		const length = Math.min(this.unsentSamples, MAX_SEND_SAMPLES);
		const first = this.unsent[0];
		let taken: Float32Array;
		// Transferred to the worker: only an array that owns its whole buffer goes as it is.
		if (first.length === length && first.byteLength === first.buffer.byteLength) {
			taken = first;
			this.unsent.shift();
		} else {
			taken = new Float32Array(length);
			let filled = 0;
			while (filled < length) {
				const chunk = this.unsent[0];
				const part = Math.min(chunk.length, length - filled);
				taken.set(part === chunk.length ? chunk : chunk.subarray(0, part), filled);
				filled += part;
				if (part === chunk.length) this.unsent.shift();
				else this.unsent[0] = chunk.subarray(part);
			}
		}
		this.unsentSamples -= length;
		this.updatePressure();
		return taken;
	}

	private updatePressure(): void {
		const full = this.unsentSamples >= MAX_UNSENT_SAMPLES;
		if (full === this.full) return;
		this.full = full;
		this.hooks.pressure(full);
	}
}
