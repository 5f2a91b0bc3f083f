import { ort } from '../../engine/onnx/onnx-session.js';
import { readModelForThisCpu } from '../../engine/onnx/signed-int8-weights.js';
import type { Contender } from './contender.js';

const MEASURE_MS = 1500;

/**
 * The machine's attainable peak on the model's GEMM shapes: `pairs` feed-forward pairs
 * ([rows, inner] × [inner, outer] × [outer, inner], bench/peak_matmul.py) in one run, back to back.
 * Per second of wall clock and per second of CPU (the latter holds on a machine other processes share).
 */
export async function matmulContender(
	modelPath: string,
	threads: number,
	rows: number,
	inner: number,
	outer: number,
	pairs: number,
): Promise<Contender> {
	// As the engine's sessions run (engine/onnx/onnx-session.ts): int8 weights where this CPU is
	// faster with them, no spinning.
	const session = await ort.InferenceSession.create(readModelForThisCpu(modelPath).model, {
		intraOpNumThreads: threads,
		interOpNumThreads: 1,
		executionMode: 'sequential',
		graphOptimizationLevel: 'all',
		extra: { session: { intra_op: { allow_spinning: '0' } } },
	});
	const input = new Float32Array(rows * inner);
	for (let i = 0; i < input.length; i++) input[i] = Math.sin(i) * 100;
	const feeds = { x: new ort.Tensor('float32', input, [rows, inner]) };
	for (let i = 0; i < 5; i++) await session.run(feeds);
	return {
		async pass() {
			let runs = 0;
			const cpuBefore = process.cpuUsage();
			const started = performance.now();
			while (performance.now() - started < MEASURE_MS) {
				await session.run(feeds);
				runs++;
			}
			const seconds = (performance.now() - started) / 1000;
			const cpu = process.cpuUsage(cpuBefore);
			const ops = pairs * 2 * (2 * rows * inner * outer) * runs;
			return {
				data: {
					opsPerSecond: ops / seconds,
					opsPerCpuSecond: ops / ((cpu.user + cpu.system) / 1e6),
				},
			};
		},
		close: () => session.release(),
	};
}
