import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { RecognizerFamily } from '../engine/asr/recognizer-family.js';
import { RTMP_MODULE } from '../test/helpers/rtmp-server.js';
import { runOnce, type Context } from './contender-process.js';
import type { Layout, Precision } from './contender-protocol.js';
import { PAUSE_SECONDS, type LiveTrial } from './contenders/live.js';
import { judgeLive, nextStreamCount } from './live-search.js';
import type { BenchOptions } from './options.js';
import { describeLayout, type LiveSeries } from './results.js';

/** Streams a pipeline of this wall-clock real-time factor should keep up with: where the search starts. */
export function estimateStreams(pipelineWallRtf: number): number {
	return Math.max(2, Math.floor(0.9 / pipelineWallRtf));
}

/**
 * The most live streams one process keeps up with: one stream through the whole corpus, then the
 * estimate, then up or down (live-search.ts); then one stream with early recognition off.
 */
export async function measureLive(
	precision: Precision,
	layout: Layout,
	estimatedStreams: number,
	context: Context,
	options: BenchOptions,
	log: (line: string) => void,
	family?: RecognizerFamily,
): Promise<LiveSeries> {
	const trials: LiveTrial[] = [];
	const rtmp = rtmpAvailable();
	if (!rtmp)
		log(
			'nginx with the RTMP module is not installed: live streams go to the inference worker directly',
		);
	const name = `live ${family ?? 'paraformer'} ${precision} ${describeLayout(layout)}`;
	// One stream goes through the whole corpus once: the most sentences for the latency target.
	const wholeCorpus = Math.ceil(
		context.corpus.reduce((total, file) => total + file.seconds + PAUSE_SECONDS, 0),
	);
	let streams: number | null = 1;
	while (streams !== null) {
		const seconds = streams === 1 && !options.quick ? wholeCorpus : options.liveSeconds;
		log(`${name}: ${streams} stream(s) at real-time pace for ${seconds} s`);
		const trial = (
			await runOnce(
				{
					kind: rtmp ? 'rtmp-live' : 'live',
					precision,
					...layout,
					...(family ? { family } : {}),
					streams,
					seconds,
					earlyRecognition: true,
				},
				context,
			)
		).data as LiveTrial;
		trials.push(trial);
		const verdict = judgeLive(trial);
		log(`  ${verdict.sustained ? 'kept up' : 'fell behind'}: ${verdict.summary}`);
		streams = nextStreamCount(trials, estimatedStreams, options.liveSteps);
	}
	// What early recognition saves: the same single stream, each sentence recognized only once the VAD closed it.
	let late: LiveTrial | null = null;
	if (rtmp && layout.recognizers === 1) {
		log(`${name}: 1 stream, early recognition off`);
		late = (
			await runOnce(
				{
					kind: 'rtmp-live',
					precision,
					...layout,
					...(family ? { family } : {}),
					streams: 1,
					seconds: trials[0].seconds,
					earlyRecognition: false,
				},
				context,
			)
		).data as LiveTrial;
		log(`  ${judgeLive(late).summary}`);
	}
	return { precision, ...layout, estimatedStreams, trials, late };
}

/** The RTMP test server needs nginx with its RTMP module (scripts/bootstrap.sh installs both). */
function rtmpAvailable(): boolean {
	if (!existsSync(RTMP_MODULE)) return false;
	try {
		execFileSync('nginx', ['-v'], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
}
