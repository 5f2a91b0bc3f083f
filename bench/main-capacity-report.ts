import type { MainTrial } from './contenders/main-cpu.js';
import { mainCpuPerStreamSecond, streamsPerBox, type MainCapacity } from './main-capacity.js';
import { describeLayout } from './results.js';

const perStream = (trial: MainTrial, cores: number) => (cores / trial.streams).toFixed(4);

/** The "n8n main with recognition remote" section: a table of the trials, then remote over local per stream count. */
export function renderMainCapacity(capacity: MainCapacity): string[] {
	const lines = ['## The n8n main with recognition on FunASR servers', ''];
	lines.push(
		`What the n8n main spends per live stream when recognition runs on FunASR servers, against recognizing on the main itself (LivePipeline, ${capacity.precision}, ${describeLayout(capacity)}), side by side in one run on the same stream-copy RTMP publishers and the same audio as the live trials. Remote: one ServerPipeline per stream (its ffmpeg reader, PCM forwarded over a websocket, no VAD on the main, one emit per sentence) to the protocol-faithful FunASR 2pass test server in a process of its own (FSMN-VAD and the toy Paraformer: its CPU is the server's, counted apart and not comparable with a real server's). CPU per stream-second from /proc/<pid>/stat over the trial, after 5 s to settle; the bound is the machine's ${capacity.cores} cores ÷ the main's CPU per stream-second (process and readers), nothing else on the box: not a latency-judged capacity.`,
		'',
	);
	lines.push(
		'| streams | recognition | sentences | latency p50 / p95 (end of speech → sentence) | main process | its ffmpeg readers | **main incl. readers** | FunASR server process | publishers + nginx, cores | machine busy, cores | **streams per box, main alone** |',
		'| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
	);
	for (const trial of capacity.trials)
		lines.push(
			`| ${trial.streams} | ${trial.recognition} | ${trial.sentences} | ${trial.latencyMs.p50.toFixed(0)} / ${trial.latencyMs.p95.toFixed(0)} ms | ${perStream(trial, trial.cpu.pipeline)} | ${perStream(trial, trial.cpu.readers)} | **${mainCpuPerStreamSecond(trial).toFixed(4)}** | ${trial.recognition === 'remote' ? perStream(trial, trial.cpu.server) : '–'} | ${(trial.cpu.publishers + trial.cpu.nginx).toFixed(2)} | ${trial.machine.toFixed(2)} | **${streamsPerBox(trial, capacity.cores).toFixed(0)}** |`,
		);
	lines.push('', 'CPU columns per stream-second unless marked cores.', '');
	for (const streams of [...new Set(capacity.trials.map((trial) => trial.streams))]) {
		const remote = capacity.trials.find((t) => t.streams === streams && t.recognition === 'remote');
		const local = capacity.trials.find((t) => t.streams === streams && t.recognition === 'local');
		if (!remote || !local) continue;
		lines.push(
			`- ${streams} streams: the main spends ${(mainCpuPerStreamSecond(local) / mainCpuPerStreamSecond(remote)).toFixed(1)}× less CPU per stream with recognition remote (${mainCpuPerStreamSecond(remote).toFixed(4)} against ${mainCpuPerStreamSecond(local).toFixed(4)}); of the remote main's, the ffmpeg readers are ${((remote.cpu.readers / (remote.cpu.pipeline + remote.cpu.readers)) * 100).toFixed(0)} %.`,
		);
	}
	lines.push('');
	return lines;
}
