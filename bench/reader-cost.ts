import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { buildFfmpegArgs } from '../engine/source/ffmpeg-args.js';
import { parseStreamInput } from '../engine/source/stream-url.js';
import { sharedPath } from '../test/helpers/paths.js';
import { encodedFlv, startPublisher } from '../test/helpers/publisher.js';
import { startRtmpServer } from '../test/helpers/rtmp-server.js';
import { ProcessGroupCpu } from './machine.js';

/**
 * `node dist/bench/reader-cost.js [--seconds S] [--copies N]`: the CPU of the ffmpeg reader per
 * stream-second, for reader argument variants side by side in one run: one stream-copy publisher
 * to a local nginx-rtmp, N readers of each variant reading it at once (the same audio, the same
 * moments), CPU from /proc/<pid>/stat.
 */
const VARIANTS: Record<string, (args: string[]) => string[]> = {
	engine: (args) => args,
	'threads 1': (args) => beforeInput(args, ['-threads', '1', '-filter_threads', '1']),
	'filter_size 16': (args) => beforeOutput(args, ['-af', 'aresample=filter_size=16']),
	both: (args) =>
		beforeOutput(beforeInput(args, ['-threads', '1', '-filter_threads', '1']), [
			'-af',
			'aresample=filter_size=16',
		]),
};

const beforeInput = (args: string[], extra: string[]) => {
	const at = args.indexOf('-i');
	return [...args.slice(0, at), ...extra, ...args.slice(at)];
};
const beforeOutput = (args: string[], extra: string[]) => {
	const at = args.indexOf('-f', args.indexOf('-i'));
	return [...args.slice(0, at), ...extra, ...args.slice(at)];
};

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			seconds: { type: 'string', default: '30' },
			copies: { type: 'string', default: '3' },
		},
	});
	const seconds = Number(values.seconds);
	const copies = Number(values.copies);
	const server = await startRtmpServer();
	const url = server.url('live', 'reader');
	const flv = await encodedFlv(sharedPath('audio', 'toy', 'toy_stream.wav'));
	const publisher = startPublisher({ url, file: flv, content: 'flv-copy', loops: -1 });
	await sleep(1000);
	const base = buildFfmpegArgs(parseStreamInput(url));
	const readers = Object.entries(VARIANTS).flatMap(([name, variant]) =>
		Array.from({ length: copies }, () => ({
			name,
			process: execa('ffmpeg', variant(base), {
				stdout: 'ignore',
				stderr: 'ignore',
				reject: false,
			}),
		})),
	);
	await sleep(3000);
	const groups = new Map(Object.keys(VARIANTS).map((name) => [name, new ProcessGroupCpu()]));
	const pidsOf = (name: string) =>
		readers.filter((reader) => reader.name === name).map((reader) => reader.process.pid!);
	for (const [name, group] of groups) group.update(pidsOf(name));
	const started = performance.now();
	await sleep(seconds * 1000);
	const elapsed = (performance.now() - started) / 1000;
	const perStream = Object.fromEntries(
		[...groups].map(([name, group]) => [
			name,
			Math.round((group.update(pidsOf(name)) / elapsed / copies) * 1e5) / 1e5,
		]),
	);
	console.log(JSON.stringify({ seconds: elapsed, copies, cpuPerStreamSecond: perStream }));
	for (const reader of readers) reader.process.kill('SIGTERM');
	await Promise.all(readers.map((reader) => reader.process));
	await publisher.stop();
	await server.stop();
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exitCode = 1;
});
