import { parentPort, workerData } from 'node:worker_threads';
import { serializeError, type WorkerResponse, type WorkerRole } from './inference-protocol.js';
import { MessageBatch } from './message-batch.js';
import { WorkerEngine } from './worker-engine.js';
import { handleRequest, requestHandler, type WorkerRequest } from './worker-requests.js';

// An inference worker thread's entry: ONNX inference runs here, off the event loop of n8n.
const port = parentPort;
if (!port) throw new Error('inference-worker.js must run in a worker thread');
const engine = new WorkerEngine((workerData as { role: WorkerRole }).role);

const inFlight = new Set<Promise<void>>();
const outbox = new MessageBatch<WorkerResponse>((responses, transfer) => {
	try {
		port.postMessage(responses, transfer);
	} catch {
		// An answer that cannot be sent fails its call; the others in the batch still go.
		for (const response of responses) postAlone(response);
	}
});

port.on('message', (requests: WorkerRequest[]) => {
	for (const request of requests) {
		if (request.type === 'shutdown') {
			void Promise.all(inFlight)
				.then(() => answer(request))
				.then(() => {
					outbox.flush();
					process.exit(0);
				});
			return;
		}
		answer(request);
	}
});

function answer(request: WorkerRequest): Promise<void> {
	const answered = handleRequest(engine, request).then(
		(result) =>
			outbox.add(
				{ id: request.id, ok: true, result },
				requestHandler(engine.role, request.type)?.transferResult?.(result),
			),
		(error: unknown) => outbox.add({ id: request.id, ok: false, error: serializeError(error) }),
	);
	inFlight.add(answered);
	void answered.finally(() => inFlight.delete(answered));
	return answered;
}

function postAlone(response: WorkerResponse): void {
	try {
		port!.postMessage([response]);
	} catch (error) {
		port!.postMessage([{ id: response.id, ok: false, error: serializeError(error) }]);
	}
}
