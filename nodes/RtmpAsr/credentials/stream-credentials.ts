import { EngineError, joinUrl, redactTypedUrl, splitUrl } from '../../../engine/index.js';

export const CREDENTIAL_NAME = 'rtmpStreamApi';
/** The node method that tests the credential (`methods.credentialTest`). */
export const CREDENTIAL_TEST = 'rtmpStreamApiTest';
/** The credential field that may name a local file (file:///…), for n8n's file-access rules. */
export const SERVER_URL = "RTMP Stream credential's Server URL";

/** The fields of the RTMP Stream credential. */
export interface StreamCredentials {
	serverUrl?: string;
	streamKey?: string;
	username?: string;
	password?: string;
}

export interface CredentialStream {
	/** The URL ffmpeg opens: it carries the secrets, never log it. */
	url: string;
	/** What to mask wherever the URL or ffmpeg's messages could show up. */
	secrets: string[];
}

const CONTROL_OR_SPACE = /[\s\p{Cc}]/u;

/**
 * Joins the credential into one stream URL: `scheme://user:password@host:port/app/streamKey`.
 * The stream key is appended as it is (it may carry its own `?token=…`); the login is
 * percent-encoded into the URL's userinfo. Throws BAD_OPTION naming what to fix, with secrets masked.
 */
export function joinStreamUrl(credentials: StreamCredentials): CredentialStream {
	const serverUrl = (credentials.serverUrl ?? '').trim();
	const streamKey = (credentials.streamKey ?? '').trim().replace(/^\/+/, '');
	const username = credentials.username ?? '';
	const password = credentials.password ?? '';
	const secrets = [streamKey, password, username === '' ? '' : `${username}:${password}`].filter(
		(secret) => secret !== '',
	);

	const parts = CONTROL_OR_SPACE.test(serverUrl) ? undefined : splitUrl(serverUrl);
	if (!parts) {
		const shown = serverUrl === '' ? 'empty' : `"${redactTypedUrl(serverUrl)}", not a URL`;
		throw new EngineError(
			'BAD_OPTION',
			`The credential's server URL is ${shown}.`,
			'Write it as scheme://host[:port]/application (e.g. rtmp://host:1935/live), with the stream key in its own field.',
		);
	}
	if (CONTROL_OR_SPACE.test(streamKey)) {
		throw new EngineError(
			'BAD_OPTION',
			'The stream key contains spaces or control characters.',
			'Copy the stream key again exactly as the streaming server shows it.',
		);
	}
	if (parts.query !== undefined && streamKey !== '') {
		throw new EngineError(
			'BAD_OPTION',
			`The server URL "${redactTypedUrl(serverUrl)}" has a query string, so the stream key cannot be appended to it.`,
			'Move the query string into the Stream Key field (key?name=value), or leave the Stream Key empty and give the whole URL.',
		);
	}
	let userinfo = parts.userinfo;
	if (username !== '' || password !== '') {
		if (userinfo !== undefined) {
			throw new EngineError(
				'BAD_OPTION',
				'The credential gives a login both in the server URL and in the username/password fields.',
				'Remove user:password@ from the server URL and keep the fields.',
			);
		}
		userinfo = `${encodeURIComponent(username)}:${encodeURIComponent(password)}`;
	}
	if (streamKey === '') return { url: joinUrl({ ...parts, userinfo }), secrets };
	// The key may carry its own ?token=…: it is appended as text, not as a path segment.
	return {
		url: `${joinUrl({ ...parts, userinfo, path: parts.path.replace(/\/+$/, '') })}/${streamKey}`,
		secrets,
	};
}
