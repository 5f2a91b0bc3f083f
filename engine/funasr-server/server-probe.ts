import type { RecognitionServerSettings } from '../config.js';
import { EngineError } from '../errors.js';
import { ServerConnection } from './server-connection.js';

/**
 * Connects to each server of a fleet (TLS as configured) and sends the first message, as a stream
 * would; resolves with the problem of each server that refused, none when all took it.
 */
export async function probeServers(settings: RecognitionServerSettings): Promise<EngineError[]> {
	const problems = await Promise.all(
		settings.urls.map(async (url) => {
			try {
				const connection = await ServerConnection.open({
					url,
					mode: settings.mode ?? '2pass',
					wavName: 'n8n-credential-test',
					hotwords: [],
					itn: true,
					...(settings.ca ? { ca: settings.ca } : {}),
					...(settings.allowSelfSigned ? { allowSelfSigned: true } : {}),
					connectTimeoutMs: settings.connectTimeoutMs ?? 5000,
				});
				connection.close();
				return null;
			} catch (error) {
				return error instanceof EngineError
					? error
					: new EngineError('SERVER_FAILED', String(error), '', { fatal: false });
			}
		}),
	);
	return problems.filter((problem) => problem !== null);
}
