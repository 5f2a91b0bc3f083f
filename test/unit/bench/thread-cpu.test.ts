import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { aroundBesidesVad, aroundMeetsGoal, groupFigures } from '../../../bench/findings.js';
import type { ModelGroup } from '../../../bench/results.js';
import { readThreadCpu, threadCpuBetween } from '../../../bench/thread-cpu.js';
import { workerThreadName } from '../../../engine/runtime/worker-channel.js';

const BUSY_MS = 300;

test('a worker named as the engine names the VAD worker is counted as the VAD worker', async () => {
	const before = readThreadCpu();
	assert.ok(before, 'the threads are read from /proc');
	const worker = new Worker(
		`const end = Date.now() + ${BUSY_MS}; while (Date.now() < end); require('node:worker_threads').parentPort.postMessage('done'); setTimeout(() => {}, 60000);`,
		{ eval: true, name: workerThreadName('vad') },
	);
	try {
		await new Promise((resolve) => worker.once('message', resolve));
		const spent = threadCpuBetween(before, readThreadCpu()!);
		assert.ok(spent['vad worker'] >= BUSY_MS * 0.5, `VAD worker ${spent['vad worker']} ms`);
		assert.ok(spent.recognizers === 0, `recognizers ${spent.recognizers} ms`);
		assert.ok(spent.main < spent['vad worker'], `main ${spent.main} ms`);
	} finally {
		await worker.terminate();
	}
});

function group(offRecognizers: number, total: number): ModelGroup {
	const rounds = (value: number) => [value, value, value];
	return {
		precision: 'int8',
		threads: 1,
		recognizers: 1,
		model: { wall: rounds(0.02), cpu: rounds(0.02) },
		modelRunOnly: rounds(0.019),
		pipeline: { wall: rounds(0.02), cpu: rounds(total) },
		pipelineThreads: {
			recognizers: rounds(total - offRecognizers),
			'vad worker': rounds(offRecognizers * 0.75),
			main: rounds(offRecognizers * 0.25),
			other: rounds(0),
		},
		sherpa: { wall: rounds(0.05), cpu: rounds(0.05) },
		pipelineAgreement: 1,
		sherpaAgreement: 1,
		loadSeconds: { model: 1, pipeline: 1, sherpa: 1 },
	};
}

test('the threads off the recognizers past 5 % fail the goal even when the totals differ by less', () => {
	// 0.0020 off the recognizers (10 %) while the totals differ by 2 %: the difference is noise.
	const figures = groupFigures(group(0.002, 0.0204));
	assert.ok(Math.abs(figures.offRecognizersCpu! - 0.1) < 1e-9);
	assert.equal(aroundMeetsGoal(figures), false);
	assert.equal(aroundMeetsGoal(groupFigures(group(0.0008, 0.0204))), true);
	assert.equal(aroundMeetsGoal(groupFigures(group(0.0008, 0.0215))), false);
});

test('the rest of the engine is what the threads off the recognizers spend beyond the VAD stage alone', () => {
	const figures = [groupFigures(group(0.002, 0.0204))];
	const vadStage = { stage: 'VAD (backlog)' as const, precision: 'fp32' as const, note: '' };
	const [share] = aroundBesidesVad(
		{ stages: [{ ...vadStage, rtf: { wall: [0.0012], cpu: [0.0012, 0.0014, 0.0013] } }] },
		figures,
	);
	assert.equal(share.layout, '1 thread');
	assert.ok(Math.abs(share.vad - 0.065) < 1e-9, `VAD ${share.vad}`);
	assert.ok(Math.abs(share.rest - 0.035) < 1e-9, `rest ${share.rest}`);
	assert.deepEqual(aroundBesidesVad({ stages: [] }, figures), []);
});
