import type { ICredentialsDecrypted, INodeCredentialTestResult } from 'n8n-workflow';
import {
	EngineError,
	isEngineError,
	probeServers,
	type RecognitionServerSettings,
	redactText,
	splitServerUrls,
} from '../../../engine/index.js';

export const SERVER_CREDENTIAL_NAME = 'asrServerApi';
/** The node method that tests the credential (`methods.credentialTest`). */
export const SERVER_CREDENTIAL_TEST = 'asrServerApiTest';

/** The fields of the ASR Server credential. */
export interface ServerCredentials {
	urls?: string;
	mode?: string;
	ca?: string;
	allowSelfSigned?: boolean;
}

/** The credential as the engine's settings; throws BAD_OPTION naming the field to fix. */
export function serverSettings(credentials: ServerCredentials): RecognitionServerSettings {
	const urls = splitServerUrls(credentials.urls ?? '');
	if (urls.length === 0)
		throw new EngineError(
			'BAD_OPTION',
			"The ASR Server credential's Server URLs is empty.",
			'Give one or more FunASR websocket servers, e.g. wss://asr-host:10095.',
		);
	const mode = credentials.mode ?? '2pass';
	if (mode !== '2pass' && mode !== 'offline')
		throw new EngineError(
			'BAD_OPTION',
			`The ASR Server credential's Server Mode "${mode}" is not 2pass or offline.`,
			'Choose 2pass or Offline.',
		);
	const ca = credentials.ca?.trim() ?? '';
	return {
		urls,
		mode,
		...(ca ? { ca } : {}),
		allowSelfSigned: credentials.allowSelfSigned === true,
	};
}

/** What to mask wherever a server URL could show: its logins and query values. */
export function serverSecrets(urls: readonly string[]): string[] {
	const secrets: string[] = [];
	for (const text of urls) {
		let url: URL;
		try {
			url = new URL(text);
		} catch {
			continue;
		}
		for (const part of [url.username, url.password, ...url.searchParams.values()])
			if (part.length >= 4) secrets.push(part, decodeURIComponent(part));
	}
	return secrets;
}

/** The credential test: every server of the fleet must accept a stream's first message. */
export async function testServerCredential(
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = (credential.data ?? {}) as ServerCredentials;
	const secrets = serverSecrets(splitServerUrls(data.urls ?? ''));
	try {
		const settings = serverSettings(data);
		const problems = await probeServers(settings);
		if (problems.length === 0)
			return {
				status: 'OK',
				message: `${settings.urls.length} FunASR server(s) accepted a stream.`,
			};
		return {
			status: 'Error',
			message: redactText(problems.map((problem) => problem.describe()).join(' '), secrets),
		};
	} catch (error) {
		return {
			status: 'Error',
			message: redactText(isEngineError(error) ? error.describe() : String(error), secrets),
		};
	}
}
