import { StreamError } from '../source/ffmpeg-failure.js';
import type { FfmpegSource } from '../source/ffmpeg-source.js';

export const DEFAULT_STALL_TIMEOUT_MS = 10_000;
export const DEFAULT_START_TIMEOUT_MS = 20_000;

export interface ConnectionWatchSettings {
	/** The stream as messages may name it: secrets masked. */
	stream: string;
	startTimeoutMs?: number | undefined;
	stallTimeoutMs?: number | undefined;
	/** A reader paused on purpose receives nothing: that is neither a failed start nor a stall. */
	paused: () => boolean;
}

/**
 * Ends one connection that brings no audio, through `source.fail()`: none within the start deadline
 * (ffmpeg's read timeout ends a connection that sends nothing, not one that trickles bytes or keeps
 * ffmpeg probing), or none for the stall timeout once audio flowed (a stalled publisher leaves
 * ffmpeg blocked, not exited).
 */
export class ConnectionWatch {
	private readonly startTimeoutMs: number;
	private readonly stallTimeoutMs: number;
	private timer: NodeJS.Timeout | null;
	/** null until the first audio. */
	private lastAudioAt: number | null = null;

	constructor(
		private readonly source: FfmpegSource,
		private readonly settings: ConnectionWatchSettings,
	) {
		this.startTimeoutMs = settings.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
		this.stallTimeoutMs = settings.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
		this.timer = setTimeout(this.checkStart, this.startTimeoutMs);
	}

	audio(): void {
		const first = this.lastAudioAt === null;
		this.lastAudioAt = Date.now();
		if (!first) return;
		this.stop();
		this.timer = setTimeout(this.checkStall, this.stallTimeoutMs);
	}

	stop(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
	}

	private readonly checkStart = (): void => {
		this.timer = null;
		if (this.settings.paused()) {
			this.timer = setTimeout(this.checkStart, this.startTimeoutMs);
			return;
		}
		const seconds = Math.round(this.startTimeoutMs / 100) / 10;
		this.fail(
			`No audio from ${this.settings.stream} within ${seconds} s of connecting.`,
			'The server accepted the connection but sent no playable audio (stalled or too slow); reconnecting.',
		);
	};

	private readonly checkStall = (): void => {
		this.timer = null;
		const now = Date.now();
		if (this.settings.paused() || this.lastAudioAt === null) this.lastAudioAt = now;
		const silentFor = now - this.lastAudioAt;
		if (silentFor >= this.stallTimeoutMs) {
			this.fail(
				`No audio from ${this.settings.stream} for ${Math.round(silentFor / 1000)} s.`,
				'The publisher stalled or the network is down; reconnecting.',
			);
			return;
		}
		this.timer = setTimeout(this.checkStall, Math.max(100, this.stallTimeoutMs - silentFor));
	};

	private fail(message: string, fix: string): void {
		this.source.fail(
			new StreamError('timeout', 'STREAM_STALLED', message, fix, {
				fatal: false,
				stderr: this.source.stderr,
			}),
		);
	}
}
