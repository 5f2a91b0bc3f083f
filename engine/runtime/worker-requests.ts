import { EngineError } from '../errors.js';
import type {
	ProvisionalSegment,
	RecognizerOutput,
	VadOutput,
	Segment,
	StreamConfig,
	WorkerRole,
} from './inference-protocol.js';
import type { Recognition, RecognizerStream, VadStream, WorkerEngine } from './worker-engine.js';

/**
 * One request a worker role answers: what the worker does, and what the main thread needs to know
 * about it. The request table below is the only place a request is declared: the messages, the
 * worker's dispatch, the channel's retry after a crash and both directions' transfers come from it.
 */
export interface RequestHandler<Body extends object, Result> {
	/** Runs in the worker thread. */
	handle(engine: WorkerEngine, body: Body): Promise<Result>;
	/** Sent again, once, to the replacement of a worker that crashed with it in flight (its streams reopened first); any other request in flight fails. */
	retriedAfterCrash?: true;
	/** Buffers of the request moved to the worker instead of copied: the caller must not use them afterwards, and a retry would not have them. */
	transfer?(body: Body): ArrayBuffer[];
	/** Buffers of the answer moved back to the main thread. */
	transferResult?(result: Result): ArrayBuffer[];
}

function request<Body extends object, Result>(
	handler: RequestHandler<Body, Result>,
): RequestHandler<Body, Result> {
	return handler;
}

interface OfStream {
	streamId: string;
}

const streamLifetime = {
	/** Loads what the stream needs in this worker; a model already loaded for another stream is shared. */
	open: request({
		handle: (engine, { streamId, config }: OfStream & { config: StreamConfig }) =>
			engine.open(streamId, config),
	}),
	close: request({ handle: (engine, { streamId }: OfStream) => engine.close(streamId) }),
	/** Finish what is in flight, release every model, end the thread: never terminated mid-run (see WorkerChannel.terminate). */
	shutdown: request({ handle: (engine) => engine.closeAll() }),
};

/** The VAD worker keeps each stream's state: its VAD, recent fbank rows, punctuation context. */
const vadRequests = {
	...streamLifetime,
	/** Samples in; the segments they close, and the open one offered early, out with their fbank rows. */
	audio: request({
		handle: (engine, { streamId, samples }: OfStream & { samples: Float32Array }) =>
			inOrder(engine, streamId, async (stream): Promise<VadOutput> => ({
				closed: await stream.segmenter.accept(samples),
				provisional: stream.segmenter.takeProvisional(),
			})),
		transfer: ({ samples }) => [samples.buffer as ArrayBuffer],
		transferResult: ({ closed, provisional }) =>
			rowsOf(provisional ? [...closed, provisional] : closed),
	}),
	/** End of the stream's session: the segment in progress, closed. */
	flush: request({
		handle: (engine, { streamId }: OfStream) =>
			inOrder(engine, streamId, (stream) => stream.segmenter.finish()),
		transferResult: rowsOf,
	}),
	/** The stream's texts are punctuated in the order they are sent (realtime punctuation carries context from one to the next). */
	punctuate: request({
		handle: (engine, { streamId, textRaw }: OfStream & { textRaw: string }) =>
			inOrder(engine, streamId, (stream) => punctuate(stream, textRaw)),
		retriedAfterCrash: true,
	}),
};

/** Recognizer workers run Paraformer for any stream and keep no stream state but a provisional run. */
const recognizerRequests = {
	...streamLifetime,
	/** The text of one segment, before punctuation. The rows are copied, not transferred, so that a retry still has them. */
	recognize: request({
		handle: (
			engine,
			{
				streamId,
				fbank,
				provisionalId,
			}: OfStream & { fbank: Float32Array; provisionalId?: number },
		) => recognize(engine.recognizerStream(streamId), fbank, provisionalId),
		retriedAfterCrash: true,
	}),
	/** Recognizes a provisional segment if the recognizer is idle; a later `recognize` of the same segment takes its result. Answers, once the run is over, whether it ran. */
	'recognize-provisional': request({
		handle: (engine, { streamId, segment }: OfStream & { segment: ProvisionalSegment }) =>
			recognizeProvisional(engine.recognizerStream(streamId), segment),
		transfer: ({ segment }) => [segment.fbank.buffer as ArrayBuffer],
	}),
};

export const workerRequests = { vad: vadRequests, recognizer: recognizerRequests } satisfies Record<
	WorkerRole,
	Record<string, RequestHandler<never, unknown>>
>;

type Requests = typeof workerRequests;
type BodyOf<H> = H extends RequestHandler<infer Body, unknown> ? Body : never;
type ResultOf<H> = H extends RequestHandler<never, infer Result> ? Result : never;

/** The name of a request some worker answers. */
export type RequestType = { [R in WorkerRole]: keyof Requests[R] & string }[WorkerRole];

/** A request as the main thread sends it to a worker, without its id. */
export type RequestBody = {
	[R in WorkerRole]: {
		[K in keyof Requests[R] & string]: { type: K } & BodyOf<Requests[R][K]>;
	}[keyof Requests[R] & string];
}[WorkerRole];

/** What a worker answers to the request named `K`. */
export type RequestResult<K extends RequestType> = {
	[R in WorkerRole]: K extends keyof Requests[R] ? ResultOf<Requests[R][K]> : never;
}[WorkerRole];

export type WorkerRequest = RequestBody & { id: number };

/** Runs one request on a worker's engine, after the stream's open if one is under way. */
export async function handleRequest<K extends RequestType>(
	engine: WorkerEngine,
	request: Extract<WorkerRequest, { type: K }>,
): Promise<RequestResult<K>>;
export async function handleRequest(
	engine: WorkerEngine,
	request: WorkerRequest,
): Promise<unknown> {
	const handler = requestHandler(engine.role, request.type);
	if (!handler) throw wrongWorker(request.type, engine.role);
	if ('streamId' in request && request.type !== 'open') await engine.opened(request.streamId);
	return handler.handle(engine, request);
}

function wrongWorker(request: string, role: WorkerRole): EngineError {
	return new EngineError(
		'WORKER_FAILED',
		`A "${request}" request reached the ${role} worker.`,
		'This is a bug; please report it with the log.',
		{ fatal: false },
	);
}

/** The handler of a request in a worker of the role; undefined for a request the role does not answer. */
export function requestHandler(
	role: WorkerRole,
	type: string,
): RequestHandler<object, unknown> | undefined {
	const requests: Record<string, RequestHandler<never, unknown>> = workerRequests[role];
	return Object.hasOwn(requests, type)
		? (requests[type] as RequestHandler<object, unknown>)
		: undefined;
}

/** Audio, flushes and punctuation of one stream run strictly in the order they arrive. */
function inOrder<T>(
	engine: WorkerEngine,
	streamId: string,
	work: (stream: VadStream) => Promise<T>,
): Promise<T> {
	const stream = engine.vadStream(streamId);
	return stream.queue.run(() => work(stream));
}

function rowsOf(segments: Segment[]): ArrayBuffer[] {
	return segments.map((segment) => segment.fbank.buffer as ArrayBuffer);
}

async function punctuate(stream: VadStream, textRaw: string): Promise<string> {
	if (!stream.punctuator || textRaw.length === 0) return textRaw;
	return (await stream.punctuator.punctuate(textRaw, stream.punctuationCache)).text;
}

async function recognize(
	stream: RecognizerStream,
	fbank: Float32Array,
	provisionalId: number | undefined,
): Promise<RecognizerOutput> {
	const provisional = stream.provisional;
	stream.provisional = null;
	if (provisional !== null && provisional.id === provisionalId) {
		const recognition = await provisional.text.catch(() => null);
		if (recognition !== null) return segmentOf(stream, recognition, true);
	}
	return segmentOf(stream, await run(stream, fbank), false);
}

/**
 * Recognition of a segment the VAD has not closed yet, in the silence before it does, so its text
 * is ready when it closes. Only on an idle recognizer: it must never delay a closed segment. The
 * answer comes when the run is over, so that the caller sees this worker busy meanwhile.
 */
async function recognizeProvisional(
	stream: RecognizerStream,
	segment: ProvisionalSegment,
): Promise<boolean> {
	if (!stream.recognizer.batcher.idle) return false;
	const text = run(stream, segment.fbank);
	stream.provisional = { id: segment.id, text };
	// A provisional segment that never closes as it is (the speaker went on) is forgotten.
	await text.catch(() => undefined);
	return true;
}

function segmentOf(
	stream: RecognizerStream,
	{ text, timedTokens, language, emotion, events }: Recognition,
	early: boolean,
): RecognizerOutput {
	return {
		textRaw: text,
		early,
		...(stream.selfPunctuating ? { punctuated: true } : {}),
		...(timedTokens ? { timedTokens } : {}),
		...(language !== undefined ? { language } : {}),
		...(emotion !== undefined ? { emotion } : {}),
		...(events ? { events } : {}),
	};
}

function run(stream: RecognizerStream, fbank: Float32Array): Promise<Recognition> {
	const dim = stream.recognizer.model.frontend.numMelBins;
	return stream.recognizer.batcher.run({
		fbank: { data: fbank, rows: fbank.length / dim, dim },
		hotwords: stream.hotwords,
		request: stream.request,
	});
}
