import { dirname, relative } from 'node:path';
import { hasSignedInt8Flags } from '../engine/onnx/signed-int8-weights.js';
import { CHART_FILES } from './chart.js';
import {
	fiveSecondLatencies,
	groupFigures,
	percent,
	SENTENCE_SECONDS,
	singleStreamLatency,
	soakTarget,
	targets,
	throughputBound,
	type Target,
} from './findings.js';
import {
	AUDIO_LAG_LIMIT_MS,
	CONFIRMATIONS,
	judgeLive,
	LATENCY_LIMIT_MS,
	sustainedStreams,
	UNFINISHED_LIMIT,
} from './live-search.js';
import { renderMainCapacity } from './main-capacity-report.js';
import type { BenchOptions } from './options.js';
import type { Records } from './records.js';
import type { LiveTrial } from './contenders/live.js';
import { renderSenseVoice } from './sensevoice-report.js';
import { describeLayout, sameLayout, type BenchResults, type Peak, type Rtf } from './results.js';
import { AWAY_MS, summaryLines, type SoakRecord } from './soak-verdict.js';
import { median, quantile } from './stats.js';
import type { ThreadRole } from './thread-cpu.js';

const fixed = (value: number, digits = 4) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

export function renderMarkdown(
	results: BenchResults,
	options: BenchOptions,
	records: Records,
): string {
	const figures = results.groups.map(groupFigures);
	const speechShare = results.corpus.speechSeconds / results.corpus.seconds;
	const chartDir = relative(dirname(options.markdownPath), options.outDir) || '.';
	const lines: string[] = [];
	const add = (...more: string[]) => lines.push(...more);
	const { machine } = results;

	add('# Benchmarks', '');
	add(
		`Written by \`npm run bench${results.quick ? ' -- --quick' : ''}\` (bench/run.ts) on ${machine.date.slice(0, 10)} at commit ${machine.gitCommit}: ${results.rounds} timed round(s) per contender after an untimed warm-up, contenders interleaved in alternating order, **medians** reported. The whole run took ${(results.durationSeconds / 60).toFixed(1)} min.${results.quick ? ' This is a quick run: one round, short live trials; numbers are indicative only.' : ''}`,
		'',
	);
	add('## Machine', '');
	add('| | |', '| --- | --- |');
	add(`| CPU | ${machine.cpuModel}, ${machine.cores} cores (${machine.simd.join(', ')}) |`);
	add(`| memory | ${machine.memoryGiB} GiB |`);
	add(`| Node | ${machine.node} |`);
	add(`| onnxruntime-node | ${machine.onnxruntimeNode} |`);
	add(
		`| sherpa-onnx-node | ${machine.sherpaOnnxNode} (bundles onnxruntime ${machine.sherpaOnnxruntime}) |`,
	);
	add(
		`| other processes during the timed part | ${results.othersLoad.toFixed(2)} cores busy on average (a shared machine: the two-thread figures suffer most) |`,
		'',
	);

	add('## Models and audio', '');
	add(
		`- **Paraformer**: a random-weight stand-in with Paraformer-large's architecture and FunASR's ONNX interface (tools/stand-ins/generate.py --large; real weights cannot be downloaded here): model.onnx ${results.standIn.modelMegabytes.toFixed(0)} MB${results.standIn.quantizedMegabytes !== null ? `, model_quant.onnx ${results.standIn.quantizedMegabytes.toFixed(0)} MB (dynamic int8 MatMuls, FunASR's quantisation)` : ', no model_quant.onnx: int8 not measured'}. ${results.standIn.generatedSeconds === null ? 'Generated earlier (cached); generation time unknown.' : `Generated ${results.standIn.generatedNow ? 'by this run' : 'once by an earlier run (cached since)'} in ${results.standIn.generatedSeconds.toFixed(0)} s (not part of the run time below).`} The text it outputs is noise; its cost is the real model's (same shapes; the decoder's share depends on how many tokens CIF fires).`,
	);
	add('- **VAD**: the real FSMN-VAD (shared/models/fsmn-vad).');
	add(
		'- **Punctuation**: only the tiny random-weight CT-Transformer fixture (test/fixtures/models/tiny-punc-realtime) exists here; the real one (~290 MB, vocabulary 272 727) costs more per token but runs on text, a few tokens per second of speech. Its row is a lower bound.',
	);
	add(
		`- **Audio**: the real speech in shared/audio (${results.corpus.files.map((file) => `${file.name} ${file.seconds.toFixed(1)} s`).join(', ')}; files at 44.1 kHz resampled once by ffmpeg): ${results.corpus.seconds.toFixed(1)} s, cut by the VAD into ${results.corpus.segments} segments, ${results.corpus.speechSeconds.toFixed(1)} s of speech (${(speechShare * 100).toFixed(0)} %); segment lengths p50 ${quantile(results.corpus.segmentSeconds, 0.5).toFixed(1)} s, max ${Math.max(...results.corpus.segmentSeconds).toFixed(1)} s.`,
		'',
	);

	add('## Targets', '');
	add(...targetTable([...targets(results), soakTarget(records.soak)]), '');
	for (const { file, results: other } of records.otherCpus) {
		const sameCpu = other.machine.cpuModel === results.machine.cpuModel;
		add(
			`### ${sameCpu ? 'An earlier run on' : 'On'} ${other.machine.cpuModel}, ${other.machine.cores} cores (${other.machine.simd.join(', ')})`,
			'',
			`Its own full run on ${other.machine.date.slice(0, 10)} at commit ${other.machine.gitCommit} (${file}; the code of then, other load ${other.othersLoad.toFixed(2)} cores):`,
			'',
			...targetTable(targets(other)),
			'',
		);
	}

	add('## Real-time factor per stage', '');
	add(
		`Compute seconds per second of **stream** (the whole corpus, silence included), so that the stages add up to the pipeline; for seconds per second of *speech* multiply by ${(1 / speechShare).toFixed(2)}. Wall clock; CPU time of the contender's process (all threads) in parentheses. ${results.rounds > 1 ? 'Spread (min–max over rounds) for the pipeline and sherpa-onnx below.' : ''}`,
		'',
	);
	const columns = figures.map((f) => `${f.group.precision}, ${describeLayout(f.group)}`);
	add(`| stage | ${columns.join(' | ')} |`, `| --- | ${columns.map(() => '---:').join(' | ')} |`);
	const cell = (rtf: Rtf) => `${fixed(median(rtf.wall))} (${fixed(median(rtf.cpu))})`;
	const stage = (name: string, precision: 'fp32' | 'int8') =>
		results.stages.find((row) => row.stage === name && row.precision === precision);
	const frontEnd = stage('front end', 'fp32');
	const vad = stage('VAD', 'fp32');
	const vadBacklog = stage('VAD (backlog)', 'fp32');
	if (frontEnd)
		add(
			`| front end (fbank + LFR + CMVN), JS, 1 thread | ${figures.map(() => cell(frontEnd.rtf)).join(' | ')} |`,
		);
	if (vad)
		add(
			`| FSMN-VAD (real model, its fbank included), 1 thread, 100 ms chunks (live) | ${figures.map(() => cell(vad.rtf)).join(' | ')} |`,
		);
	if (vadBacklog)
		add(
			`| FSMN-VAD, 2 s chunks (a backlog, as the pipeline sends a file) | ${figures.map(() => cell(vadBacklog.rtf)).join(' | ')} |`,
		);
	add(
		`| Paraformer alone: onnxruntime run | ${figures.map((f) => fixed(f.runOnly)).join(' | ')} |`,
	);
	add(
		`| Paraformer alone: run + tensors + argmax | ${figures.map((f) => cell(f.group.model)).join(' | ')} |`,
	);
	add(
		`| punctuation (tiny fixture), 1 thread | ${figures
			.map((f) => {
				const row = stage('punctuation', f.group.precision);
				return row ? cell(row.rtf) : '–';
			})
			.join(' | ')} |`,
	);
	add(
		`| **whole pipeline** (worker, VAD → queue → Paraformer → punctuation) | ${figures.map((f) => `**${fixed(f.pipeline)}** (${fixed(f.pipelineCpu)})`).join(' | ')} |`,
	);
	if (figures.every((f) => f.threadCpu))
		add(
			`| whole pipeline's CPU by thread: recognizers / VAD worker (fbank, FSMN-VAD, punctuation) / main + V8 | ${figures
				.map(({ threadCpu }) =>
					threadGroups(threadCpu!)
						.map((cpu) => fixed(cpu))
						.join(' / '),
				)
				.join(' | ')} |`,
			`| CPU off the recognizer threads ÷ Paraformer alone's CPU | ${figures.map((f) => percent(f.offRecognizersCpu)).join(' | ')} |`,
		);
	add(
		`| **sherpa-onnx** OfflineRecognizer, same model and segments | ${figures.map((f) => `**${fixed(f.sherpa)}** (${fixed(f.sherpaCpu)})`).join(' | ')} |`,
	);
	add(
		`| sherpa-onnx time ÷ pipeline time | ${figures.map((f) => `${f.speedup.toFixed(2)}× (CPU ${f.speedupCpu.toFixed(2)}×)`).join(' | ')} |`,
	);
	add(
		`| Paraformer run per second of speech | ${figures.map((f) => fixed(f.runOnly / speechShare)).join(' | ')} |`,
	);
	if (results.rounds > 1) {
		add(
			`| spread: pipeline | ${figures.map((f) => `${fixed(Math.min(...f.group.pipeline.wall))}–${fixed(Math.max(...f.group.pipeline.wall))}`).join(' | ')} |`,
		);
		add(
			`| spread: sherpa-onnx | ${figures.map((f) => `${fixed(Math.min(...f.group.sherpa.wall))}–${fixed(Math.max(...f.group.sherpa.wall))}`).join(' | ')} |`,
		);
	}
	add(
		`| same text as Paraformer alone: pipeline / sherpa-onnx | ${figures.map((f) => `${(f.group.pipelineAgreement * 100).toFixed(0)} % / ${(f.group.sherpaAgreement * 100).toFixed(0)} %`).join(' | ')} |`,
	);
	add(
		`| model load, s: Paraformer alone / pipeline / sherpa-onnx | ${figures.map((f) => `${f.group.loadSeconds.model.toFixed(1)} / ${f.group.loadSeconds.pipeline.toFixed(1)} / ${f.group.loadSeconds.sherpa.toFixed(1)}`).join(' | ')} |`,
	);
	add(
		'',
		"Same text: the pipeline cuts the same segments and, one segment per run, gives the same text as Paraformer alone (1 thread: 100 %). At two threads it batches a backlog: padding changes the arithmetic a little and in int8 the activations of a batch share one quantisation scale, which flips low-margin argmaxes of this random-weight model (top-2 margins ~0.01; a real model's are far wider; FunASR's runtimes batch too). sherpa-onnx computes its own features: small feature differences flip some argmaxes in fp32, and many in int8, where activations are quantised per run.",
		'',
	);
	add(`![Real-time factor per stage](${chartDir}/${CHART_FILES.rtf})`, '');
	add(...dominance(results));

	add('## Physical limit', '');
	add(
		`The work is counted from onnxruntime's own profile of the model on every segment (after its graph optimisations): 2·M·K·N for each matrix product, 2·outputs·kernel for each convolution; element-wise work is left out.`,
		'',
	);
	add(
		'| | ' + columns.join(' | ') + ' |',
		'| --- | ' + figures.map(() => '---:').join(' | ') + ' |',
	);
	const work = (precision: 'fp32' | 'int8') => {
		const count = results.flops[precision];
		return count ? count.floatOps + count.integerOps : Number.NaN;
	};
	add(
		`| G op per second of speech (profile) | ${figures.map((f) => (work(f.group.precision) / results.corpus.speechSeconds / 1e9).toFixed(2)).join(' | ')} |`,
	);
	const peakOf = (f: (typeof figures)[number]) =>
		results.peaks.find((p) => p.precision === f.group.precision && sameLayout(p, f.group));
	const achievedWall = figures.map(
		(f) => work(f.group.precision) / (f.runOnly * results.corpus.seconds),
	);
	const achievedCpu = figures.map(
		(f) => work(f.group.precision) / (median(f.group.model.cpu) * results.corpus.seconds),
	);
	add(
		`| achieved in the model, G op/s: wall (per CPU second) | ${figures.map((_, i) => `${(achievedWall[i] / 1e9).toFixed(0)} (${(achievedCpu[i] / 1e9).toFixed(0)})`).join(' | ')} |`,
	);
	const peakShape = (peak: Peak) =>
		peak.pairs
			? `${peak.pairs} × [${peak.rows}, ${peak.inner}]×[${peak.inner}, ${peak.outer}]×[${peak.outer}, ${peak.inner}]`
			: `one MatMul [${peak.rows}, ${peak.inner}]×[${peak.inner}, ${peak.outer}]`;
	add(
		`| peak: the model's feed-forward GEMMs, G op/s: wall (per CPU second), shape | ${figures
			.map((f) => {
				const peak = peakOf(f);
				return peak
					? `${(peak.opsPerSecond / 1e9).toFixed(0)} (${(peak.opsPerCpuSecond / 1e9).toFixed(0)}), ${peakShape(peak)}`
					: '–';
			})
			.join(' | ')} |`,
	);
	add(
		`| **efficiency** (per CPU second: robust to other load) | ${figures.map((f, i) => `**${((achievedCpu[i] / (peakOf(f)?.opsPerCpuSecond ?? Number.NaN)) * 100).toFixed(0)} %**`).join(' | ')} |`,
	);
	add(
		`| CPU RTF floor at that peak (per second of speech) | ${figures.map((f) => fixed(work(f.group.precision) / results.corpus.speechSeconds / (peakOf(f)?.opsPerCpuSecond ?? Number.NaN))).join(' | ')} |`,
	);
	add('');
	if (results.standIn.analyticFlopsPerSecond)
		add(
			`The generator's analytic count for 10 s utterances is ${(results.standIn.analyticFlopsPerSecond / 1e9).toFixed(2)} GFLOP per second of speech; the profile's count differs with the real segment lengths (attention grows with the square of the length) and with how many tokens the random weights fire.`,
			'',
		);
	const fp32Count = results.flops.fp32;
	if (fp32Count) {
		const total = fp32Count.kernelMsByOp.reduce((sum, [, ms]) => sum + ms, 0);
		add(
			`Where the fp32 run's kernel time goes (1 thread, profiled): ${fp32Count.kernelMsByOp
				.slice(0, 8)
				.map(([op, ms]) => `${op} ${((ms / total) * 100).toFixed(1)} %`)
				.join(', ')}.`,
			'',
		);
	}
	const int8Count = results.flops.int8;
	if (int8Count) {
		const total = int8Count.kernelMsByOp.reduce((sum, [, ms]) => sum + ms, 0);
		add(
			`int8 run: ${int8Count.kernelMsByOp
				.slice(0, 8)
				.map(([op, ms]) => `${op} ${((ms / total) * 100).toFixed(1)} %`)
				.join(
					', ',
				)}; ${((int8Count.integerOps / (int8Count.integerOps + int8Count.floatOps)) * 100).toFixed(0)} % of its operations are int8.`,
			'',
		);
	}

	add('## Memory', '');
	add(
		'Resident set of a process running the worker engine (VAD, Paraformer, punctuation loaded; two threads).',
		'',
	);
	add(
		'| | ' + Object.keys(results.memory).join(' | ') + ' |',
		'| --- | ' +
			Object.keys(results.memory)
				.map(() => '---:')
				.join(' | ') +
			' |',
	);
	const memory = Object.values(results.memory);
	add(`| before loading | ${memory.map((m) => mib(m.baselineBytes)).join(' | ')} |`);
	add(`| models loaded, one stream | ${memory.map((m) => mib(m.loadedBytes)).join(' | ')} |`);
	add(
		`| after recognizing the corpus (arena grown) | ${memory.map((m) => mib(m.workingBytes)).join(' | ')} |`,
	);
	add(
		`| with ${memory[0]?.streams ?? 0} more streams, each 20 s into a session | ${memory.map((m) => mib(m.streamsBytes)).join(' | ')} |`,
	);
	add(
		`| per additional stream: resident set | ${memory.map((m) => `${(m.perStreamBytes / 2 ** 20).toFixed(2)} MiB`).join(' | ')} |`,
	);
	add(
		`| **per additional stream: JS heap + array buffers** (VAD state, audio history) | ${memory.map((m) => `**${(m.perStreamHeapBytes / 2 ** 20).toFixed(2)} MiB**`).join(' | ')} |`,
	);
	add(
		`| a second recognizer (Parallel Recognitions 2: its own Paraformer) | ${memory.map((m) => (m.secondRecognizerBytes === undefined ? '–' : mib(m.secondRecognizerBytes))).join(' | ')} |`,
		'',
	);
	add(
		"The resident set hardly grows per stream because the heap freed after the first stream's recognitions is reused; the heap figure is what a stream holds. Streams share the models (one onnxruntime session each for VAD, Paraformer and punctuation).",
		'',
	);

	add('## Live', '');
	const viaRtmp = results.live.some((series) =>
		series.trials.some((trial) => trial.path === 'rtmp'),
	);
	const cpuFromMs = Math.max(
		0,
		...results.live.flatMap((series) => series.trials.map((trial) => trial.cpuFromMs ?? 0)),
	);
	const cpuWindow =
		cpuFromMs > 0
			? `over the trial from ${(cpuFromMs / 1000).toFixed(0)} s in, once the streams have closed their first segments`
			: 'over the trial';
	add(
		viaRtmp
			? `Streams as users run them: an RTMP publisher per stream, all in one process (bench/copy-publishers.ts: AAC encoded once beforehand and sent by stream copy at real-time pace, each frame when its time comes as ffmpeg -re -c copy sends it, each stream starting elsewhere in the corpus with 1 s pauses between files) to a local nginx-rtmp, one LivePipeline per stream (its own ffmpeg reader, VAD, recognition queue, early recognition on) sharing the process's workers (VAD and punctuation; one recognizer on two threads, or two on one thread each). Latency: LivePipeline's 'segment' event (the VAD closed a segment, after its 800 ms of trailing silence) to the 'sentence' event. Audio lag: the delay from a segment's end (in stream time, from the sentence's own latencyMs) to the VAD closing it is the VAD's trailing silence plus how late the audio got there (ffmpeg, the worker's queue); beyond the trial's fastest close, it is the lag. The publishers share the cores but, copying from one process, take little CPU (an ffmpeg per stream took about twice theirs and nginx's together); the CPU of the pipeline process (its workers included), its ffmpeg readers, the publishers and nginx is measured apart (utime + stime from /proc/<pid>/stat ${cpuWindow}), and the reader's per stream.`
			: `Streams at real-time pace (100 ms chunks every 100 ms, each stream starting elsewhere in the corpus) handed to the inference worker as LivePipeline does after ffmpeg — VAD, recognition queue, Paraformer, punctuation — two threads (nginx with the RTMP module was not installed: ffmpeg and the network are not in these figures; ffmpeg adds ~0.3 s steady delay on RTMP, see REFERENCE.md). Latency: from the VAD closing a segment (after its 800 ms of trailing silence) to the recognized, punctuated text. Audio lag: a chunk's due time to the worker's answer.`,
	);
	const repeatsBest = results.live.some(
		(series) => new Set(series.trials.map((trial) => trial.streams)).size < series.trials.length,
	);
	add(
		'',
		`A stream count is **sustained** when p95 latency ≤ ${LATENCY_LIMIT_MS} ms, p95 audio lag ≤ ${AUDIO_LAG_LIMIT_MS} ms, and at most ${UNFINISHED_LIMIT * 100} % of the segments closed during the trial had no sentence 5 s after it ("unfinished": a segment whose text is empty emits no sentence either, which the random-weight stand-in does on some short segments).${repeatsBest ? ` A count is sustained only if every trial at it was: the search tries its best count again (up to ${CONFIRMATIONS} times) before taking it, since a short trial at the edge can land either side.` : ''}`,
		'',
	);
	add(
		'| precision | threads | streams | sentences | latency p50 | p95 | max | unfinished | audio lag p95 / max | cores busy: machine / pipeline process / readers / publishers / nginx | pipeline process by thread, cores: recognizers / VAD worker / main + other | reader CPU per stream (share of a core) | recognized early (used / started) | verdict |',
		'| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
	);
	for (const series of results.live) {
		for (const trial of [...series.trials].sort((a, b) => a.streams - b.streams)) {
			const judged = judgeLive(trial);
			const latencies = trial.samples.map((sample) => sample.latencyMs);
			add(
				`| ${series.precision} | ${describeLayout(series)} | ${trial.streams} | ${trial.samples.length} | ${judged.p50.toFixed(0)} ms | ${judged.p95.toFixed(0)} ms | ${latencies.length ? Math.max(...latencies).toFixed(0) : '–'} ms | ${trial.unfinished} | ${trial.audioLagMs.p95.toFixed(0)} / ${trial.audioLagMs.max.toFixed(0)} ms | ${coresBusy(trial)} | ${pipelineByThread(trial)} | ${trial.cpu ? `${((trial.cpu.readers / trial.streams) * 100).toFixed(2)} %` : '–'} | ${trial.early ? `${trial.early.used} / ${trial.early.started}` : '–'} | ${judged.sustained ? 'sustained' : 'falls behind'} |`,
			);
		}
	}
	add('');
	for (const series of results.live) {
		const most = sustainedStreams(series.trials);
		const best = series.trials.find((trial) => trial.streams === most);
		const busy = best?.cpu
			? ` — with ${best.busyCores.machine.toFixed(2)} of ${results.machine.cores} cores busy (the pipeline process ${best.cpu.pipeline.toFixed(2)}, its ffmpeg readers ${best.cpu.readers.toFixed(2)}, the publishers ${best.cpu.publishers.toFixed(2)}, nginx ${best.cpu.nginx.toFixed(2)})${livePerStream(best)}`
			: best?.busyCores
				? ` — with ${best.busyCores.machine.toFixed(2)} of ${results.machine.cores} cores busy (the pipeline process ${best.busyCores.process.toFixed(2)}, the rest mostly ffmpeg and nginx)`
				: '';
		const bound = throughputBound(results, series);
		const ofBound = bound
			? `, **${((most / bound.streams) * 100).toFixed(0)} % of the throughput bound** of ${bound.streams.toFixed(1)} streams (${results.machine.cores} cores ÷ ${bound.perStreamSecond.toFixed(4)} CPU per stream-second: the pipeline's ${bound.pipeline.toFixed(4)} at the live streams' speech share, the reader's ${bound.reader.toFixed(4)})`
			: '';
		add(
			`- ${series.precision}, ${describeLayout(series)}: **${most} stream${most === 1 ? '' : 's'}** sustained by one process (first guess from the pipeline's RTF: ${series.estimatedStreams})${busy}${ofBound}.`,
		);
	}
	for (const series of results.live) {
		const latency = singleStreamLatency(results, series.precision, series);
		if (latency && latency.fiveSeconds.length > 0)
			add(
				`- ${series.precision}, ${describeLayout(series)}, one stream: sentences of ${SENTENCE_SECONDS[0]}–${SENTENCE_SECONDS[1]} s arrive p50 ${quantile(latency.fiveSeconds, 0.5).toFixed(0)} ms, p95 ${quantile(latency.fiveSeconds, 0.95).toFixed(0)} ms after their VAD end (${latency.fiveSeconds.length} sentences).`,
			);
		const late = series.late ? fiveSecondLatencies(series.late) : [];
		if (late.length > 0)
			add(
				`- ${series.precision}, ${describeLayout(series)}, one stream, **early recognition off** (recognition starts at the VAD end): p50 ${quantile(late, 0.5).toFixed(0)} ms, p95 ${quantile(late, 0.95).toFixed(0)} ms (${late.length} sentences).`,
			);
	}
	add('', `![Streams against latency](${chartDir}/${CHART_FILES.live})`, '');
	if (results.mainCapacity) add(...renderMainCapacity(results.mainCapacity));

	if (results.sensevoice)
		add(
			...renderSenseVoice(results.sensevoice, {
				machine,
				rounds: results.rounds,
				quick: results.quick,
				othersLoad: results.othersLoad,
				streamSeconds: results.corpus.seconds,
				corpusFiles: results.corpus.files.length,
				speechSeconds: results.corpus.speechSeconds,
				segments: results.corpus.segments,
				alone: false,
			}),
		);
	add(...whatWasDone(results));

	add(...soakSection(records.soak));

	add('## Method', '');
	add(
		"- Every contender runs in a child process of its own (one process tree, one run): ours and sherpa-onnx bring different onnxruntime builds, and a process's CPU time is then its own. Models stay loaded across rounds.",
	);
	add(
		"- Paraformer alone, the pipeline and sherpa-onnx see the same segments: the pipeline cuts them itself with the same VAD (its texts are compared with Paraformer alone's above); sherpa-onnx gets them as samples in [-1, 1] prepared before timing, one stream per segment, `decode` synchronously (2 × 1 thread: two `decodeAsync` at once on its one recognizer).",
	);
	add(
		'- The pipeline\'s time includes the VAD of the whole stream (silence too, in its own thread), the worker threads\' messages, the queue, punctuation and the front end; "around the Paraformer run" = pipeline time − onnxruntime run time.',
		"- CPU by thread: each pass reads every thread's on-CPU time of the contender's process (/proc/self/task/*/schedstat) and groups the threads by the names the engine gives its workers (onnxruntime's pool threads inherit them): the recognizers', the VAD worker's (fbank, FSMN-VAD, punctuation), the main thread and the rest (V8's). What runs off the recognizer threads is around the Paraformer run and measured directly; the difference of two process totals spreads by several per cent from round to round.",
	);
	add(
		"- Peaks: the model's feed-forward GEMMs, four pairs [rows, 512]×[512, 2048]×[2048, 512] in one run (so that onnxruntime's cost per run and the output copy weigh little), the better of two row counts: the LFR rows of the segment holding the median second of speech (segments weighted by their length) and of the longest segment, built by bench/peak_matmul.py (int8: the generator's own quantiser, then int8 weights as the engine loads them), run back to back for 1.5 s with the engine's session options.",
	);
	add(
		`- Results as JSON: ${chartDir}/results.json. \`npm run bench -- --quick\` runs one round and short live trials and writes to the cache (~/.cache/rtmp-asr/bench-quick), never into the repository. \`npm run bench -- --only sensevoice\` (SenseVoice beside Paraformer-large) and \`--only remote\` (the n8n main's CPU per stream, recognition remote against local) measure one part and write its section and figures to the cache's bench-sensevoice or bench-remote folder (with --quick, bench-quick).`,
	);
	add('');
	return `${lines.join('\n')}\n`;
}

function targetTable(list: Target[]): string[] {
	return [
		'| target | goal | measured | verdict |',
		'| --- | --- | --- | --- |',
		...list.map(
			(target) =>
				`| ${target.name} | ${target.goal} | ${target.measured} | **${target.verdict}** |`,
		),
	];
}

function soakSection(soak: SoakRecord | null): string[] {
	const lines = ['## Soak', ''];
	if (!soak)
		return [
			...lines,
			`None recorded: \`npm run soak -- --minutes 125 --out bench/results/soak.json\` writes what this section reports.`,
			'',
		];
	const { report, machine } = soak;
	return [
		...lines,
		`\`npm run soak -- --minutes ${report.minutes} --streams ${report.streams} --kill-every ${report.killEveryMinutes}\` (bench/soak.ts) on ${machine.date.slice(0, 10)} at commit ${machine.gitCommit}, ${machine.cpuModel}, ${machine.cores} cores: ${report.streams} live streams from one nginx-rtmp through one process's pipelines (the toy model, so that it measures leaks, not CPU), each publisher killed at a random moment about every ${report.killEveryMinutes} min and back after ${AWAY_MS / 1000} s; sampled every minute (bench/results/soak.json).`,
		'',
		...summaryLines(report),
		'',
	];
}

/** Cores busy during a trial: the machine, then by process where measured apart (RTMP trials). */
function coresBusy(trial: LiveTrial): string {
	if (!trial.busyCores) return '–';
	const { machine, process } = trial.busyCores;
	if (!trial.cpu) return `${machine.toFixed(2)} / ${process.toFixed(2)} / – / – / –`;
	const { pipeline, readers, publishers, nginx } = trial.cpu;
	return [machine, pipeline, readers, publishers, nginx]
		.map((cores) => cores.toFixed(2))
		.join(' / ');
}

/** Thread roles as the report groups them: recognizers, VAD worker, main + other. */
function threadGroups(byRole: Record<ThreadRole, number>): [number, number, number] {
	return [byRole.recognizers, byRole['vad worker'], byRole.main + byRole.other];
}

/** The pipeline process's cores by thread role in a trial, where measured. */
function pipelineByThread(trial: LiveTrial): string {
	if (!trial.pipelineThreads) return '–';
	return threadGroups(trial.pipelineThreads)
		.map((cores) => cores.toFixed(2))
		.join(' / ');
}

/** What the pipeline process spent per stream-second live, by thread role, where measured. */
function livePerStream(trial: LiveTrial): string {
	if (!trial.pipelineThreads || !trial.cpu) return '';
	const perStream = (cores: number) => (cores / trial.streams).toFixed(4);
	const [recognizers, vadWorker, mainAndOther] = threadGroups(trial.pipelineThreads).map(perStream);
	return `; live, the pipeline process spent ${perStream(trial.cpu.pipeline)} CPU per stream-second (recognizers ${recognizers}, VAD worker ${vadWorker}, main + other ${mainAndOther})`;
}

/** What the measurements pointed at, what was changed, and what is left. */
function whatWasDone(results: BenchResults): string[] {
	const figures = results.groups.map(groupFigures);
	const find = (precision: string, threads: number, recognizers: number) =>
		figures.find(
			(f) => f.group.precision === precision && sameLayout(f.group, { threads, recognizers }),
		);
	const peak = (precision: string, threads: number, recognizers: number) =>
		results.peaks.find((p) => p.precision === precision && sameLayout(p, { threads, recognizers }));
	const lines = ['## What the numbers pointed at', ''];

	const scaling = (['fp32', 'int8'] as const)
		.map((precision) => {
			const one = find(precision, 1, 1);
			const shared = find(precision, 2, 1);
			const parallel = find(precision, 1, 2);
			return one && shared && parallel
				? `${precision}: ${(one.runOnly / shared.runOnly).toFixed(2)}× on two threads, ${(one.runOnly / parallel.runOnly).toFixed(2)}× as two recognitions`
				: null;
		})
		.filter((text) => text !== null);
	const peakScaling = (['fp32', 'int8'] as const)
		.map((precision) => {
			const one = peak(precision, 1, 1);
			const shared = peak(precision, 2, 1);
			const parallel = peak(precision, 1, 2);
			return one && shared && parallel
				? `${precision} ${(shared.opsPerSecond / one.opsPerSecond).toFixed(2)}× / ${(parallel.opsPerSecond / one.opsPerSecond).toFixed(2)}×`
				: null;
		})
		.filter((text) => text !== null);
	const second = Object.entries(results.memory)
		.map(([precision, m]) =>
			m.secondRecognizerBytes === undefined ? null : `${precision} ${mib(m.secondRecognizerBytes)}`,
		)
		.filter((text) => text !== null);
	if (scaling.length > 0) {
		lines.push(
			`- **Two threads pay as two recognitions, not as one recognition on two threads.** Paraformer alone over one thread: ${scaling.join('; ')}. The model's GEMMs alone say the same (on two threads / as two processes on one thread each, over one thread: ${peakScaling.join(', ')}): at 60–300 rows a GEMM is too small to split well, and between operators onnxruntime's pool threads sleep (spinning would take the core from ffmpeg and the VAD, see below). onnxruntime-node cannot run one session from two threads, so *Parallel Recognitions* (\`models.recognizers\`) gives each recognition a worker of its own, with its own copy of the Paraformer${second.length > 0 ? ` (${second.join(', ')} more, Memory above)` : ''}; recognizers keep no stream state (punctuation moved to the VAD worker). sherpa-onnx gets the same parallelism from one session (its \`decodeAsync\` runs on libuv's threads), without the copy: the "2 × 1 thread" column gives it that.`,
		);
	}

	const vnni = hasSignedInt8Flags(results.machine.simd);
	const int8Gain = figures
		.filter((f) => f.group.precision === 'fp32')
		.map((fp32) => {
			const int8 = figures.find(
				(f) => f.group.precision === 'int8' && sameLayout(f.group, fp32.group),
			);
			return int8
				? `${(fp32.runOnly / int8.runOnly).toFixed(2)}× at ${describeLayout(fp32.group)}`
				: null;
		})
		.filter((text) => text !== null);
	const peakGain = [peak('fp32', 1, 1), peak('int8', 1, 1)];
	const shifted = results.int8Weights;
	const shiftedAnyway = shifted
		? `. Measured in this run (Paraformer alone, one thread, bench/contenders/int8-weights.ts): with the weights shifted to int8 anyway the run is ${(shifted.uint8RunMs / shifted.int8RunMs).toFixed(2)}× as fast, but only ${shifted.identicalSegments} of ${shifted.segments} segments keep their tokens (token error rate ${(shifted.tokenErrorRate * 100).toFixed(0)} % against the uint8 weights' output): saturation, not rounding. onnxruntime's other way out, 7-bit weights (quantize_dynamic's reduce_range), would need a requantised model with half the weight resolution, for at most that gain: not done`
		: '';
	const peakRatio =
		peakGain[0] && peakGain[1]
			? `${(peakGain[1].opsPerSecond / peakGain[0].opsPerSecond).toFixed(2)}×`
			: 'not measured';
	lines.push(
		vnni
			? `- **int8 on a CPU with VNNI/AMX.** FunASR quantises with uint8 weights; onnxruntime's fast int8 kernels on x86 multiply uint8 by *int8*. The engine shifts each MatMulInteger's weights and zero points by 128 into int8 when it loads an int8 model on such a CPU (engine/onnx/signed-int8-weights.ts; the same integer products, bit-identical logits, checked in test/unit/onnx). int8 over fp32 (Paraformer run): ${int8Gain.join(', ')}; int8 over fp32 on the model's feed-forward GEMMs: ${peakRatio}.`
			: `- **int8 on a CPU without VNNI (this one: ${results.machine.simd.join(', ')}).** Here onnxruntime's uint8 × int8 kernel adds pairs of products in 16 bits and saturates (a MatMulInteger of 255 × 127 over 64 terms gave 1 048 544, not 2 072 640, on an AVX2 EPYC), so the engine keeps FunASR's uint8 weights (engine/onnx/signed-int8-weights.ts converts only on VNNI/AMX CPUs, where the same shift is exact and 3× faster than fp32)${shiftedAnyway}, and onnxruntime multiplies uint8 × uint8 by widening to 16 bits: the model's feed-forward GEMMs (the peak above) are only ${peakRatio} faster in int8 than in fp32 on one thread. int8 over fp32 (Paraformer run): ${int8Gain.join(', ')} — mostly the smaller weights (237 MB against 865 MB through the caches). The 1.8× goal is beyond this CPU's int8 MatMul; on an AVX512-VNNI Xeon the same code measured 3.2× (1 thread) and 2.2× (2 threads) (this file's version of 2026-11-24).`,
	);

	const latencies = results.live
		.map((series) => {
			const early = singleStreamLatency(results, series.precision, series)?.fiveSeconds ?? [];
			const late = series.late ? fiveSecondLatencies(series.late) : [];
			const single = series.trials.find((trial) => trial.streams === 1);
			const waste = single?.early
				? `${single.early.started - single.early.used} of ${single.early.started} early runs wasted`
				: '';
			return early.length > 0 && late.length > 0
				? `${series.precision} ${describeLayout(series)}: p95 ${quantile(late, 0.95).toFixed(0)} → ${quantile(early, 0.95).toFixed(0)} ms (${waste})`
				: null;
		})
		.filter((text) => text !== null);
	lines.push(
		`- **A sentence's text waited for its recognition after the VAD end.** The VAD confirms an end after 800 ms of silence, but the end it will give is known from the first ~200 ms of it. For live inputs the VAD worker now offers the open segment then (a *provisional* segment, with exactly the rows the closed one will have), an idle recognizer starts on it, and the closed segment takes its text (engine/vad/e2e-vad.ts \`provisionalEnd\`, SpeechSegmenter, worker-engine). 5 s sentences after their VAD end, one stream, early recognition off → on: ${latencies.join('; ') || 'not measured'}. A pause shorter than the end silence wastes the run it started: with every idle moment spent early (the previous full run), 1.4–2.5 early runs were started per one used, and with several streams those runs took the time other streams' sentences needed (one process sustained 6–7 live streams). Early runs now go only to a recognizer that is idle and was busy less than 30 % of the last ~5 s (engine/runtime/busy-share.ts): spare time only.`,
	);

	const kernels = figures
		.map(
			(f) => `${f.group.precision} ${describeLayout(f.group)} ${(f.sherpa / f.model).toFixed(2)}×`,
		)
		.join(', ');
	lines.push(
		`- **Against sherpa-onnx, the same kernels.** Paraformer alone (run, tensors, argmax; no VAD, no punctuation) over sherpa-onnx, which recognizes pre-cut segments and runs no VAD: ${kernels}. Both run the same onnxruntime MLAS kernels (1.30 against sherpa-onnx's 1.28; the previous full run here found Paraformer alone 0.90–1.20× sherpa-onnx, depending on the layout: the runs differ by as much as the layouts; on the AVX-512 Xeon 1.30 was 10 % ahead), 83 % of the fp32 run is MatMul, and the pipeline adds the VAD and its messages to that: the pipeline is at most as far ahead as Paraformer alone, and the 1.15× goal needs a faster Paraformer run than onnxruntime's, not a faster pipeline. Where the pipeline gets ahead, it is by what surrounds the run.`,
	);
	const vad = median(results.stages.find((row) => row.stage === 'VAD')?.rtf.wall ?? []);
	const vadBacklog = median(
		results.stages.find((row) => row.stage === 'VAD (backlog)')?.rtf.wall ?? [],
	);
	const around = figures
		.map(
			(f) =>
				`${f.group.precision} ${describeLayout(f.group)} ${(f.overheadCpu * 100).toFixed(1)} %`,
		)
		.join(', ');
	const direct = figures.every((f) => f.offRecognizersCpu !== null)
		? `; measured directly on the threads other than the recognizer threads: ${figures.map((f) => `${f.group.precision} ${describeLayout(f.group)} ${percent(f.offRecognizersCpu)}`).join(', ')}`
		: '';
	lines.push(
		`- **The VAD is most of the CPU around the Paraformer run** (${around} beyond Paraformer alone's CPU${direct}): RTF ${fixed(vad)} in 100 ms chunks, mostly onnxruntime's fixed cost per call. It runs on a thread of its own (no wall time at one thread; at two threads it competes for the cores). Audio that waited while the VAD was busy (a file, an overloaded machine) now goes in one call of up to 2 s (engine/pipeline/vad-feed.ts): RTF ${fixed(vadBacklog)} in 2 s chunks, the same segments (any chunking gives them, tested).`,
	);
	lines.push(
		"- **Batching pays little, padding costs in full.** Measured once here (Paraformer alone, two threads, four 5 s segments in one run against one by one): fp32 1.2×, int8 1.15×; on the benchmark's 16 segments, sorted batches of up to 8 padded within 50 % ran fp32 1.27× slower than within 10 %. The Batcher now batches only segments within 10 % of each other's length.",
	);
	const capacity = results.live
		.map(
			(series) =>
				`${series.precision} ${describeLayout(series)} ${sustainedStreams(series.trials)}`,
		)
		.join(', ');
	if (capacity)
		lines.push(
			`- **Live capacity** (streams sustained, Live above): ${capacity}. The publishers, nginx and one ffmpeg reader per stream share the two cores with the pipeline, and a stream's sentences wait for any other stream's on the recognizers: latency, not CPU, ends the search (the busy-cores column).`,
		);
	lines.push(
		"- **Spinning stays off.** onnxruntime's pool threads spin between operators by default; when another process takes one of the two cores, every operator waits for the descheduled thread (on the Xeon, two threads under other load ran 1.7× slower spinning). On this idle machine, measured once, int8 at two threads spinning ran RTF 0.045 against 0.055 not; sherpa-onnx spins. With Parallel Recognitions each run is single-threaded and the question does not arise.",
	);
	lines.push(
		"- **Model load takes seconds** (see the load row): mostly onnxruntime's graph optimisation of an 865 MB graph. Saving the optimised graph once (onnxruntime's optimizedModelFilePath) would shorten every later start; not done.",
	);
	lines.push('');
	return lines;
}

/** Which stage dominates the pipeline, from the numbers. */
function dominance(results: BenchResults): string[] {
	const f = results.groups
		.map(groupFigures)
		.find((figures) => figures.group.precision === 'fp32' && figures.group.threads === 1);
	if (!f) return [];
	const stageRtf = (name: string) =>
		median(
			results.stages.find((row) => row.stage === name && row.precision === 'fp32')?.rtf.wall ?? [],
		);
	return [
		`The fp32 one-thread pipeline takes ${(f.pipeline / f.runOnly).toFixed(3)}× the time of Paraformer alone's runs. The fbank and FSMN-VAD (RTF ${fixed(stageRtf('VAD'))}, its fbank included) run on the VAD thread beside it, so they add CPU (the pipeline's CPU time is ${(f.overheadCpu * 100).toFixed(1)} % above Paraformer alone's), not wall time; punctuation (RTF ${fixed(stageRtf('punctuation'))}), LFR, CMVN and the messages are on the recognizer thread's path.`,
		'',
	];
}

/** A few lines for the terminal. */
export function renderSummary(results: BenchResults): string {
	const lines = [
		'',
		`Benchmark (${results.quick ? 'quick' : `${results.rounds} rounds`}), ${results.machine.cpuModel}, ${results.machine.cores} cores, other load ${results.othersLoad.toFixed(2)} cores`,
	];
	for (const f of results.groups.map(groupFigures)) {
		lines.push(
			`  ${f.group.precision} ${describeLayout(f.group).padEnd(13)}  RTF model run ${fixed(f.runOnly)}  pipeline ${fixed(f.pipeline)}  sherpa-onnx ${fixed(f.sherpa)}  (${f.speedup.toFixed(2)}× sherpa, overhead ${(f.overhead * 100).toFixed(1)} %)`,
		);
	}
	for (const series of results.live)
		lines.push(
			`  live ${series.precision} ${describeLayout(series)}: ${sustainedStreams(series.trials)} streams sustained`,
		);
	for (const target of targets(results))
		lines.push(`  [${target.verdict}] ${target.name}: ${target.measured}`);
	return lines.join('\n');
}
