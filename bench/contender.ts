import { performance } from 'node:perf_hooks';
import type { ChildMessage, ParentMessage, SetupMessage } from './contender-protocol.js';
import { createContender, type Contender } from './contenders/index.js';
import { readThreadCpu, threadCpuBetween } from './thread-cpu.js';

// A child process of the benchmark: loads one contender, then runs a pass over the corpus whenever
// the parent asks. Each contender has a process of its own so that onnxruntime builds (ours and
// sherpa-onnx's) never share one address space, and the CPU time of a pass is this process's alone.
let contender: Contender | null = null;

process.on('message', (message: ParentMessage) => {
	void handle(message).catch((error: unknown) =>
		send({
			type: 'failed',
			error: error instanceof Error ? (error.stack ?? error.message) : String(error),
		}),
	);
});

async function handle(message: ParentMessage): Promise<void> {
	switch (message.type) {
		case 'setup':
			await setup(message);
			return;
		case 'pass': {
			if (!contender) throw new Error('pass before setup');
			const threadsBefore = readThreadCpu();
			const cpuBefore = process.cpuUsage();
			const started = performance.now();
			const output = await contender.pass();
			const wallMs = performance.now() - started;
			const cpu = process.cpuUsage(cpuBefore);
			const threadsAfter = readThreadCpu();
			const threadCpuMs =
				threadsBefore && threadsAfter ? threadCpuBetween(threadsBefore, threadsAfter) : undefined;
			send({
				type: 'result',
				result: { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, threadCpuMs, ...output },
			});
			return;
		}
		case 'exit':
			await contender?.close();
			process.disconnect();
			return;
	}
}

async function setup(message: SetupMessage): Promise<void> {
	const started = performance.now();
	contender = await createContender(message);
	send({ type: 'ready', loadMs: performance.now() - started, rssBytes: process.memoryUsage.rss() });
}

function send(message: ChildMessage): void {
	process.send?.(message);
}
