import { setTimeout as sleep } from 'node:timers/promises';
import { LivePipeline } from '../../engine/pipeline/live-pipeline.js';
import { ServerPipeline } from '../../engine/pipeline/server-pipeline.js';
import type { Layout, Precision, SetupMessage } from '../contender-protocol.js';
import { startServerProcess } from '../funasr-server-process.js';
import { ProcessGroupCpu } from '../machine.js';
import { quantile } from '../stats.js';
import type { Contender } from './contender.js';
import { pipelineConfig } from './pipeline.js';
import { RtmpStreams, type StreamsCpu } from './rtmp-streams.js';

/** Before measuring: readers connected, models loaded, the first second of audio through. */
const SETTLE_MS = 5000;

export type Recognition = 'remote' | 'local';

/** One trial of the n8n main's CPU per live stream, recognition remote or local. */
export interface MainTrial {
	recognition: Recognition;
	streams: number;
	seconds: number;
	/** Sentences emitted during the trial, and their latency from the end of speech (stream time), ms. */
	sentences: number;
	latencyMs: { p50: number; p95: number };
	/** Cores the whole machine kept busy. */
	machine: number;
	/** Cores busy by process; `server`: the FunASR server process (0 with local recognition). */
	cpu: StreamsCpu & { server: number };
}

/**
 * What the n8n main spends per live stream when recognition runs on a FunASR server, against
 * recognizing on the main itself: the live trials' stream-copy publishers and nginx-rtmp, one
 * pipeline per stream in this process (its own ffmpeg reader): ServerPipeline forwarding PCM to
 * the protocol-faithful 2pass test server in a process of its own (FSMN-VAD, toy Paraformer; its
 * CPU is counted apart), or LivePipeline recognizing here.
 */
export async function mainCpuContender(
	setup: SetupMessage,
	recognition: Recognition,
	precision: Precision,
	layout: Layout,
	streams: number,
	seconds: number,
): Promise<Contender> {
	const rtmp = await RtmpStreams.prepare(setup, streams);
	const server = recognition === 'remote' ? await startServerProcess() : null;
	const models = pipelineConfig(setup.asrDir, precision, layout).models;
	return {
		async pass() {
			const latencies: number[] = [];
			let measuring = false;
			const pipelines = rtmp.urls.map((url) => {
				const pipeline = server
					? new ServerPipeline({ url, server: { urls: [server.url] } })
					: new LivePipeline({ url, models });
				pipeline.on('sentence', (sentence) => {
					if (measuring) latencies.push(sentence.latencyMs);
				});
				pipeline.on('warning', () => undefined);
				pipeline.on('error', () => undefined);
				return pipeline;
			});
			await Promise.all(pipelines.map((pipeline) => pipeline.start()));
			// Started after the readers, as in the live trials (rtmp-live.ts).
			const publishers = await rtmp.publish();
			await sleep(SETTLE_MS);
			measuring = true;
			const window = rtmp.measure(publishers);
			const serverCpu = new ProcessGroupCpu();
			const serverPids = server ? [server.pid] : [];
			serverCpu.update(serverPids);
			await sleep(seconds * 1000);
			const measured = window.finish();
			const serverCores = serverCpu.update(serverPids) / measured.seconds;
			measuring = false;
			await Promise.all(pipelines.map((pipeline) => pipeline.close()));
			await publishers.stop();
			const trial: MainTrial = {
				recognition,
				streams,
				seconds: measured.seconds,
				sentences: latencies.length,
				latencyMs: { p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95) },
				machine: measured.machine,
				cpu: { ...measured.cpu, server: serverCores },
			};
			return { data: trial };
		},
		async close() {
			await server?.stop();
			await rtmp.close();
		},
	};
}
