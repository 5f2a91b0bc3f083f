import { setTimeout as sleep } from 'node:timers/promises';
import type { RecognizerFamily } from '../../engine/asr/recognizer-family.js';
import { LivePipeline } from '../../engine/pipeline/live-pipeline.js';
import type { SegmentClosedEvent } from '../../engine/pipeline/events.js';
import type { Layout, Precision, SetupMessage } from '../contender-protocol.js';
import { quantile } from '../stats.js';
import type { Contender } from './contender.js';
import { type LiveSample, type LiveTrial } from './live.js';
import { pipelineConfig } from './pipeline.js';
import { RtmpStreams } from './rtmp-streams.js';

/** After the trial, how long segments it closed may take to be recognized before they count as unfinished. */
const TAIL_MS = 5000;
/**
 * CPU is counted from this far into the trial (at most a quarter of it): by then the streams have
 * closed their first segments, so the recognizers work as in the steady state, where the backlog
 * carried into the count equals the one left at its end. Counted from the start, a 20 s trial
 * showed the recognizers ~25 % cheaper per stream-second than the file (docs/measurements.md).
 */
const CPU_WARM_UP_MS = 5000;

/**
 * Live streams as a user runs them: publishers (AAC over RTMP, real-time pace) to a local
 * nginx-rtmp, one LivePipeline per stream (its own ffmpeg reader) sharing the process's inference
 * worker. Latency: the pipeline's 'segment' event (VAD closed a segment) to its 'sentence' event.
 * Each publisher starts at its own place in the corpus so that segments do not all close at once.
 * The publishers send AAC encoded once beforehand by stream copy, all from one process, so that they
 * take almost no CPU from the product; the CPU of the pipeline process, the readers, the publishers
 * and nginx is measured apart (/proc/<pid>/stat).
 */
export async function rtmpLiveContender(
	setup: SetupMessage,
	precision: Precision,
	layout: Layout,
	streams: number,
	seconds: number,
	earlyRecognition: boolean,
	family?: RecognizerFamily,
): Promise<Contender> {
	const rtmp = await RtmpStreams.prepare(setup, streams);
	return {
		async pass() {
			const closed: (SegmentClosedEvent & { stream: number })[] = [];
			const samples: (LiveSample & { closeDelayMs: number })[] = [];
			const pipelines = rtmp.urls.map((url, i) => {
				const pipeline = new LivePipeline({
					url,
					...pipelineConfig(setup.asrDir, precision, layout, family),
					earlyRecognition,
				});
				const mine: SegmentClosedEvent[] = [];
				pipeline.on('segment', (segment) => {
					mine.push(segment);
					closed.push({ ...segment, stream: i });
				});
				pipeline.on('sentence', (sentence) => {
					const now = performance.now();
					const index = mine.findIndex(
						(segment) =>
							segment.sessionId === sentence.sessionId &&
							segment.startMs <= sentence.startMs + 1 &&
							sentence.endMs <= segment.endMs + 1,
					);
					if (index < 0) return;
					const [segment] = mine.splice(index, 1);
					const latencyMs = now - segment!.closedAt;
					// sentence.latencyMs runs from the segment's end in stream time: minus the recognition, what
					// is left is the VAD's trailing silence plus how late the audio reached it (ffmpeg, queues).
					samples.push({
						seconds: (segment!.endMs - segment!.startMs) / 1000,
						latencyMs,
						closeDelayMs: sentence.latencyMs - latencyMs,
					});
				});
				pipeline.on('warning', () => undefined);
				pipeline.on('error', () => undefined);
				return { pipeline, mine };
			});
			await Promise.all(pipelines.map(({ pipeline }) => pipeline.start()));
			// The readers wait for their streams, which then start together: each session's start (the
			// base of sentence.latencyMs, so of the audio lag) is estimated alike.
			const publishers = await rtmp.publish();
			const started = performance.now();
			const warmUpMs = Math.min(CPU_WARM_UP_MS, (seconds * 1000) / 4);
			await sleep(warmUpMs);
			const window = rtmp.measure(publishers);
			await sleep(seconds * 1000 - warmUpMs);
			const stoppedAt = performance.now();
			const { machine, cpu, threads } = window.finish();
			await sleep(TAIL_MS);
			const unfinished = pipelines.reduce(
				(count, { mine }) =>
					count +
					mine.filter((segment) => segment.closedAt >= started && segment.closedAt <= stoppedAt)
						.length,
				0,
			);
			await Promise.all(pipelines.map(({ pipeline }) => pipeline.close()));
			await publishers.stop();
			const trial: LiveTrial = {
				streams,
				seconds,
				samples: samples.map(({ seconds: length, latencyMs }) => ({ seconds: length, latencyMs })),
				unfinished,
				audioLagMs: lagBeyondFastest(samples.map((sample) => sample.closeDelayMs)),
				busyCores: { machine, process: cpu.pipeline },
				cpu,
				...(threads ? { pipelineThreads: threads } : {}),
				cpuFromMs: warmUpMs,
				path: 'rtmp',
				earlyRecognition,
				early: {
					started: pipelines.reduce(
						(total, { pipeline }) => total + pipeline.earlyRecognitions.started,
						0,
					),
					used: pipelines.reduce(
						(total, { pipeline }) => total + pipeline.earlyRecognitions.used,
						0,
					),
				},
			};
			return { data: trial };
		},
		async close() {
			await rtmp.close();
		},
	};
}

/** The trailing silence and ffmpeg's own delay are the same for every segment: beyond the fastest close is lag. */
function lagBeyondFastest(closeDelays: number[]): LiveTrial['audioLagMs'] {
	if (closeDelays.length === 0) return { p95: 0, max: 0 };
	const fastest = Math.min(...closeDelays);
	return { p95: quantile(closeDelays, 0.95) - fastest, max: Math.max(...closeDelays) - fastest };
}
