import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { boundToParent } from '../../engine/source/child-lifetime.js';
import { sharedPath } from './paths.js';

/**
 * - 'file': the audio of `file`
 * - 'silence': digital silence (lavfi anullsrc)
 * - 'video-only': a test pattern (lavfi testsrc, H.264, a key frame every second), no audio track
 * - 'video-and-audio': the test pattern and the audio of `file`, ending with the audio
 * - 'flv-copy': `file` is FLV with AAC already (see encodedFlv), sent by stream copy: the publisher
 *   costs almost no CPU, so that a benchmark or soak measures the product and not its publishers
 */
export type PublisherContent = 'file' | 'silence' | 'video-only' | 'video-and-audio' | 'flv-copy';

export interface PublisherOptions {
	/** rtmp://host:port/app/key */
	url: string;
	content?: PublisherContent;
	/** Default: the toy stream (44 s of synthetic Mandarin with pauses). */
	file?: string;
	/** ffmpeg's -stream_loop: extra passes over the file, -1 forever. */
	loops?: number;
	/** AAC channels and rate; default stereo 44.1 kHz like most encoders. */
	channels?: number;
	sampleRate?: number;
	ffmpegPath?: string;
}

export interface PublisherExit {
	exitCode: number | undefined;
	signal: string | undefined;
	stderr: string;
}

export interface Publisher {
	readonly pid: number;
	readonly exited: Promise<PublisherExit>;
	kill(signal?: NodeJS.Signals): void;
	/** SIGSTOP: the connection stays open and silent, like a stalled encoder. */
	pause(): void;
	/** SIGCONT */
	resume(): void;
	/** Ends publishing (SIGCONT in case it is paused, SIGTERM, SIGKILL after 2 s) and waits for the exit. */
	stop(): Promise<PublisherExit>;
}

const STOP_GRACE_MS = 2000;

/** Publishes in real time (`-re`) to an RTMP URL with ffmpeg, as OBS or an encoder would. */
export function startPublisher(options: PublisherOptions): Publisher {
	const command = boundToParent(options.ffmpegPath ?? 'ffmpeg', publisherArgs(options));
	const subprocess = execa(command.file, command.args, {
		stdin: 'ignore',
		reject: false,
		cleanup: true,
		forceKillAfterDelay: STOP_GRACE_MS,
	});
	const pid = subprocess.pid;
	if (pid === undefined) throw new Error(`The publisher could not be started (${command.file}).`);
	const exited = subprocess.then((result) => ({
		exitCode: result.exitCode,
		signal: result.signal,
		stderr: String(result.stderr),
	}));
	const signal = (name: NodeJS.Signals) => {
		try {
			process.kill(pid, name);
		} catch {
			// Already gone.
		}
	};
	return {
		pid,
		exited,
		kill: (name: NodeJS.Signals = 'SIGTERM') => signal(name),
		pause: () => signal('SIGSTOP'),
		resume: () => signal('SIGCONT'),
		stop: async () => {
			signal('SIGCONT');
			subprocess.kill('SIGTERM');
			return exited;
		},
	};
}

function publisherArgs(options: PublisherOptions): string[] {
	const file = options.file ?? sharedPath('audio', 'toy', 'toy_stream.wav');
	const loops = String(options.loops ?? 0);
	const channels = options.channels ?? 2;
	const audioOut = [
		'-c:a',
		'aac',
		'-ar',
		String(options.sampleRate ?? 44100),
		'-ac',
		String(channels),
	];
	const videoOut = [
		'-c:v',
		'libx264',
		'-preset',
		'ultrafast',
		'-tune',
		'zerolatency',
		'-g',
		'25',
		'-pix_fmt',
		'yuv420p',
	];
	const pattern = ['-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25'];
	const head = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
	const tail = ['-f', 'flv', options.url];
	switch (options.content ?? 'file') {
		case 'file':
			return [...head, '-re', '-stream_loop', loops, '-i', file, '-vn', ...audioOut, ...tail];
		case 'flv-copy':
			return [...head, '-re', '-stream_loop', loops, '-i', file, '-c', 'copy', ...tail];
		case 'silence':
			return [
				...head,
				'-re',
				'-f',
				'lavfi',
				'-i',
				`anullsrc=r=${options.sampleRate ?? 44100}:cl=${channels === 1 ? 'mono' : 'stereo'}`,
				...audioOut,
				...tail,
			];
		case 'video-only':
			return [...head, ...pattern, '-an', ...videoOut, ...tail];
		case 'video-and-audio':
			return [
				...head,
				...pattern,
				'-re',
				'-stream_loop',
				loops,
				'-i',
				file,
				'-map',
				'0:v',
				'-map',
				'1:a',
				'-shortest',
				...videoOut,
				...audioOut,
				...tail,
			];
	}
}

/**
 * `file` encoded once as FLV with AAC (as a publisher's 'file' content would send it), cached under
 * ~/.cache/rtmp-asr/flv by its content and the encoding, for publishers with content 'flv-copy'.
 */
export async function encodedFlv(
	file: string,
	options: Pick<PublisherOptions, 'channels' | 'sampleRate' | 'ffmpegPath'> = {},
): Promise<string> {
	const channels = options.channels ?? 2;
	const sampleRate = options.sampleRate ?? 44100;
	const key = createHash('sha256')
		.update(readFileSync(file))
		.update(`aac ${sampleRate} ${channels}`)
		.digest('hex')
		.slice(0, 24);
	const dir = join(homedir(), '.cache', 'rtmp-asr', 'flv');
	const cached = join(dir, `${key}.flv`);
	if (existsSync(cached)) return cached;
	mkdirSync(dir, { recursive: true });
	// Written aside and renamed: a concurrent encoder or a killed one never leaves a partial file in place.
	const partial = join(dir, `${key}.${process.pid}.partial.flv`);
	const command = boundToParent(options.ffmpegPath ?? 'ffmpeg', [
		'-hide_banner',
		'-nostdin',
		'-loglevel',
		'error',
		'-y',
		'-i',
		file,
		'-vn',
		'-c:a',
		'aac',
		'-ar',
		String(sampleRate),
		'-ac',
		String(channels),
		'-f',
		'flv',
		partial,
	]);
	await execa(command.file, command.args, { stdin: 'ignore' });
	renameSync(partial, cached);
	return cached;
}
