import { dirname, relative } from 'node:path';
import { CHART_FILES } from './chart.js';
import { groupFigures, SENTENCE_SECONDS, singleStreamLatency, targets } from './findings.js';
import { AUDIO_LAG_LIMIT_MS, judgeLive, LATENCY_LIMIT_MS, sustainedStreams, UNFINISHED_LIMIT } from './live-search.js';
import type { BenchOptions } from './options.js';
import type { BenchResults, Rtf } from './results.js';
import { median, quantile } from './stats.js';

const fixed = (value: number, digits = 4) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

export function renderMarkdown(results: BenchResults, options: BenchOptions): string {
	const figures = results.groups.map(groupFigures);
	const speechShare = results.corpus.speechSeconds / results.corpus.seconds;
	const chartDir = relative(dirname(options.markdownPath), options.outDir) || '.';
	const lines: string[] = [];
	const add = (...more: string[]) => lines.push(...more);
	const { machine } = results;

	add('# Benchmarks', '');
	add(`Written by \`npm run bench${results.quick ? ' -- --quick' : ''}\` (bench/run.ts) on ${machine.date.slice(0, 10)} at commit ${machine.gitCommit}: ${results.rounds} timed round(s) per contender after an untimed warm-up, contenders interleaved in alternating order, **medians** reported. The whole run took ${(results.durationSeconds / 60).toFixed(1)} min.${results.quick ? ' This is a quick run: one round, short live trials; numbers are indicative only.' : ''}`, '');
	add('## Machine', '');
	add('| | |', '| --- | --- |');
	add(`| CPU | ${machine.cpuModel}, ${machine.cores} cores (${machine.simd.join(', ')}) |`);
	add(`| memory | ${machine.memoryGiB} GiB |`);
	add(`| Node | ${machine.node} |`);
	add(`| onnxruntime-node | ${machine.onnxruntimeNode} |`);
	add(`| sherpa-onnx-node | ${machine.sherpaOnnxNode} (bundles onnxruntime ${machine.sherpaOnnxruntime}) |`);
	add(`| other processes during the timed part | ${results.othersLoad.toFixed(2)} cores busy on average (a shared machine: the two-thread figures suffer most) |`, '');

	add('## Models and audio', '');
	add(`- **Paraformer**: a random-weight stand-in with Paraformer-large's architecture and FunASR's ONNX interface (tools/stand-ins/generate.py --large; real weights cannot be downloaded here): model.onnx ${results.standIn.modelMegabytes.toFixed(0)} MB${results.standIn.quantizedMegabytes !== null ? `, model_quant.onnx ${results.standIn.quantizedMegabytes.toFixed(0)} MB (dynamic int8 MatMuls, FunASR's quantisation)` : ', no model_quant.onnx: int8 not measured'}. ${results.standIn.generatedSeconds === null ? 'Generated earlier (cached); generation time unknown.' : `Generated ${results.standIn.generatedNow ? 'by this run' : 'once by an earlier run (cached since)'} in ${results.standIn.generatedSeconds.toFixed(0)} s (not part of the run time below).`} The text it outputs is noise; its cost is the real model's (same shapes; the decoder's share depends on how many tokens CIF fires).`);
	add('- **VAD**: the real FSMN-VAD (shared/models/fsmn-vad).');
	add('- **Punctuation**: only the tiny random-weight CT-Transformer fixture (test/fixtures/models/tiny-punc-realtime) exists here; the real one (~290 MB, vocabulary 272 727) costs more per token but runs on text, a few tokens per second of speech. Its row is a lower bound.');
	add(`- **Audio**: the real speech in shared/audio (${results.corpus.files.map((file) => `${file.name} ${file.seconds.toFixed(1)} s`).join(', ')}; files at 44.1 kHz resampled once by ffmpeg): ${results.corpus.seconds.toFixed(1)} s, cut by the VAD into ${results.corpus.segments} segments, ${results.corpus.speechSeconds.toFixed(1)} s of speech (${(speechShare * 100).toFixed(0)} %); segment lengths p50 ${quantile(results.corpus.segmentSeconds, 0.5).toFixed(1)} s, max ${Math.max(...results.corpus.segmentSeconds).toFixed(1)} s.`, '');

	add('## Targets', '');
	add('| target | goal | measured | verdict |', '| --- | --- | --- | --- |');
	for (const target of targets(results)) add(`| ${target.name} | ${target.goal} | ${target.measured} | **${target.verdict}** |`);
	add('');

	add('## Real-time factor per stage', '');
	add(`Compute seconds per second of **stream** (the whole corpus, silence included), so that the stages add up to the pipeline; for seconds per second of *speech* multiply by ${(1 / speechShare).toFixed(2)}. Wall clock; CPU time of the contender's process (all threads) in parentheses. ${results.rounds > 1 ? 'Spread (min–max over rounds) for the pipeline and sherpa-onnx below.' : ''}`, '');
	const columns = figures.map((f) => `${f.group.precision}, ${f.group.threads} thread${f.group.threads > 1 ? 's' : ''}`);
	add(`| stage | ${columns.join(' | ')} |`, `| --- | ${columns.map(() => '---:').join(' | ')} |`);
	const cell = (rtf: Rtf) => `${fixed(median(rtf.wall))} (${fixed(median(rtf.cpu))})`;
	const stage = (name: string, precision: 'fp32' | 'int8') => results.stages.find((row) => row.stage === name && row.precision === precision);
	const frontEnd = stage('front end', 'fp32');
	const vad = stage('VAD', 'fp32');
	if (frontEnd) add(`| front end (fbank + LFR + CMVN), JS, 1 thread | ${figures.map(() => cell(frontEnd.rtf)).join(' | ')} |`);
	if (vad) add(`| FSMN-VAD (real model), 1 thread | ${figures.map(() => cell(vad.rtf)).join(' | ')} |`);
	add(`| Paraformer alone: onnxruntime run | ${figures.map((f) => fixed(f.runOnly)).join(' | ')} |`);
	add(`| Paraformer alone: run + tensors + argmax | ${figures.map((f) => cell(f.group.model)).join(' | ')} |`);
	add(`| punctuation (tiny fixture), 1 thread | ${figures.map((f) => {
		const row = stage('punctuation', f.group.precision);
		return row ? cell(row.rtf) : '–';
	}).join(' | ')} |`);
	add(`| **whole pipeline** (worker, VAD → queue → Paraformer → punctuation) | ${figures.map((f) => `**${fixed(f.pipeline)}** (${fixed(f.pipelineCpu)})`).join(' | ')} |`);
	add(`| **sherpa-onnx** OfflineRecognizer, same model and segments | ${figures.map((f) => `**${fixed(f.sherpa)}** (${fixed(f.sherpaCpu)})`).join(' | ')} |`);
	add(`| sherpa-onnx time ÷ pipeline time | ${figures.map((f) => `${f.speedup.toFixed(2)}× (CPU ${f.speedupCpu.toFixed(2)}×)`).join(' | ')} |`);
	add(`| Paraformer run per second of speech | ${figures.map((f) => fixed(f.runOnly / speechShare)).join(' | ')} |`);
	if (results.rounds > 1) {
		add(`| spread: pipeline | ${figures.map((f) => `${fixed(Math.min(...f.group.pipeline.wall))}–${fixed(Math.max(...f.group.pipeline.wall))}`).join(' | ')} |`);
		add(`| spread: sherpa-onnx | ${figures.map((f) => `${fixed(Math.min(...f.group.sherpa.wall))}–${fixed(Math.max(...f.group.sherpa.wall))}`).join(' | ')} |`);
	}
	add(`| same text as Paraformer alone: pipeline / sherpa-onnx | ${figures.map((f) => `${(f.group.pipelineAgreement * 100).toFixed(0)} % / ${(f.group.sherpaAgreement * 100).toFixed(0)} %`).join(' | ')} |`);
	add(`| model load, s: Paraformer alone / pipeline / sherpa-onnx | ${figures.map((f) => `${f.group.loadSeconds.model.toFixed(1)} / ${f.group.loadSeconds.pipeline.toFixed(1)} / ${f.group.loadSeconds.sherpa.toFixed(1)}`).join(' | ')} |`);
	add('', 'Same text: the pipeline cuts the same segments and, one segment per run, gives the same text as Paraformer alone (1 thread: 100 %). At two threads it batches a backlog: padding changes the arithmetic a little and in int8 the activations of a batch share one quantisation scale, which flips low-margin argmaxes of this random-weight model (top-2 margins ~0.01; a real model\'s are far wider; FunASR\'s runtimes batch too). sherpa-onnx computes its own features: small feature differences flip some argmaxes in fp32, and many in int8, where activations are quantised per run.', '');
	add(`![Real-time factor per stage](${chartDir}/${CHART_FILES.rtf})`, '');
	add(...dominance(results));

	add('## Physical limit', '');
	add(`The work is counted from onnxruntime's own profile of the model on every segment (after its graph optimisations): 2·M·K·N for each matrix product, 2·outputs·kernel for each convolution; element-wise work is left out.`, '');
	add('| | ' + figures.map((f) => `${f.group.precision}, ${f.group.threads}t`).join(' | ') + ' |', '| --- | ' + figures.map(() => '---:').join(' | ') + ' |');
	const work = (precision: 'fp32' | 'int8') => {
		const count = results.flops[precision];
		return count ? count.floatOps + count.integerOps : Number.NaN;
	};
	add(`| G op per second of speech (profile) | ${figures.map((f) => (work(f.group.precision) / results.corpus.speechSeconds / 1e9).toFixed(2)).join(' | ')} |`);
	const peakOf = (precision: string, threads: number) => results.peaks.find((p) => p.precision === precision && p.threads === threads);
	const achievedWall = figures.map((f) => work(f.group.precision) / (f.runOnly * results.corpus.seconds));
	const achievedCpu = figures.map((f) => work(f.group.precision) / (median(f.group.model.cpu) * results.corpus.seconds));
	add(`| achieved in the model, G op/s: wall (per CPU second) | ${figures.map((_, i) => `${(achievedWall[i]! / 1e9).toFixed(0)} (${(achievedCpu[i]! / 1e9).toFixed(0)})`).join(' | ')} |`);
	add(`| peak: one MatMul [${results.peaks[0]?.rows ?? '?'}, 512]×[512, 2048], G op/s: wall (per CPU second) | ${figures.map((f) => {
		const peak = peakOf(f.group.precision, f.group.threads);
		return peak ? `${(peak.opsPerSecond / 1e9).toFixed(0)} (${(peak.opsPerCpuSecond / 1e9).toFixed(0)})` : '–';
	}).join(' | ')} |`);
	add(`| **efficiency** (per CPU second: robust to other load) | ${figures.map((f, i) => `**${((achievedCpu[i]! / (peakOf(f.group.precision, f.group.threads)?.opsPerCpuSecond ?? Number.NaN)) * 100).toFixed(0)} %**`).join(' | ')} |`);
	add(`| CPU RTF floor at that peak (per second of speech) | ${figures.map((f) => fixed(work(f.group.precision) / results.corpus.speechSeconds / (peakOf(f.group.precision, f.group.threads)?.opsPerCpuSecond ?? Number.NaN))).join(' | ')} |`);
	add('');
	if (results.standIn.analyticFlopsPerSecond) add(`The generator's analytic count for 10 s utterances is ${(results.standIn.analyticFlopsPerSecond / 1e9).toFixed(2)} GFLOP per second of speech; the profile's count differs with the real segment lengths (attention grows with the square of the length) and with how many tokens the random weights fire.`, '');
	const fp32Count = results.flops.fp32;
	if (fp32Count) {
		const total = fp32Count.kernelMsByOp.reduce((sum, [, ms]) => sum + ms, 0);
		add(`Where the fp32 run's kernel time goes (1 thread, profiled): ${fp32Count.kernelMsByOp.slice(0, 8).map(([op, ms]) => `${op} ${((ms / total) * 100).toFixed(1)} %`).join(', ')}.`, '');
	}
	const int8Count = results.flops.int8;
	if (int8Count) {
		const total = int8Count.kernelMsByOp.reduce((sum, [, ms]) => sum + ms, 0);
		add(`int8 run: ${int8Count.kernelMsByOp.slice(0, 8).map(([op, ms]) => `${op} ${((ms / total) * 100).toFixed(1)} %`).join(', ')}; ${((int8Count.integerOps / (int8Count.integerOps + int8Count.floatOps)) * 100).toFixed(0)} % of its operations are int8.`, '');
	}

	add('## Memory', '');
	add('Resident set of a process running the worker engine (VAD, Paraformer, punctuation loaded; two threads).', '');
	add('| | ' + Object.keys(results.memory).join(' | ') + ' |', '| --- | ' + Object.keys(results.memory).map(() => '---:').join(' | ') + ' |');
	const memory = Object.values(results.memory);
	add(`| before loading | ${memory.map((m) => mib(m.baselineBytes)).join(' | ')} |`);
	add(`| models loaded, one stream | ${memory.map((m) => mib(m.loadedBytes)).join(' | ')} |`);
	add(`| after recognising the corpus (arena grown) | ${memory.map((m) => mib(m.workingBytes)).join(' | ')} |`);
	add(`| with ${memory[0]?.streams ?? 0} more streams, each 20 s into a session | ${memory.map((m) => mib(m.streamsBytes)).join(' | ')} |`);
	add(`| per additional stream: resident set | ${memory.map((m) => `${(m.perStreamBytes / 2 ** 20).toFixed(2)} MiB`).join(' | ')} |`);
	add(`| **per additional stream: JS heap + array buffers** (VAD state, audio history) | ${memory.map((m) => `**${(m.perStreamHeapBytes / 2 ** 20).toFixed(2)} MiB**`).join(' | ')} |`, '');
	add('The resident set hardly grows per stream because the heap freed after the first stream\'s recognitions is reused; the heap figure is what a stream holds. Streams share the models (one onnxruntime session each for VAD, Paraformer and punctuation).', '');

	add('## Live', '');
	const viaRtmp = results.live.some((series) => series.trials.some((trial) => trial.path === 'rtmp'));
	add(viaRtmp
		? `Streams as users run them: one ffmpeg publisher per stream (AAC over RTMP, real-time pace, each starting elsewhere in the corpus with 1 s pauses between files) to a local nginx-rtmp, one LivePipeline per stream (its own ffmpeg reader, VAD, recognition queue) sharing the process's inference worker (Paraformer, punctuation), two threads. Latency: LivePipeline's 'segment' event (the VAD closed a segment, after its 800 ms of trailing silence) to the 'sentence' event. Audio lag: the delay from a segment's end (in stream time, from the sentence's own latencyMs) to the VAD closing it is the VAD's trailing silence plus how late the audio got there (ffmpeg, the worker's queue); beyond the trial's fastest close, it is the lag. The publishers run on the same two cores (in production they are elsewhere).`
		: `Streams at real-time pace (100 ms chunks every 100 ms, each stream starting elsewhere in the corpus) handed to the inference worker as LivePipeline does after ffmpeg — VAD, recognition queue, Paraformer, punctuation — two threads (nginx with the RTMP module was not installed: ffmpeg and the network are not in these figures; ffmpeg adds ~0.3 s steady delay on RTMP, see REFERENCE.md). Latency: from the VAD closing a segment (after its 800 ms of trailing silence) to the recognised, punctuated text. Audio lag: a chunk's due time to the worker's answer.`);
	add('', `A stream count is **sustained** when p95 latency ≤ ${LATENCY_LIMIT_MS} ms, p95 audio lag ≤ ${AUDIO_LAG_LIMIT_MS} ms, and at most ${UNFINISHED_LIMIT * 100} % of the segments closed during the trial had no sentence 5 s after it ("unfinished": a segment whose text is empty emits no sentence either, which the random-weight stand-in does on some short segments).`, '');
	add('| precision | streams | sentences | latency p50 | p95 | max | unfinished | audio lag p95 / max | cores busy: machine / pipeline process | verdict |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
	for (const series of results.live) {
		for (const trial of [...series.trials].sort((a, b) => a.streams - b.streams)) {
			const judged = judgeLive(trial);
			const latencies = trial.samples.map((sample) => sample.latencyMs);
			add(`| ${series.precision} | ${trial.streams} | ${trial.samples.length} | ${judged.p50.toFixed(0)} ms | ${judged.p95.toFixed(0)} ms | ${latencies.length ? Math.max(...latencies).toFixed(0) : '–'} ms | ${trial.unfinished} | ${trial.audioLagMs.p95.toFixed(0)} / ${trial.audioLagMs.max.toFixed(0)} ms | ${trial.busyCores ? `${trial.busyCores.machine.toFixed(2)} / ${trial.busyCores.process.toFixed(2)}` : '–'} | ${judged.sustained ? 'sustained' : 'falls behind'} |`);
		}
	}
	add('');
	for (const series of results.live) {
		const most = sustainedStreams(series.trials);
		const best = series.trials.find((trial) => trial.streams === most);
		const busy = best?.busyCores ? ` — with ${best.busyCores.machine.toFixed(2)} of ${results.machine.cores} cores busy (the pipeline process ${best.busyCores.process.toFixed(2)}, the rest mostly ffmpeg and nginx)` : '';
		add(`- ${series.precision}: **${most} stream${most === 1 ? '' : 's'}** sustained by one process (first guess from the pipeline's RTF: ${series.estimatedStreams})${busy}.`);
	}
	for (const precision of ['fp32', 'int8'] as const) {
		const latency = singleStreamLatency(results, precision);
		if (latency && latency.fiveSeconds.length > 0) add(`- ${precision}, one stream: sentences of ${SENTENCE_SECONDS[0]}–${SENTENCE_SECONDS[1]} s arrive p50 ${quantile(latency.fiveSeconds, 0.5).toFixed(0)} ms, p95 ${quantile(latency.fiveSeconds, 0.95).toFixed(0)} ms after their VAD end (${latency.fiveSeconds.length} sentences).`);
	}
	add('', `![Streams against latency](${chartDir}/${CHART_FILES.live})`, '');

	add(...whatWasDone(results));

	add('## Method', '');
	add('- Every contender runs in a child process of its own (one process tree, one run): ours and sherpa-onnx bring different onnxruntime builds, and a process\'s CPU time is then its own. Models stay loaded across rounds.');
	add('- Paraformer alone, the pipeline and sherpa-onnx see the same segments: the pipeline cuts them itself with the same VAD (its texts are compared with Paraformer alone\'s above); sherpa-onnx gets them as samples in [-1, 1] prepared before timing, one stream per segment, `decode` synchronously.');
	add('- The pipeline\'s time includes the VAD of the whole stream (silence too, in its own thread), the worker threads\' messages, the queue, punctuation and the front end; "around the Paraformer run" = pipeline time − onnxruntime run time.');
	add('- Peaks: one MatMul with the model\'s FFN shape and the median segment\'s rows, built by bench/peak_matmul.py (int8: the generator\'s own quantiser, then int8 weights as the engine loads them), run back to back for 1.5 s with the engine\'s session options.');
	add(`- Results as JSON: ${chartDir}/results.json. \`npm run bench -- --quick\` runs one round and short live trials, writing to bench/results/quick/.`);
	add('');
	return `${lines.join('\n')}\n`;
}

/** What the measurements pointed at, what was changed, and what is left. */
function whatWasDone(results: BenchResults): string[] {
	const figures = results.groups.map(groupFigures);
	const find = (precision: string, threads: number) => figures.find((f) => f.group.precision === precision && f.group.threads === threads);
	const int8Gain = [1, 2].map((threads) => {
		const fp32 = find('fp32', threads);
		const int8 = find('int8', threads);
		return fp32 && int8 ? `${(fp32.runOnly / int8.runOnly).toFixed(1)}× at ${threads} thread${threads > 1 ? 's' : ''}` : null;
	}).filter((text) => text !== null);
	const vad = median(results.stages.find((row) => row.stage === 'VAD')?.rtf.wall ?? []);
	const around = (key: 'overhead' | 'overheadCpu') => figures.map((f) => `${f.group.precision} ${f.group.threads}t ${(f[key] * 100).toFixed(1)} %`).join(', ');
	const lines = ['## What the numbers pointed at', ''];
	lines.push(`- **int8 did not pay.** FunASR quantises with uint8 weights; onnxruntime's fast int8 kernels on x86 (AVX-VNNI, AVX512-VNNI, AMX) multiply uint8 by *int8*, so model_quant.onnx ran no faster than fp32 here. The engine now shifts each MatMulInteger's weights and zero points by 128 into int8 when it loads an int8 model on such a CPU (engine/runtime/signed-int8-weights.ts; the same integer products, bit-identical logits, checked in test/unit/runtime). int8 over fp32 in this run: ${int8Gain.join(', ') || 'not measured'}. sherpa-onnx runs FunASR's file as it is.`);
	lines.push('- **Two threads collapsed under other load.** onnxruntime\'s pool threads spin while they wait; when another process takes one of the two cores every operator waits for the descheduled thread. Measured before the change, same process, interleaved: the fp32 stand-in at two threads took RTF 0.106 spinning against 0.063 not (int8 0.037 against 0.020) while other work kept the machine busy; at one thread it makes no difference. The engine\'s sessions no longer spin (engine/runtime/onnx-session.ts). The price on an idle machine, measured once (2026-11-23, Paraformer alone, fp32, two threads, 10 s segments): RTF 0.0313 not spinning against 0.0287 spinning, which is what sherpa-onnx does (onnxruntime\'s default) and most of why it is ahead at two threads in fp32 above. Turning off the memory arena or the memory pattern changed nothing measurable at one thread (within 2 %).');
	lines.push(`- **The VAD was most of what surrounded the Paraformer run**: RTF ${fixed(vad)} for 100 ms chunks, mostly onnxruntime's fixed cost per call (~0.2 ms for 10 frames, against ~8 ms for 700 frames in one call). onnxruntime-node runs a session synchronously on the calling thread, so with one inference worker every VAD chunk waited behind a running recognition and added to the pipeline's time (the previous run: 15–46 % around the Paraformer run; fp32 0.97×, int8 2.22× sherpa-onnx at one thread). The engine now runs each stream's fbank and VAD in a VAD worker thread and recognition in a second one, and computes the fbank once per stream: a closed segment travels to the recognizer as its fbank rows (exactly those of its audio cut out alone), whose front end is left with LFR and CMVN. Around the Paraformer run in this run, wall clock: ${around('overhead')}; the CPU the VAD thread and the rest still spend: ${around('overheadCpu')}.`);
	const fp32Model = figures.filter((f) => f.group.precision === 'fp32').map((f) => `${(f.sherpa / f.model).toFixed(2)}× at ${f.group.threads}t`).join(', ');
	const fp32TwoThreads = find('fp32', 2);
	if (fp32Model) lines.push(`- **fp32 is bound by onnxruntime's own kernels**: Paraformer alone (run, tensors, argmax; no VAD, no punctuation) is ${fp32Model} faster than sherpa-onnx, whose contender recognises pre-cut segments and runs no VAD; 82 % of the fp32 run is MatMul at ${'~'}85 % of the machine's measured MatMul peak (Physical limit above), so the pipeline cannot pass 1.15× in fp32 without a faster MatMul than onnxruntime's${fp32TwoThreads ? `, and a 5 s sentence's run alone takes about ${(fp32TwoThreads.runOnly * 5 * 1000).toFixed(0)} ms at two threads here, above the 150 ms latency goal` : ''}. int8 is the answer for speed: the catalog's default.`);
	lines.push('- **Batching pays only with two threads.** Measured once (Paraformer alone, 12 segments of 2–7.5 s, sorted batches of 8 against one by one): one thread, fp32 2.9 → 3.2 s and int8 0.94 → 0.98 s (padding, nothing more to parallelise); two threads, fp32 1.95 → 1.86 s and int8 0.92 → 0.71 s. The recognizer now batches (the oldest waiting segment with those closest to it in size) only at two threads or more, and a stream\'s backlog reaches it together (up to 8 segments in flight, delivered in order). A finding left for later: int8\'s second thread adds little to one segment\'s run (5 s segments: RTF 0.0183 at one thread, 0.0170 at two), so for many int8 streams two single-threaded recognizer workers would nearly double the throughput, at twice the memory.');
	const idle = results.live.map((series) => {
		const best = series.trials.find((trial) => trial.streams === sustainedStreams(series.trials));
		return best?.busyCores ? `${series.precision} ${best.streams} streams: ${(results.machine.cores - best.busyCores.machine).toFixed(1)} cores idle` : null;
	}).filter((text) => text !== null);
	const fp32Live = results.live.find((series) => series.precision === 'fp32');
	const int8Live = results.live.find((series) => series.precision === 'int8');
	const fp32Run = find('fp32', 2);
	const int8Run = find('int8', 2);
	const scaling = fp32Live && int8Live && fp32Run && int8Run && sustainedStreams(fp32Live.trials) > 0
		? `, and int8, ${(fp32Run.runOnly / int8Run.runOnly).toFixed(1)}× cheaper per recognition, sustains ${(sustainedStreams(int8Live.trials) / sustainedStreams(fp32Live.trials)).toFixed(1)}× the streams`
		: '';
	if (idle.length > 0) lines.push(`- **Live capacity**: the streams' recognitions take turns on the recognizer thread (each run on its onnxruntime threads) while the VAD thread keeps every stream's audio moving. At the most streams sustained: ${idle.join('; ')}, with the publishers, nginx and one ffmpeg reader per stream on the same two cores${scaling}.`);
	lines.push('- **Model load takes seconds** (see the load row): mostly onnxruntime\'s graph optimisation of an 865 MB graph. Saving the optimised graph once (onnxruntime\'s optimizedModelFilePath) would shorten every later start; not done.');
	lines.push('');
	return lines;
}

/** Which stage dominates the pipeline, from the numbers. */
function dominance(results: BenchResults): string[] {
	const f = results.groups.map(groupFigures).find((figures) => figures.group.precision === 'fp32' && figures.group.threads === 1);
	if (!f) return [];
	const stageRtf = (name: string) => median(results.stages.find((row) => row.stage === name && row.precision === 'fp32')?.rtf.wall ?? []);
	return [
		`The fp32 one-thread pipeline takes ${(f.pipeline / f.runOnly).toFixed(3)}× the time of Paraformer alone's runs. The fbank and FSMN-VAD (RTF ${fixed(stageRtf('VAD'))}, its fbank included) run on the VAD thread beside it, so they add CPU (the pipeline's CPU time is ${(f.overheadCpu * 100).toFixed(1)} % above Paraformer alone's), not wall time; punctuation (RTF ${fixed(stageRtf('punctuation'))}), LFR, CMVN and the messages are on the recognizer thread's path.`,
		'',
	];
}

/** A few lines for the terminal. */
export function renderSummary(results: BenchResults): string {
	const lines = ['', `Benchmark (${results.quick ? 'quick' : `${results.rounds} rounds`}), ${results.machine.cpuModel}, ${results.machine.cores} cores, other load ${results.othersLoad.toFixed(2)} cores`];
	for (const f of results.groups.map(groupFigures)) {
		lines.push(`  ${f.group.precision} ${f.group.threads}t  RTF model run ${fixed(f.runOnly)}  pipeline ${fixed(f.pipeline)}  sherpa-onnx ${fixed(f.sherpa)}  (${f.speedup.toFixed(2)}× sherpa, overhead ${(f.overhead * 100).toFixed(1)} %)`);
	}
	for (const series of results.live) lines.push(`  live ${series.precision} ${series.threads}t: ${sustainedStreams(series.trials)} streams sustained`);
	for (const target of targets(results)) lines.push(`  [${target.verdict}] ${target.name}: ${target.measured}`);
	return lines.join('\n');
}
