import { EventEmitter } from 'node:events';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INode,
	INodeExecutionData,
	INodeType,
	IRun,
	ITriggerFunctions,
	ITriggerResponse,
} from 'n8n-workflow';
import type { LivePipelineOptions } from '../../engine/config.js';
import type { LivePipelineEvents, Sentence } from '../../engine/pipeline/events.js';
import type { ModelKind } from '../../engine/runtime/inference-protocol.js';
import type { DonePromise } from '../../nodes/RtmpAsr/execution-queue.js';
import { pipelineFactory, type TriggerPipeline } from '../../nodes/RtmpAsr/pipeline-factory.js';

/**
 * A trigger node run against a mocked ITriggerFunctions, in the style of n8n's own
 * `testTriggerNode` (packages/nodes-base/test/nodes/TriggerHelpers.ts): parameters, credentials
 * and mode in; emitted executions, emitted errors and log lines out.
 */
export interface TriggerHarnessOptions {
	mode?: 'trigger' | 'manual';
	parameters?: IDataObject;
	credentials?: Record<string, ICredentialDataDecryptedObject>;
}

export interface Emission {
	data: INodeExecutionData[][];
	/** Present in ordered mode: resolve it to finish the execution. */
	done: DonePromise | undefined;
}

export interface LogLine {
	level: 'debug' | 'info' | 'warn' | 'error';
	message: string;
}

export interface TriggerHarness {
	response: ITriggerResponse;
	emissions: Emission[];
	errors: Error[];
	logs: LogLine[];
	close(): Promise<void>;
}

export const TEST_NODE: INode = {
	id: 'test-node',
	name: 'RTMP Speech Recognition Trigger',
	type: 'n8n-nodes-rtmp-asr.rtmpAsrTrigger',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

export async function testTriggerNode(
	nodeType: INodeType,
	options: TriggerHarnessOptions = {},
): Promise<TriggerHarness> {
	const emissions: Emission[] = [];
	const errors: Error[] = [];
	const logs: LogLine[] = [];
	const parameters = options.parameters ?? {};
	const log = (level: LogLine['level']) => (message: string) => logs.push({ level, message });
	const context = {
		getNode: () => ({ ...TEST_NODE, parameters }),
		getMode: () => options.mode ?? 'trigger',
		getActivationMode: () => (options.mode === 'manual' ? 'manual' : 'activate'),
		getNodeParameter: (name: string, fallback?: unknown) => lookup(parameters, name) ?? fallback,
		getCredentials: async (type: string) => {
			const credential = options.credentials?.[type];
			if (!credential) throw new Error(`Node does not have any credentials set for "${type}"`);
			return credential;
		},
		emit: (data: INodeExecutionData[][], _response?: unknown, done?: DonePromise) =>
			emissions.push({ data, done }),
		emitError: (error: Error) => errors.push(error),
		saveFailedExecution: (error: Error) => errors.push(error),
		logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
		helpers: {
			returnJsonArray: (json: IDataObject | IDataObject[]): INodeExecutionData[] =>
				(Array.isArray(json) ? json : [json]).map((item) => ({ json: item })),
			createDeferredPromise: () => createDeferred<IRun>(),
		},
	} as unknown as ITriggerFunctions;
	const trigger = nodeType.trigger;
	if (!trigger) throw new Error(`${nodeType.description.name} has no trigger().`);
	const response = (await trigger.call(context)) ?? {};
	return { response, emissions, errors, logs, close: async () => await response.closeFunction?.() };
}

function lookup(parameters: IDataObject, path: string): unknown {
	let value: unknown = parameters;
	for (const key of path.split('.')) {
		if (value === null || typeof value !== 'object') return undefined;
		value = (value as IDataObject)[key];
	}
	return value;
}

export function createDeferred<T>(): DonePromise & { settled: boolean } {
	let resolve!: (value: T) => void;
	let reject!: (error: Error) => void;
	const promise = new Promise<T>((ok, fail) => {
		resolve = ok;
		reject = fail;
	});
	const deferred = {
		promise,
		settled: false,
		resolve: (value: T) => {
			deferred.settled = true;
			resolve(value);
		},
		reject: (error: Error) => {
			deferred.settled = true;
			reject(error);
		},
	};
	return deferred as unknown as DonePromise & { settled: boolean };
}

/** A pipeline the test drives by hand: it records its options, start and close. */
export class FakePipeline extends EventEmitter<LivePipelineEvents> implements TriggerPipeline {
	readonly options: LivePipelineOptions;
	started = false;
	closed = false;
	readonly modelsLoaded: readonly ModelKind[] = [];
	/** Makes start() reject, like a missing model. */
	startError: Error | undefined;

	constructor(options: LivePipelineOptions) {
		super();
		this.options = options;
	}

	async start(): Promise<void> {
		if (this.startError) throw this.startError;
		this.started = true;
	}

	async close(): Promise<void> {
		this.closed = true;
	}

	say(text: string, index: number, textRaw = text): void {
		this.emit('sentence', fakeSentence(text, index, textRaw));
	}
}

export function fakeSentence(text: string, index: number, textRaw = text): Sentence {
	const startMs = index * 2000;
	return {
		text,
		textRaw,
		index,
		sessionId: 'session-1',
		startMs,
		endMs: startMs + 1500,
		startedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, 0, startMs)).toISOString(),
		endedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, 0, startMs + 1500)).toISOString(),
		durationMs: 1500,
		latencyMs: 120,
	};
}

/**
 * Replaces the node's pipeline factory with FakePipelines for the duration of `body`; `prepare`
 * may configure each pipeline before the node uses it.
 */
export async function withFakePipelines<T>(
	body: (pipelines: FakePipeline[]) => Promise<T>,
	prepare?: (pipeline: FakePipeline) => void,
): Promise<T> {
	const original = pipelineFactory.create;
	const pipelines: FakePipeline[] = [];
	pipelineFactory.create = async (options) => {
		// Server options have no models; the tests that use them read `server` from the same object.
		const pipeline = new FakePipeline(options as LivePipelineOptions);
		prepare?.(pipeline);
		pipelines.push(pipeline);
		return pipeline;
	};
	try {
		return await body(pipelines);
	} finally {
		pipelineFactory.create = original;
	}
}
