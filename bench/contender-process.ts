import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type {
	ChildMessage,
	ContenderSpec,
	PassResult,
	SetupMessage,
} from './contender-protocol.js';

export type Context = Omit<SetupMessage, 'type' | 'spec'>;

/** The parent's handle on one contender child process. */
export class ContenderProcess {
	private constructor(
		readonly spec: ContenderSpec,
		private readonly child: ChildProcess,
		readonly loadMs: number,
		readonly rssBytes: number,
	) {}

	static async start(spec: ContenderSpec, context: Context): Promise<ContenderProcess> {
		const child = fork(join(__dirname, 'contender.js'), [], {
			execArgv: ['--expose-gc'],
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
			serialization: 'advanced',
		});
		const setup: SetupMessage = { type: 'setup', spec, ...context };
		child.send(setup);
		try {
			const ready = await nextMessage(child, spec);
			if (ready.type !== 'ready') throw new Error(`unexpected ${ready.type}`);
			return new ContenderProcess(spec, child, ready.loadMs, ready.rssBytes);
		} catch (error) {
			child.kill();
			throw error;
		}
	}

	async pass(): Promise<PassResult> {
		this.child.send({ type: 'pass' });
		const reply = await nextMessage(this.child, this.spec);
		if (reply.type !== 'result') throw new Error(`unexpected ${reply.type}`);
		return reply.result;
	}

	async stop(): Promise<void> {
		if (this.child.exitCode !== null || this.child.signalCode !== null) return;
		const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
		this.child.send({ type: 'exit' });
		const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
		await exited;
		clearTimeout(timer);
	}
}

/** Runs a contender for one pass in a fresh child process. */
export async function runOnce(spec: ContenderSpec, context: Context): Promise<PassResult> {
	const contender = await ContenderProcess.start(spec, context);
	try {
		return await contender.pass();
	} finally {
		await contender.stop();
	}
}

export function describeSpec(spec: ContenderSpec): string {
	const parts: string[] = [spec.kind];
	if ('family' in spec && spec.family) parts.push(spec.family);
	if ('recognition' in spec) parts.push(spec.recognition);
	if ('precision' in spec) parts.push(spec.precision);
	if ('threads' in spec)
		parts.push(
			'recognizers' in spec && spec.recognizers > 1
				? `${spec.recognizers}×${spec.threads}t`
				: `${spec.threads}t`,
		);
	if ('streams' in spec) parts.push(`${spec.streams} streams`);
	return parts.join(' ');
}

function nextMessage(child: ChildProcess, spec: ContenderSpec): Promise<ChildMessage> {
	return new Promise((resolve, reject) => {
		const onMessage = (message: ChildMessage) => {
			cleanup();
			if (message.type === 'failed')
				reject(new Error(`${describeSpec(spec)} failed: ${message.error}`));
			else resolve(message);
		};
		const onExit = (code: number | null, signal: string | null) => {
			cleanup();
			reject(new Error(`${describeSpec(spec)} exited (${code ?? signal}) before answering`));
		};
		const cleanup = () => {
			child.off('message', onMessage);
			child.off('exit', onExit);
		};
		child.on('message', onMessage);
		child.on('exit', onExit);
	});
}
