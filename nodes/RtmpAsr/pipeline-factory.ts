import type { EventEmitter } from 'node:events';
import {
	LivePipeline,
	type LivePipelineEvents,
	type LivePipelineOptions,
	type ModelKind,
	ServerPipeline,
	type ServerPipelineOptions,
} from '../../engine/index.js';

/** What the trigger needs of a live pipeline (engine/pipeline/live-pipeline.ts, server-pipeline.ts). */
export interface TriggerPipeline extends EventEmitter<LivePipelineEvents> {
	start(): Promise<void>;
	close(): Promise<void>;
	/** Local recognition: the kinds of model start() had to load (the others were loaded already). */
	readonly modelsLoaded?: readonly ModelKind[];
}

/** Local recognition (models), or FunASR servers (`server`). */
export type TriggerPipelineOptions = LivePipelineOptions | ServerPipelineOptions;

/**
 * Creates pipelines; tests replace `create`. onnxruntime loads only in the inference workers a
 * pipeline starts, never in n8n's main thread (engine/index.ts keeps it out).
 */
export const pipelineFactory = {
	async create(options: TriggerPipelineOptions): Promise<TriggerPipeline> {
		return 'server' in options ? new ServerPipeline(options) : new LivePipeline(options);
	},
};
