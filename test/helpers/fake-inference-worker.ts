import { parentPort } from 'node:worker_threads';
import type { WorkerResponse } from '../../engine/runtime/inference-protocol.js';
import type { WorkerRequest } from '../../engine/runtime/worker-requests.js';

// A stand-in inference worker for WorkerChannel's unit tests: answers after a short delay (audio
// with the number of requests its message carried), and dies on a recognition when it was started
// with FAKE_WORKER_CRASH set (process.env is copied at spawn).
const port = parentPort!;
const crashOnRecognize = process.env.FAKE_WORKER_CRASH === '1';
const inFlight = new Set<Promise<void>>();

port.on('message', (requests: WorkerRequest[]) => {
	for (const request of requests) answer(request, requests.length);
});

function answer(request: WorkerRequest, requestsInMessage: number): void {
	if (request.type === 'recognize' && crashOnRecognize) process.exit(1);
	const answered = new Promise<void>((resolve) =>
		setTimeout(() => {
			const result =
				request.type === 'recognize'
					? { textRaw: `rows ${request.fbank.length}`, early: false }
					: request.type === 'audio'
						? { requestsInMessage }
						: null;
			port.postMessage([{ id: request.id, ok: true, result }] satisfies WorkerResponse[]);
			resolve();
		}, 50),
	);
	inFlight.add(answered);
	if (request.type === 'shutdown') void Promise.all(inFlight).then(() => process.exit(0));
}
