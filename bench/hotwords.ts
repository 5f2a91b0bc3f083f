import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runOnce, type Context } from './contender-process.js';
import type { HotwordCost } from './contenders/hotwords.js';
import { prepareCorpus, segmentSeconds, type CorpusSegment } from './corpus.js';
import { describeMachine } from './machine.js';
import { CACHE_DIR, PYTHON, REPO_ROOT } from './paths.js';

/**
 * `npm run bench:hotwords`: what hotwords cost on a Paraformer-large-sized contextual stand-in
 * (random weights, FunASR's two graphs): embedding a list of 0, 10, 100 and 1000 hotwords once, and
 * recognizing the benchmark corpus's segments with it, one thread, fp32. Prints a Markdown table and
 * writes the figures to the cache; the stand-in is generated there on the first run (minutes).
 */
const STAND_IN = join(CACHE_DIR, 'stand-ins', 'paraformer-large-contextual');

async function main(): Promise<void> {
	if (!existsSync(join(STAND_IN, 'model_eb.onnx'))) {
		console.error(`Generating the contextual stand-in into ${STAND_IN} (once; a few minutes)...`);
		const result = spawnSync(
			PYTHON,
			[
				join(REPO_ROOT, 'tools', 'stand-ins', 'generate.py'),
				'--large-contextual',
				'--out',
				STAND_IN,
			],
			{ cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
		);
		if (result.status !== 0)
			throw new Error(
				`generate.py --large-contextual failed (exit ${result.status ?? result.signal})`,
			);
	}
	const corpus = prepareCorpus();
	const context: Context = { asrDir: STAND_IN, corpus, segments: [], texts: [] };
	context.segments = (await runOnce({ kind: 'segments' }, context)).data as CorpusSegment[];
	const costs = (await runOnce({ kind: 'hotwords', precision: 'fp32', threads: 1 }, context))
		.data as HotwordCost[];
	const speech = segmentSeconds(context.segments);
	const lines = [
		`Hotword costs, contextual Paraformer-large-size stand-in, fp32, 1 thread; ${context.segments.length} segments, ${speech.toFixed(1)} s of speech; ${describeMachine().cpuModel}`,
		'',
		'| hotwords | embedding the list (once) | recognizing the segments | RTF | slowdown |',
		'| ---: | ---: | ---: | ---: | ---: |',
		...costs.map(
			(cost) =>
				`| ${cost.hotwords} | ${cost.embeddingMs.toFixed(1)} ms | ${(cost.recognitionMs / 1000).toFixed(2)} s | ${(cost.recognitionMs / 1000 / speech).toFixed(3)} | ${cost.slowdown.toFixed(3)}× |`,
		),
	];
	console.log(lines.join('\n'));
	mkdirSync(CACHE_DIR, { recursive: true });
	writeFileSync(
		join(CACHE_DIR, 'bench-hotwords.json'),
		`${JSON.stringify({ date: new Date().toISOString(), speechSeconds: speech, segments: context.segments.length, costs }, null, '\t')}\n`,
	);
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
