import { parentPort } from 'node:worker_threads';
import { serializeError, type SegmentAudio, type WorkerRequest, type WorkerResponse } from './inference-protocol.js';
import { WorkerEngine } from './worker-engine.js';

// The worker thread's entry: ONNX inference runs here, off the event loop of n8n.
const port = parentPort;
if (!port) throw new Error('inference-worker.js must run in a worker thread');
const engine = new WorkerEngine();

port.on('message', (request: WorkerRequest) => {
	engine.handle(request).then(
		(result) => {
			const response: WorkerResponse = { id: request.id, ok: true, result };
			port.postMessage(response, transferablesOf(result));
		},
		(error: unknown) => {
			const response: WorkerResponse = { id: request.id, ok: false, error: serializeError(error) };
			port.postMessage(response);
		},
	);
});

function transferablesOf(result: unknown): ArrayBuffer[] {
	if (!Array.isArray(result)) return [];
	return (result as SegmentAudio[]).map((segment) => segment.samples.buffer as ArrayBuffer);
}
