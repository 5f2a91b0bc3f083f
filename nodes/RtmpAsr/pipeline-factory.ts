import type { EventEmitter } from 'node:events';
import {
	LivePipeline,
	type LivePipelineEvents,
	type LivePipelineOptions,
	type ModelKind,
} from '../../engine/index.js';

/** What the trigger needs of a live pipeline (engine/pipeline/live-pipeline.ts). */
export interface TriggerPipeline extends EventEmitter<LivePipelineEvents> {
	start(): Promise<void>;
	close(): Promise<void>;
	/** The kinds of model start() had to load (the others were loaded already). */
	readonly modelsLoaded: readonly ModelKind[];
}

/**
 * Creates pipelines; tests replace `create`. onnxruntime loads only in the inference workers a
 * pipeline starts, never in n8n's main thread (engine/index.ts keeps it out).
 */
export const pipelineFactory = {
	async create(options: LivePipelineOptions): Promise<TriggerPipeline> {
		return new LivePipeline(options);
	},
};
