import { parentPort, workerData } from 'node:worker_threads';

/** The expressions, compiled once when the worker starts. */
export interface KeywordWorkerData {
	sources: string[];
	flags: string;
}

/** Test expression `index` on the texts; the answer is whether any of them matches. */
export interface KeywordRequest {
	index: number;
	texts: string[];
}

const { sources, flags } = workerData as KeywordWorkerData;
const patterns = sources.map((source) => new RegExp(source, flags));
const port = parentPort!;
port.on('message', ({ index, texts }: KeywordRequest) =>
	port.postMessage(texts.some((text) => patterns[index].test(text))),
);
port.postMessage('ready');
