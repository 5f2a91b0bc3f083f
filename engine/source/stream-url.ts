import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../errors.js';
import { redactUrl } from './redact.js';

export type InputProtocol = 'rtmp' | 'rtmps' | 'rtsp' | 'rtsps' | 'srt' | 'http' | 'https' | 'udp' | 'file';

/** A validated input, ready for ffmpeg. */
export interface StreamInput {
	protocol: InputProtocol;
	/** The argument for ffmpeg's `-i`; local files get an explicit `file:` prefix. */
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

/** Shorter values are too common to mask in free text; inside URLs they are masked anyway. */
const MIN_SECRET_LENGTH = 4;

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const NETWORK_URL = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/is;
const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)$/i;
const CONTROL_OR_SPACE = /[\s\u0000-\u001f\u007f]/;

const SUPPORTED = 'rtmp://, rtmps://, rtsp://, rtsps://, srt://, http(s):// (HLS too), udp:// or a local file path';

/** Validates a stream URL or a local file path; throws EngineError (BAD_OPTION, INPUT_UNREADABLE). */
export function parseStreamInput(input: string): StreamInput {
	const text = input.trim();
	if (text === '') {
		throw new EngineError('BAD_OPTION', 'The stream URL is empty.', `Give a URL (${SUPPORTED}).`);
	}
	if (text.toLowerCase().startsWith('file:')) return parseLocalFile(fileUrlToPath(text));
	const scheme = SCHEME.exec(text)?.[1].toLowerCase();
	// "C:\audio.wav" style paths and plain paths have no scheme of two letters or more.
	if (scheme === undefined || scheme.length === 1) return parseLocalFile(text);
	if (!(scheme in PROTOCOLS)) {
		throw new EngineError('BAD_OPTION', `Unsupported input scheme "${scheme}:" in ${redactUrl(text)}.`, `Use ${SUPPORTED}.`);
	}
	return parseNetworkUrl(text, scheme as Exclude<InputProtocol, 'file'>);
}

function parseNetworkUrl(url: string, protocol: Exclude<InputProtocol, 'file'>): StreamInput {
	const display = redactUrl(url);
	const parts = NETWORK_URL.exec(url);
	if (!parts || CONTROL_OR_SPACE.test(url)) {
		throw new EngineError('BAD_OPTION', `${display} is not a valid URL.`, `Write it as ${protocol}://host[:port]/path, without spaces.`);
	}
	const [, , authority, path, query = ''] = parts;
	const at = authority.lastIndexOf('@');
	const userinfo = at >= 0 ? authority.slice(0, at) : '';
	const hostAndPort = at >= 0 ? authority.slice(at + 1) : authority;
	const portMatch = /:(\d*)$/.exec(hostAndPort);
	const host = portMatch ? hostAndPort.slice(0, portMatch.index) : hostAndPort;
	if (portMatch) {
		const port = Number(portMatch[1]);
		if (portMatch[1] === '' || port < 1 || port > 65535) {
			throw new EngineError('BAD_OPTION', `${display} has an invalid port.`, 'Use a port between 1 and 65535, or none for the default.');
		}
	}
	if (host === '' ? !LISTENING_SCHEMES.has(protocol) || !portMatch : !HOST.test(host)) {
		throw new EngineError('BAD_OPTION', `${display} has no valid host.`, `Write it as ${protocol}://host[:port]/…`);
	}
	const segments = path.split('/').filter((segment) => segment !== '');
	if ((protocol === 'rtmp' || protocol === 'rtmps') && segments.length < 2) {
		throw new EngineError('BAD_OPTION', `${display} has no application and stream key.`, `Write it as ${protocol}://host[:port]/application/streamkey (for example rtmp://host/live/mystream).`);
	}
	return {
		protocol,
		ffmpegUrl: url,
		display,
		isNetwork: true,
		protocols: PROTOCOLS[protocol],
		secrets: urlSecrets(protocol, userinfo, segments, query),
	};
}

function urlSecrets(protocol: InputProtocol, userinfo: string, segments: string[], query: string): string[] {
	const secrets: string[] = [];
	if (userinfo !== '') secrets.push(userinfo, ...userinfo.split(':'));
	if (protocol === 'rtmp' || protocol === 'rtmps') secrets.push(segments[segments.length - 1]);
	for (const field of query.slice(1).split('&')) secrets.push(field.slice(field.indexOf('=') + 1));
	return [...new Set(secrets.flatMap((secret) => [secret, safeDecode(secret)]))].filter((secret) => secret.length >= MIN_SECRET_LENGTH);
}

function parseLocalFile(path: string): StreamInput {
	const absolute = resolve(path);
	let isFile: boolean;
	try {
		isFile = statSync(absolute).isFile();
	} catch {
		throw new EngineError('INPUT_UNREADABLE', `No such file: ${absolute}.`, `Check the path, or give a stream URL (${SUPPORTED}).`);
	}
	if (!isFile) {
		throw new EngineError('INPUT_UNREADABLE', `${absolute} is not a regular file.`, 'Give the path of an audio or video file.');
	}
	try {
		accessSync(absolute, constants.R_OK);
	} catch {
		throw new EngineError('INPUT_UNREADABLE', `${absolute} is not readable.`, 'Check the file permissions for the user running n8n.');
	}
	return { protocol: 'file', ffmpegUrl: `file:${absolute}`, display: absolute, isNetwork: false, protocols: ['file'], secrets: [] };
}

function fileUrlToPath(url: string): string {
	try {
		return fileURLToPath(url);
	} catch {
		throw new EngineError('BAD_OPTION', `${url} is not a valid file URL.`, 'Write it as file:///absolute/path, or give the path itself.');
	}
}

function safeDecode(text: string): string {
	try {
		return decodeURIComponent(text);
	} catch {
		return text;
	}
}
