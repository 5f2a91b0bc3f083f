import { parentPort, workerData } from 'node:worker_threads';
import { serializeError, type WorkerResponse, type WorkerRole } from './inference-protocol.js';
import { WorkerEngine } from './worker-engine.js';
import { handleRequest, requestHandler, type WorkerRequest } from './worker-requests.js';

// An inference worker thread's entry: ONNX inference runs here, off the event loop of n8n.
const port = parentPort;
if (!port) throw new Error('inference-worker.js must run in a worker thread');
const engine = new WorkerEngine((workerData as { role: WorkerRole }).role);

const inFlight = new Set<Promise<void>>();

port.on('message', (request: WorkerRequest) => {
	if (request.type === 'shutdown') {
		void Promise.all(inFlight)
			.then(() => answer(request))
			.then(() => process.exit(0));
		return;
	}
	answer(request);
});

function answer(request: WorkerRequest): Promise<void> {
	const answered = handleRequest(engine, request).then(
		(result) => {
			const response: WorkerResponse = { id: request.id, ok: true, result };
			port!.postMessage(
				response,
				requestHandler(engine.role, request.type)?.transferResult?.(result) ?? [],
			);
		},
		(error: unknown) => {
			const response: WorkerResponse = { id: request.id, ok: false, error: serializeError(error) };
			port!.postMessage(response);
		},
	);
	inFlight.add(answered);
	void answered.finally(() => inFlight.delete(answered));
	return answered;
}
