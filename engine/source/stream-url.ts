import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../errors.js';
import { joinUrl, maskUrl, redactTypedUrl, splitUrl, urlSecrets } from './redact.js';

export type InputProtocol =
	'rtmp' | 'rtmps' | 'rtsp' | 'rtsps' | 'srt' | 'http' | 'https' | 'udp' | 'file';

/** A validated input, ready for ffmpeg. */
export interface StreamInput {
	protocol: InputProtocol;
	/** The argument for ffmpeg's `-i`: the scheme in lower case; local files get an explicit `file:` prefix. */
	ffmpegUrl: string;
	/** Safe to log: secrets masked. */
	display: string;
	/** A network source, live or not; false for a local file. */
	isNetwork: boolean;
	/**
	 * ffmpeg's `-protocol_whitelist`: only what this input needs, so that nothing it points to
	 * (an HLS playlist, a redirect) can make ffmpeg open local files or other protocols.
	 */
	protocols: readonly string[];
	/** Strings of the URL to mask in free text (stream key, userinfo, long query values). */
	secrets: readonly string[];
}

/** Protocols each scheme needs inside ffmpeg (its `-protocols` names); hls and crypto serve HLS playlists. */
const PROTOCOLS: Record<Exclude<InputProtocol, 'file'>, readonly string[]> = {
	rtmp: ['rtmp', 'tcp'],
	rtmps: ['rtmps', 'tls', 'tcp'],
	rtsp: ['tcp', 'udp', 'rtp'],
	rtsps: ['tls', 'tcp', 'udp', 'rtp'],
	srt: ['srt'],
	http: ['http', 'tcp', 'hls', 'crypto'],
	https: ['https', 'tls', 'tcp', 'http', 'httpproxy', 'hls', 'crypto'],
	udp: ['udp'],
};

/** Schemes that may omit the host: they can listen on a local port (udp://@:1234, srt://:9000?mode=listener). */
const LISTENING_SCHEMES = new Set(['srt', 'udp']);

/**
 * ffmpeg copies URLs into 4,096-byte buffers and silently cuts what is longer (measured with
 * ffmpeg 5.1: an http path of 5,000 bytes was requested as 4,095); past 128 KiB the system refuses
 * to start ffmpeg at all (E2BIG).
 */
export const MAX_URL_BYTES = 4095;

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)$/i;
const CONTROL_OR_SPACE = /[\s\p{Cc}]/u;

const SUPPORTED =
	'rtmp://, rtmps://, rtsp://, rtsps://, srt://, http(s):// (HLS too), udp:// or a local file path';

/**
 * Validates a stream URL or a local file path, once: the result holds everything callers need
 * (the protocol, ffmpeg's URL with the scheme in lower case, the masked display, network or not,
 * the secrets to mask). Throws EngineError (BAD_OPTION, INPUT_UNREADABLE) with secrets masked.
 */
export function parseStreamInput(input: string): StreamInput {
	const text = input.trim();
	if (text === '') {
		throw new EngineError('BAD_OPTION', 'The stream URL is empty.', `Give a URL (${SUPPORTED}).`);
	}
	const bytes = Buffer.byteLength(text);
	if (bytes > MAX_URL_BYTES) {
		throw new EngineError(
			'BAD_OPTION',
			`The stream URL is ${bytes.toLocaleString('en-US')} bytes long; ffmpeg reads at most ${MAX_URL_BYTES.toLocaleString('en-US')}.`,
			'Give the stream URL alone (no pasted text around it), with its key and tokens only once.',
		);
	}
	if (text.toLowerCase().startsWith('file:')) return parseLocalFile(fileUrlToPath(text));
	const scheme = SCHEME.exec(text)?.[1].toLowerCase();
	// "C:\audio.wav" style paths and plain paths have no scheme of two letters or more.
	if (scheme === undefined || scheme.length === 1) return parseLocalFile(text);
	if (!(scheme in PROTOCOLS)) {
		throw new EngineError(
			'BAD_OPTION',
			`Unsupported input scheme "${scheme}:" in ${redactTypedUrl(text)}.`,
			`Use ${SUPPORTED}.`,
		);
	}
	return parseNetworkUrl(text, scheme as Exclude<InputProtocol, 'file'>);
}

/**
 * The absolute path a local input names (a path or a file: URL) before anything looks at the file,
 * so that a caller can check whether it may be read first (an error about a file it may not read
 * would tell whether that file exists); null for a network URL or an empty input.
 */
export function localInputPath(input: string): string | null {
	const text = input.trim();
	if (text === '') return null;
	if (text.toLowerCase().startsWith('file:')) return resolve(fileUrlToPath(text));
	const scheme = SCHEME.exec(text)?.[1];
	return scheme === undefined || scheme.length === 1 ? resolve(text) : null;
}

function parseNetworkUrl(url: string, protocol: Exclude<InputProtocol, 'file'>): StreamInput {
	const parts = splitUrl(url);
	if (!parts || CONTROL_OR_SPACE.test(url)) {
		throw new EngineError(
			'BAD_OPTION',
			`${redactTypedUrl(url)} is not a valid URL: it contains a space, a line break or a control character.`,
			`Give one URL alone, written as ${protocol}://host[:port]/path, without comments; write a space inside it as %20.`,
		);
	}
	const display = maskUrl(parts);
	const portMatch = /:(\d*)$/.exec(parts.hostAndPort);
	const host = portMatch ? parts.hostAndPort.slice(0, portMatch.index) : parts.hostAndPort;
	if (portMatch) {
		const port = Number(portMatch[1]);
		if (portMatch[1] === '' || port < 1 || port > 65535) {
			throw new EngineError(
				'BAD_OPTION',
				`${display} has an invalid port.`,
				'Use a port between 1 and 65535, or none for the default.',
			);
		}
	}
	if (host === '' ? !LISTENING_SCHEMES.has(protocol) || !portMatch : !HOST.test(host)) {
		throw new EngineError(
			'BAD_OPTION',
			`${display} has no valid host.`,
			`Write it as ${protocol}://host[:port]/…`,
		);
	}
	const segments = parts.path.split('/').filter((segment) => segment !== '');
	if ((protocol === 'rtmp' || protocol === 'rtmps') && segments.length < 2) {
		throw new EngineError(
			'BAD_OPTION',
			`${display} has no application and stream key.`,
			`Write it as ${protocol}://host[:port]/application/streamkey (for example rtmp://host/live/mystream).`,
		);
	}
	return {
		protocol,
		ffmpegUrl: joinUrl(parts),
		display,
		isNetwork: true,
		protocols: PROTOCOLS[protocol],
		secrets: urlSecrets(parts),
	};
}

function parseLocalFile(path: string): StreamInput {
	const absolute = resolve(path);
	let isFile: boolean;
	try {
		isFile = statSync(absolute).isFile();
	} catch {
		throw new EngineError(
			'INPUT_UNREADABLE',
			`No such file: ${absolute}.`,
			`Check the path, or give a stream URL (${SUPPORTED}).`,
		);
	}
	if (!isFile) {
		throw new EngineError(
			'INPUT_UNREADABLE',
			`${absolute} is not a regular file.`,
			'Give the path of an audio or video file.',
		);
	}
	try {
		accessSync(absolute, constants.R_OK);
	} catch {
		throw new EngineError(
			'INPUT_UNREADABLE',
			`${absolute} is not readable.`,
			'Check the file permissions for the user running n8n.',
		);
	}
	return {
		protocol: 'file',
		ffmpegUrl: `file:${absolute}`,
		display: absolute,
		isNetwork: false,
		protocols: ['file'],
		secrets: [],
	};
}

function fileUrlToPath(url: string): string {
	try {
		return fileURLToPath(url);
	} catch {
		throw new EngineError(
			'BAD_OPTION',
			`${redactTypedUrl(url)} is not a valid file URL.`,
			'Write it as file:///absolute/path, or give the path itself.',
		);
	}
}
