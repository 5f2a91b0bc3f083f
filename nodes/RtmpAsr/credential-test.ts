import type { ICredentialsDecrypted, INodeCredentialTestResult } from 'n8n-workflow';
import { isEngineError } from '../../engine/index.js';
import { joinStreamUrl, type StreamCredentials } from './stream-credentials.js';
import { probeStream, type ProbeOptions } from './stream-probe.js';

/** The RTMP Stream credential's test: joins the URL and really reads a little audio from it. */
export async function testStreamCredential(credential: ICredentialsDecrypted, options: Omit<ProbeOptions, 'secrets'> = {}): Promise<INodeCredentialTestResult> {
	let stream;
	try {
		stream = joinStreamUrl((credential.data ?? {}) as StreamCredentials);
	} catch (error) {
		return { status: 'Error', message: isEngineError(error) ? error.describe() : String(error) };
	}
	const result = await probeStream(stream.url, { ...options, secrets: stream.secrets });
	return { status: result.ok ? 'OK' : 'Error', message: result.message };
}
