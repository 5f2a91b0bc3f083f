import type { ICredentialsDecrypted, INodeCredentialTestResult } from 'n8n-workflow';
import {
	describeError,
	FfmpegSource,
	isEngineError,
	localInputPath,
	parseStreamInput,
	redactText,
} from '../../../engine/index.js';
import { assertFileAccess } from '../file-access.js';
import { joinStreamUrl, SERVER_URL, type StreamCredentials } from './stream-credentials.js';

export interface ProbeOptions {
	/** Extra strings to mask (stream key, password). */
	secrets?: readonly string[];
	ffmpegPath?: string;
	/** Give up after this long without audio; ffmpeg's own read timeout usually answers first. */
	timeoutMs?: number;
	/** Audio to receive before the stream counts as working, ms. */
	audioMs?: number;
}

export interface ProbeResult {
	ok: boolean;
	/** What was found, or what failed and how to fix it; secrets masked. */
	message: string;
	/** From start to the verdict. */
	elapsedMs: number;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 15_000;
const DEFAULT_PROBE_AUDIO_MS = 500;

/**
 * Opens the stream with ffmpeg, as the trigger would, until a little audio arrives or it fails,
 * then stops ffmpeg. Failures come from engine/source's classification of ffmpeg's exit: refused,
 * host not found, rejected (wrong application or key), no such stream, no audio track, timeout.
 */
export async function probeStream(url: string, options: ProbeOptions = {}): Promise<ProbeResult> {
	const startedAt = performance.now();
	const secrets = options.secrets ?? [];
	const verdict = (ok: boolean, message: string): ProbeResult => ({
		ok,
		message: redactText(message, secrets),
		elapsedMs: Math.round(performance.now() - startedAt),
	});
	let source: FfmpegSource;
	try {
		source = new FfmpegSource({
			url,
			secrets,
			...(options.ffmpegPath ? { ffmpegPath: options.ffmpegPath } : {}),
		});
	} catch (error) {
		return verdict(false, describeError(error));
	}
	const wantedSamples = ((options.audioMs ?? DEFAULT_PROBE_AUDIO_MS) * 16000) / 1000;
	const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
	const outcome = await new Promise<{ ok: boolean; message: string }>((resolve) => {
		const timer = setTimeout(
			() =>
				resolve({
					ok: false,
					message: `No audio from ${source.input.display} within ${Math.round(timeoutMs / 1000)} s. Check that someone is publishing the stream with an audio track.`,
				}),
			timeoutMs,
		);
		const settle = (result: { ok: boolean; message: string }) => {
			clearTimeout(timer);
			resolve(result);
		};
		source.on('audio', () => {
			if (source.samplesReceived >= wantedSamples)
				settle({ ok: true, message: `Receiving audio from ${source.input.display}.` });
		});
		source.once('error', (error) => settle({ ok: false, message: error.describe() }));
		source.once('end', () =>
			settle(
				source.samplesReceived > 0
					? { ok: true, message: `Read audio from ${source.input.display}.` }
					: { ok: false, message: `${source.input.display} ended before any audio arrived.` },
			),
		);
		source.start();
	});
	await source.stop();
	return verdict(outcome.ok, outcome.message);
}

/** The RTMP Stream credential's test: joins the URL and really reads a little audio from it. */
export async function testStreamCredential(
	credential: ICredentialsDecrypted,
	options: Omit<ProbeOptions, 'secrets'> = {},
): Promise<INodeCredentialTestResult> {
	let stream;
	try {
		stream = joinStreamUrl((credential.data ?? {}) as StreamCredentials);
		const file = localInputPath(stream.url);
		if (file !== null) await assertFileAccess([{ parameter: SERVER_URL, path: file }]);
		parseStreamInput(stream.url);
	} catch (error) {
		return { status: 'Error', message: isEngineError(error) ? error.describe() : String(error) };
	}
	const result = await probeStream(stream.url, { ...options, secrets: stream.secrets });
	return { status: result.ok ? 'OK' : 'Error', message: result.message };
}
