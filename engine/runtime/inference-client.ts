import type { ProvisionalSegment, RecognitionResult, Segmentation, SpeechSegment, StreamConfig, WorkerRole } from './inference-protocol.js';
import { WorkerChannel } from './worker-channel.js';

export interface WorkerCrash {
	/** The VAD worker's crash loses the streams' VAD state (speech around it may be missing); the recognizer's retries what was in flight. */
	role: WorkerRole;
	streams: string[];
	error: string;
}

/**
 * The main thread's side of the inference workers. Two threads per process, shared by every
 * pipeline (reference-counted through `acquireInferenceClient`): the VAD's, which cuts every
 * stream's audio into segments with their fbank rows, and the recognizer's (Paraformer,
 * punctuation). Each model is loaded once however many workflows use it. A crashed worker is
 * restarted, its streams reopened, and recognitions in flight retried once.
 */
export class InferenceClient {
	private readonly openStreams = new Map<string, StreamConfig>();
	private readonly crashListeners = new Set<(crash: WorkerCrash) => void>();
	private readonly vad = this.channel('vad');
	private readonly recognizer = this.channel('recognizer');

	onCrash(listener: (crash: WorkerCrash) => void): () => void {
		this.crashListeners.add(listener);
		return () => this.crashListeners.delete(listener);
	}

	async open(streamId: string, config: StreamConfig): Promise<void> {
		const opened = await Promise.allSettled(this.channels.map((channel) => channel.call({ type: 'open', streamId, config })));
		const failed = opened.find((result) => result.status === 'rejected');
		if (failed) {
			await Promise.all(this.channels.map((channel, i) => (opened[i]!.status === 'fulfilled' ? channel.call({ type: 'close', streamId }) : undefined)));
			throw failed.reason;
		}
		this.openStreams.set(streamId, config);
	}

	/** The samples are transferred: the caller must not use them afterwards. */
	audio(streamId: string, samples: Float32Array): Promise<Segmentation> {
		return this.vad.call({ type: 'audio', streamId, samples }, [samples.buffer as ArrayBuffer]);
	}

	flush(streamId: string): Promise<SpeechSegment[]> {
		return this.vad.call({ type: 'flush', streamId });
	}

	/**
	 * The fbank rows are copied, not transferred, so a retry after a crash still has them. A segment
	 * that was offered as provisional names it: its text may be ready already.
	 */
	recognize(streamId: string, fbank: Float32Array, provisionalId?: number): Promise<RecognitionResult> {
		return this.recognizer.call({ type: 'recognize', streamId, fbank, ...(provisionalId !== undefined ? { provisionalId } : {}) });
	}

	/** Starts recognising a provisional segment if the recognizer is idle (its rows are transferred); resolves whether it did. */
	recognizeProvisional(streamId: string, segment: ProvisionalSegment): Promise<boolean> {
		return this.recognizer.call({ type: 'recognize-provisional', streamId, segment }, [segment.fbank.buffer as ArrayBuffer]);
	}

	async close(streamId: string): Promise<void> {
		this.openStreams.delete(streamId);
		await Promise.all(this.channels.map((channel) => channel.call({ type: 'close', streamId })));
	}

	/** Each worker's JavaScript heap in use, bytes. */
	async workerHeapBytes(): Promise<Record<WorkerRole, number>> {
		const [vad, recognizer] = await Promise.all(this.channels.map((channel) => channel.heapUsedBytes()));
		return { vad: vad!, recognizer: recognizer! };
	}

	/** Ends both worker threads; pending calls are rejected. */
	async terminate(): Promise<void> {
		await Promise.all(this.channels.map((channel) => channel.terminate()));
	}

	private get channels(): WorkerChannel[] {
		return [this.vad, this.recognizer];
	}

	private channel(role: WorkerRole): WorkerChannel {
		const channel: WorkerChannel = new WorkerChannel(role, (error) => {
			const streams = [...this.openStreams];
			const reopened = streams.map(([streamId, config]) => channel.call({ type: 'open', streamId, config }).catch(() => undefined));
			for (const listener of this.crashListeners) listener({ role, streams: streams.map(([streamId]) => streamId), error });
			return Promise.all(reopened);
		});
		return channel;
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
