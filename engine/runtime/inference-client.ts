import { EngineError } from '../errors.js';
import {
	deserializeError,
	type ModelKind,
	type ProvisionalSegment,
	type RecognizerOutput,
	type VadOutput,
	type Segment,
	type StreamConfig,
	type WorkerRole,
} from './inference-protocol.js';
import { WorkerChannel } from './worker-channel.js';

export interface WorkerCrash {
	/** The VAD worker's crash loses the streams' VAD state (speech around it may be missing); a recognizer's retries what was in flight. */
	role: WorkerRole;
	streams: string[];
	error: string;
}

/** Each recognizer holds a copy of the Paraformer: beyond this, memory runs out before cores help. */
const MAX_RECOGNIZERS = 16;
/**
 * A recognizer busier than this lately runs no provisional segments: more than half of them turn
 * out wasted (the speaker went on), and with several streams they took the time other streams'
 * sentences needed (measured: docs/measurements.md).
 */
const EARLY_RECOGNITION_MAX_BUSY_SHARE = 0.3;

interface OpenStream {
	config: StreamConfig;
	/** The recognizer workers this stream uses: the first `models.recognizers` of the pool. */
	recognizers: number;
	/** The worker recognizing the stream's latest provisional segment. */
	provisional: { id: number; channel: WorkerChannel } | null;
}

/**
 * The main thread's side of the inference workers, shared by every pipeline of the process
 * (reference-counted through `acquireInferenceClient`): the VAD worker, which cuts every stream's
 * audio into segments with their fbank rows and punctuates its texts, and one recognizer worker or
 * more (Paraformer), each segment going to the least busy of its stream's. Each model is loaded
 * once per worker however many workflows use it. A crashed worker is restarted, its streams
 * reopened, and recognitions in flight retried once.
 */
export class InferenceClient {
	private readonly openStreams = new Map<string, OpenStream>();
	/** Streams whose open is under way; a close meanwhile removes them, so the open does not register them. */
	private readonly opening = new Set<string>();
	private readonly crashListeners = new Set<(crash: WorkerCrash) => void>();
	private readonly vad = this.channel('vad', () => true);
	/** One from the start; more when a stream asks for them. */
	private readonly recognizers: WorkerChannel[] = [this.channel('recognizer', () => true)];

	onCrash(listener: (crash: WorkerCrash) => void): () => void {
		this.crashListeners.add(listener);
		return () => this.crashListeners.delete(listener);
	}

	/**
	 * Loads the stream's models in every worker it uses (or shares those loaded); answers the
	 * warnings about its settings, each once, and the kinds of model this open had to load.
	 */
	async open(
		streamId: string,
		config: StreamConfig,
	): Promise<{ warnings: EngineError[]; loaded: ModelKind[] }> {
		const recognizers = config.models.recognizers ?? 1;
		if (!Number.isInteger(recognizers) || recognizers < 1 || recognizers > MAX_RECOGNIZERS) {
			throw new EngineError(
				'BAD_OPTION',
				`${recognizers} parallel recognitions make no sense.`,
				`Give 1 to ${MAX_RECOGNIZERS}: each holds its own copy of the model, so up to the number of CPU cores.`,
			);
		}
		while (this.recognizers.length < recognizers) {
			const index = this.recognizers.length;
			this.recognizers.push(
				this.channel('recognizer', (stream) => stream.recognizers > index, index),
			);
		}
		const channels = [this.vad, ...this.recognizers.slice(0, recognizers)];
		this.opening.add(streamId);
		const opened = await Promise.allSettled(
			channels.map((channel) => channel.call({ type: 'open', streamId, config })),
		);
		const closedMeanwhile = !this.opening.delete(streamId);
		const failed = opened.find((result) => result.status === 'rejected');
		if (failed) {
			await Promise.all(
				channels.map((channel, i) =>
					opened[i].status === 'fulfilled' ? channel.call({ type: 'close', streamId }) : undefined,
				),
			);
			throw failed.reason;
		}
		// Its close reached the workers after this open: they hold nothing for it any more.
		if (!closedMeanwhile)
			this.openStreams.set(streamId, { config, recognizers, provisional: null });
		const warnings = new Map<string, EngineError>();
		const loaded = new Set<ModelKind>();
		for (const result of opened) {
			if (result.status !== 'fulfilled') continue;
			for (const warning of result.value.warnings)
				warnings.set(warning.message, deserializeError(warning));
			for (const kind of result.value.loaded) loaded.add(kind);
		}
		return { warnings: [...warnings.values()], loaded: [...loaded] };
	}

	/** The samples are transferred: the caller must not use them afterwards. */
	audio(streamId: string, samples: Float32Array): Promise<VadOutput> {
		return this.vad.call({ type: 'audio', streamId, samples });
	}

	flush(streamId: string): Promise<Segment[]> {
		return this.vad.call({ type: 'flush', streamId });
	}

	/**
	 * The text of one segment, before punctuation, from the least busy of its stream's recognizers.
	 * The fbank rows are copied, not transferred, so a retry after a crash still has them. A segment
	 * that was offered as provisional names it: its text may be ready already.
	 */
	recognize(
		streamId: string,
		fbank: Float32Array,
		provisionalId?: number,
	): Promise<RecognizerOutput> {
		const stream = this.stream(streamId);
		const held = stream.provisional;
		stream.provisional = null;
		const channel = held && held.id === provisionalId ? held.channel : this.leastBusy(stream);
		return channel.call({
			type: 'recognize',
			streamId,
			fbank,
			...(provisionalId !== undefined ? { provisionalId } : {}),
		});
	}

	/**
	 * The text punctuated as the stream's punctuation model does it (unchanged without one). It
	 * carries context from one sentence to the next: call it in the order the sentences were spoken.
	 */
	async punctuate(streamId: string, textRaw: string): Promise<string> {
		if (!this.stream(streamId).config.models.puncDir || textRaw.length === 0) return textRaw;
		return this.vad.call({ type: 'punctuate', streamId, textRaw });
	}

	/**
	 * Recognizes a provisional segment on a recognizer of its stream that is idle, and has mostly been
	 * for the last seconds (early runs spend spare time only: one that turns out wasted must not keep
	 * other streams' sentences waiting). Its rows are transferred. Resolves, once the run is over,
	 * whether it ran.
	 */
	async recognizeProvisional(streamId: string, segment: ProvisionalSegment): Promise<boolean> {
		const stream = this.stream(streamId);
		const channel = this.channelsOf(stream).find(
			(candidate) =>
				candidate.callsInFlight === 0 &&
				candidate.recentBusyShare < EARLY_RECOGNITION_MAX_BUSY_SHARE,
		);
		if (!channel) return false;
		stream.provisional = { id: segment.id, channel };
		const ran = await channel.call({ type: 'recognize-provisional', streamId, segment });
		if (!ran && stream.provisional?.id === segment.id) stream.provisional = null;
		return ran;
	}

	async close(streamId: string): Promise<void> {
		const stream = this.openStreams.get(streamId);
		this.openStreams.delete(streamId);
		this.opening.delete(streamId);
		const channels = stream ? [this.vad, ...this.channelsOf(stream)] : this.channels;
		await Promise.all(channels.map((channel) => channel.call({ type: 'close', streamId })));
	}

	/** Each worker's JavaScript heap in use, bytes (the recognizers' together). */
	async workerHeapBytes(): Promise<Record<WorkerRole, number>> {
		const [vad, ...recognizers] = await Promise.all(
			this.channels.map((channel) => channel.heapUsedBytes()),
		);
		return { vad: vad!, recognizer: recognizers.reduce((total, bytes) => total + bytes, 0) };
	}

	/** Whether the worker threads keep the process running (not while they are only kept warm). */
	keepProcessAlive(alive: boolean): void {
		for (const channel of this.channels) channel.keepProcessAlive(alive);
	}

	/** Ends every worker thread; calls in flight are rejected. */
	async terminate(): Promise<void> {
		await Promise.all(this.channels.map((channel) => channel.terminate()));
	}

	private get channels(): WorkerChannel[] {
		return [this.vad, ...this.recognizers];
	}

	private channelsOf(stream: OpenStream): WorkerChannel[] {
		return this.recognizers.slice(0, stream.recognizers);
	}

	private leastBusy(stream: OpenStream): WorkerChannel {
		return this.channelsOf(stream).reduce((best, channel) =>
			channel.callsInFlight < best.callsInFlight ? channel : best,
		);
	}

	private stream(streamId: string): OpenStream {
		const stream = this.openStreams.get(streamId);
		if (!stream)
			throw new EngineError(
				'BAD_OPTION',
				`Stream ${streamId} is not open.`,
				'Open it before recognizing its speech.',
				{ fatal: false },
			);
		return stream;
	}

	/** A worker and, when it is replaced after a crash, the reopening of the streams that use it. */
	private channel(
		role: WorkerRole,
		uses: (stream: OpenStream) => boolean,
		index = 0,
	): WorkerChannel {
		const channel: WorkerChannel = new WorkerChannel(
			role,
			(error) => {
				const streams = [...this.openStreams].filter(([, stream]) => uses(stream));
				const reopened = streams.map(([streamId, { config }]) =>
					channel.call({ type: 'open', streamId, config }).catch(() => undefined),
				);
				for (const listener of this.crashListeners)
					listener({ role, streams: streams.map(([streamId]) => streamId), error });
				return Promise.all(reopened);
			},
			undefined,
			role === 'recognizer' && index > 0 ? `${role} ${index + 1}` : role,
		);
		return channel;
	}
}

interface SharedClient {
	client: InferenceClient;
	users: number;
	/** Set while no pipeline uses the workers and they are kept for one that may come back. */
	endTimer: ReturnType<typeof setTimeout> | null;
}

let shared: SharedClient | null = null;

/**
 * The process-wide workers; call the returned release() exactly once. The last release ends the
 * worker threads at once, or `keepWarmMs` later if no pipeline acquired them meanwhile (with the
 * models its streams kept warm). Kept warm, they keep neither the process nor its event loop alive.
 */
export function acquireInferenceClient(keepWarmMs = 0): {
	client: InferenceClient;
	release: () => Promise<void>;
} {
	if (!shared) shared = { client: new InferenceClient(), users: 0, endTimer: null };
	const current = shared;
	if (current.endTimer) {
		clearTimeout(current.endTimer);
		current.endTimer = null;
		current.client.keepProcessAlive(true);
	}
	current.users++;
	let released = false;
	return {
		client: current.client,
		release: async () => {
			if (released) return;
			released = true;
			current.users--;
			if (current.users > 0 || shared !== current) return;
			if (keepWarmMs > 0) {
				current.client.keepProcessAlive(false);
				current.endTimer = setTimeout(() => void endShared(current), keepWarmMs);
				current.endTimer.unref();
				return;
			}
			await endShared(current);
		},
	};
}

async function endShared(current: SharedClient): Promise<void> {
	if (shared !== current || current.users > 0) return;
	shared = null;
	if (current.endTimer) clearTimeout(current.endTimer);
	current.endTimer = null;
	await current.client.terminate();
}
