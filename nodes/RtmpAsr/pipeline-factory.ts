import type { EventEmitter } from 'node:events';
import type { LivePipelineOptions } from '../../engine/config.js';
import type { LivePipelineEvents } from '../../engine/pipeline/events.js';

/** What the trigger needs of a live pipeline (engine/pipeline/live-pipeline.ts). */
export interface TriggerPipeline extends EventEmitter<LivePipelineEvents> {
	start(): Promise<void>;
	close(): Promise<void>;
}

/**
 * Creates pipelines; tests replace `create`. The engine is imported on first use: n8n loads every
 * node when it starts, and onnxruntime should load only for a workflow that listens.
 */
export const pipelineFactory = {
	async create(options: LivePipelineOptions): Promise<TriggerPipeline> {
		const { LivePipeline } = await import('../../engine/pipeline/live-pipeline.js');
		return new LivePipeline(options);
	},
};
