import { EngineError, type EngineErrorCode } from '../errors.js';
import type { StreamInput } from './stream-url.js';

/**
 * Why ffmpeg stopped delivering audio. What ffmpeg 5.1 prints for each (measured against
 * nginx-rtmp, HTTP and local files) is in the patterns below.
 */
export type StreamFailureReason =
	| 'connection-refused'
	| 'host-not-found'
	/** The server closed the connection before any audio: wrong application, rejected key, refused play. */
	| 'rejected'
	/** The server said the stream does not exist (HTTP 404, nginx-rtmp with `idle_streams off`). */
	| 'not-found'
	/** No data for the read timeout: nobody publishing, a stalled publisher, or a silent network. */
	| 'timeout'
	/** The connection broke while audio was flowing (server stopped or reset). */
	| 'connection-lost'
	| 'no-audio'
	| 'not-audio'
	| 'unreadable'
	/** A protocol the input needs is outside its whitelist (a playlist pointing at local files, an http → https redirect). */
	| 'protocol-blocked'
	| 'ffmpeg-missing'
	/** The system refused to start ffmpeg: its arguments and environment are too long (E2BIG). */
	| 'command-too-long'
	| 'killed'
	| 'failed';

export class StreamError extends EngineError {
	readonly reason: StreamFailureReason;
	/** ffmpeg's last stderr lines, redacted. */
	readonly stderr: readonly string[];

	constructor(
		reason: StreamFailureReason,
		code: EngineErrorCode,
		message: string,
		fix: string,
		options: { fatal: boolean; stderr: readonly string[] },
	) {
		super(code, message, fix, { fatal: options.fatal });
		this.name = 'StreamError';
		this.reason = reason;
		this.stderr = options.stderr;
	}
}

/** How an ffmpeg run ended, as the source observed it. */
export interface FfmpegExit {
	input: StreamInput;
	exitCode: number | undefined;
	signal: string | undefined;
	/** ffmpeg's last stderr lines as printed: a stream key that is also a word ("stream") must not hide a message. */
	stderr: readonly string[];
	/** Masks secrets in what the error carries. */
	redact: (text: string) => string;
	/** PCM bytes received. */
	audioBytes: number;
	/** From spawn to exit. */
	runMs: number;
	/** From the last audio to exit. */
	idleMs: number;
	readTimeoutMs: number;
}

/** Failures described from the exit alone; a blocked protocol is named, a spawn failure has no exit. */
type ExitReason = Exclude<StreamFailureReason, 'protocol-blocked' | 'command-too-long'>;

interface Rule {
	pattern: RegExp;
	reason: ExitReason;
	/** Only for local files, where the same words mean something else than on a network. */
	fileOnly?: boolean;
}

/**
 * What ffmpeg 5.1 prints when an input points it to a protocol it may not open, with the
 * protocol's name in the first group: the whitelist itself, and the HLS demuxer's own refusals of
 * playlist entries that are not http(s) (`concat:…` segments, `data:` segments and keys).
 */
const BLOCKED_PROTOCOL = [
	/Protocol '([^']+)' not on whitelist/,
	/Error when loading first segment '(?!https?:)([a-z][a-z0-9+.-]*):/i,
	/URL (?!https?:)([a-z][a-z0-9+.-]*):\S* is not in allowed_segment_extensions/i,
	/Filename extension of '(?!https?:)([a-z][a-z0-9+.-]*):[^']*' is not a common multimedia extension/i,
	/Unable to open key file (?!https?:)([a-z][a-z0-9+.-]*):/i,
];

/** First match wins; order matters where one failure prints several of these lines. */
const RULES: readonly Rule[] = [
	{ pattern: /failed to execute/, reason: 'ffmpeg-missing' },
	{ pattern: /matches no streams|does not contain any stream/, reason: 'no-audio' },
	{ pattern: /Connection refused/, reason: 'connection-refused' },
	{
		pattern:
			/Failed to resolve hostname|Name or service not known|Temporary failure in name resolution|No address associated/,
		reason: 'host-not-found',
	},
	{
		pattern: /No such stream|Server returned 404|404 Not Found|Stream not found/,
		reason: 'not-found',
	},
	{
		pattern: /Server returned 40[13]|40[13] (Forbidden|Unauthorized)|Server error:/,
		reason: 'rejected',
	},
	{ pattern: /timed out/i, reason: 'timeout' },
	{
		pattern: /No such file or directory|Permission denied|Is a directory/,
		reason: 'unreadable',
		fileOnly: true,
	},
	{
		pattern:
			/Invalid data found when processing input|Invalid argument|could not find codec parameters|Unknown format/,
		reason: 'not-audio',
		fileOnly: true,
	},
];

/** A read that ended with an I/O error: refused play, reset connection, or the read timeout. */
const IO_ERROR = /Input\/output error/;

/** The failure behind an ffmpeg exit, or undefined for a clean end of stream. */
export function classifyFfmpegExit(exit: FfmpegExit): StreamError | undefined {
	if (exit.signal !== undefined) return describe(exit, 'killed');
	const text = exit.stderr.join('\n');
	const blocked = exit.exitCode === 0 ? undefined : blockedProtocol(text);
	if (blocked !== undefined) return describeBlocked(exit, blocked);
	// With exit code 0 such lines were warnings about single packets, not the end of the run.
	const rule =
		exit.exitCode === 0
			? undefined
			: RULES.find(
					(candidate) =>
						candidate.pattern.test(text) && (!candidate.fileOnly || !exit.input.isNetwork),
				);
	if (rule) return describe(exit, rule.reason);
	if (exit.input.isNetwork && IO_ERROR.test(text)) {
		if (exit.audioBytes > 0)
			return describe(exit, exit.idleMs >= exit.readTimeoutMs ? 'timeout' : 'connection-lost');
		return describe(exit, exit.runMs >= exit.readTimeoutMs ? 'timeout' : 'rejected');
	}
	if (exit.exitCode === 0) return undefined;
	return describe(exit, 'failed');
}

function describe(exit: FfmpegExit, reason: ExitReason): StreamError {
	const where = exit.input.display;
	const seconds = `${Math.round(exit.readTimeoutMs / 100) / 10} s`;
	switch (reason) {
		case 'connection-refused':
			return failure(
				exit,
				reason,
				`Connection to ${where} was refused.`,
				'Check the host and port, and that the streaming server is running.',
			);
		case 'host-not-found':
			return failure(
				exit,
				reason,
				`The host of ${where} was not found.`,
				'Check the host name in the URL and the DNS of the machine running n8n.',
			);
		case 'rejected':
			return failure(
				exit,
				reason,
				`The server closed the connection to ${where} before sending audio.`,
				"Check the application name and the stream key in the URL, and the server's access rules (on_play, tokens).",
			);
		case 'not-found':
			return failure(
				exit,
				reason,
				`The server has no stream at ${where}.`,
				'Check the stream name or key, and that someone is publishing it.',
			);
		case 'timeout':
			return failure(
				exit,
				reason,
				`No data from ${where} for ${seconds}.`,
				'Check that someone is publishing the stream; it is retried.',
				'STREAM_STALLED',
			);
		case 'connection-lost':
			return failure(
				exit,
				reason,
				`The connection to ${where} ended.`,
				'The server or the publisher stopped; it is retried.',
			);
		case 'no-audio':
			return failure(
				exit,
				reason,
				`${where} has no audio track.`,
				exit.input.isNetwork
					? 'Publish the stream with audio.'
					: 'Give a file that contains audio.',
				'INPUT_NOT_AUDIO',
			);
		case 'not-audio':
			return failure(
				exit,
				reason,
				`${where} is not an audio or video file ffmpeg can read.`,
				'Give a file in a format ffmpeg supports (wav, mp3, m4a, flac, mp4…).',
				'INPUT_NOT_AUDIO',
			);
		case 'unreadable':
			return failure(
				exit,
				reason,
				`${where} cannot be read.`,
				'Check the path and its permissions.',
				'INPUT_UNREADABLE',
			);
		case 'ffmpeg-missing':
			return failure(
				exit,
				reason,
				'ffmpeg could not be started.',
				'Install ffmpeg or set the ffmpeg path option to the binary.',
				'FFMPEG_MISSING',
			);
		case 'killed':
			return failure(
				exit,
				reason,
				`ffmpeg reading ${where} was killed by ${exit.signal}.`,
				'Check the system log (out of memory?).',
			);
		case 'failed':
			return failure(
				exit,
				reason,
				`ffmpeg failed reading ${where}: ${lastLine(exit)}`,
				exit.input.isNetwork
					? "The stream is retried; see the log for ffmpeg's messages."
					: 'Check that the file is a complete audio or video file.',
			);
	}
}

function blockedProtocol(text: string): string | undefined {
	for (const pattern of BLOCKED_PROTOCOL) {
		const match = pattern.exec(text);
		if (match) return match[1].toLowerCase();
	}
	return undefined;
}

function describeBlocked(exit: FfmpegExit, protocol: string): StreamError {
	const where = exit.input.display;
	// http follows a redirect itself and opens https as tls; an HLS playlist cannot name tls://.
	if (exit.input.protocol === 'http' && protocol === 'tls') {
		return failure(
			exit,
			'protocol-blocked',
			`The server redirected ${where} to https, which an http:// input may not open (protocol not allowed: ${protocol}).`,
			'Use the https:// URL of the stream.',
			'BAD_OPTION',
		);
	}
	const allowed = `Only ${exit.input.protocols.join(', ')} are allowed for a ${exit.input.protocol} input`;
	const fix =
		exit.input.protocol === 'http' && protocol === 'https'
			? 'Use the https:// URL of the stream (an https input may open http too).'
			: `${allowed}; serve the playlist and everything it names through the same protocol.`;
	return failure(
		exit,
		'protocol-blocked',
		`${where} points ffmpeg to a protocol this input may not use (protocol not allowed: ${protocol}).`,
		fix,
		'BAD_OPTION',
	);
}

/** Why ffmpeg could not be started at all (execa's error code, such as ENOENT or E2BIG). */
export function describeSpawnFailure(spawn: {
	binary: string;
	code: string | undefined;
	stderr: readonly string[];
	redact: (text: string) => string;
}): StreamError {
	const options = { fatal: true, stderr: spawn.stderr };
	if (spawn.code === 'E2BIG') {
		return new StreamError(
			'command-too-long',
			'BAD_OPTION',
			`ffmpeg (${spawn.binary}) could not be started: its command line and environment are longer than the system allows (E2BIG).`,
			'Shorten the stream URL, and check for very large environment variables in the process running n8n.',
			options,
		);
	}
	const cause = spawn.redact(spawn.code ?? 'unknown error');
	return new StreamError(
		'ffmpeg-missing',
		'FFMPEG_MISSING',
		`ffmpeg (${spawn.binary}) could not be started: ${cause}.`,
		'Install ffmpeg or set the ffmpeg path option to the binary.',
		options,
	);
}

/** Network failures are retried by the supervisor; configuration errors and bad files are not. */
const ALWAYS_FATAL = new Set<StreamFailureReason>([
	'protocol-blocked',
	'ffmpeg-missing',
	'command-too-long',
]);

function failure(
	exit: FfmpegExit,
	reason: StreamFailureReason,
	message: string,
	fix: string,
	code: EngineErrorCode = 'STREAM_FAILED',
): StreamError {
	const fatal = ALWAYS_FATAL.has(reason) || !exit.input.isNetwork;
	return new StreamError(reason, code, exit.redact(message), fix, {
		fatal,
		stderr: exit.stderr.map(exit.redact),
	});
}

function lastLine(exit: FfmpegExit): string {
	return exit.stderr[exit.stderr.length - 1] ?? `exit code ${exit.exitCode}`;
}
