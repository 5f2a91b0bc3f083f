import type { PullEvent, TransferProgress } from './pull-events.js';

/** Transfer rate over the last few seconds, so that a stall or a burst shows quickly in rate and ETA. */
export class RateMeter {
	private readonly times: number[] = [];
	private readonly counts: number[] = [];

	constructor(
		private readonly windowMs = 5_000,
		private readonly now: () => number = () => performance.now(),
	) {}

	/** Records the running byte count and returns where the transfer stands. */
	update(received: number, total: number | null): TransferProgress {
		const time = this.now();
		this.times.push(time);
		this.counts.push(received);
		while (this.times.length > 2 && time - this.times[1] >= this.windowMs) {
			this.times.shift();
			this.counts.shift();
		}
		const elapsedMs = time - this.times[0];
		const bytesPerSecond = elapsedMs > 0 ? ((received - this.counts[0]) * 1000) / elapsedMs : null;
		const etaSeconds =
			total !== null && bytesPerSecond ? Math.max(0, total - received) / bytesPerSecond : null;
		return { received, total, bytesPerSecond, etaSeconds };
	}
}

/** Decimal units, as model sizes are published (Paraformer-large "880 MB"). */
export function formatBytes(bytes: number): string {
	if (bytes < 1000) return `${bytes} B`;
	const units = ['kB', 'MB', 'GB', 'TB'];
	let value = bytes / 1000;
	let unit = 0;
	while (value >= 1000 && unit < units.length - 1) {
		value /= 1000;
		unit++;
	}
	return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

export function formatDuration(seconds: number): string {
	const whole = Math.ceil(seconds);
	const h = Math.floor(whole / 3600);
	const m = Math.floor((whole % 3600) / 60);
	const s = whole % 60;
	return h > 0
		? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`
		: `${m}:${String(s).padStart(2, '0')}`;
}

/** One line describing a transfer: percentage, sizes, rate and ETA as far as known. */
export function describeProgress(progress: TransferProgress): string {
	const parts: string[] = [];
	if (progress.total !== null && progress.total > 0) {
		parts.push(
			`${Math.floor((progress.received / progress.total) * 100)}%`,
			`${formatBytes(progress.received)} of ${formatBytes(progress.total)}`,
		);
	} else {
		parts.push(formatBytes(progress.received));
	}
	if (progress.bytesPerSecond !== null)
		parts.push(`${formatBytes(Math.round(progress.bytesPerSecond))}/s`);
	if (progress.etaSeconds !== null) parts.push(`ETA ${formatDuration(progress.etaSeconds)}`);
	return parts.join(', ');
}

/** A sentence for every event but progress; null for progress. */
export function describeEvent(event: PullEvent): string | null {
	switch (event.type) {
		case 'waiting':
			return `${event.model}: waiting for another download of it to finish (${event.holderPid === null ? event.lockPath : `PID ${event.holderPid}`})`;
		case 'present':
			return `${event.model}: ${event.file} already present (${formatBytes(event.bytes)})`;
		case 'start':
			return `${event.model}: ${event.file} [${event.fileIndex + 1}/${event.fileCount}] from ${event.source}${event.resumeFrom > 0 ? `, resuming at ${formatBytes(event.resumeFrom)}` : ''} (${event.url})`;
		case 'retry':
			return `${event.model}: ${event.file}: ${event.reason}; resuming from ${event.source}`;
		case 'fallback':
			return `${event.model}: ${event.file}: ${event.source} failed (${event.reason})${event.next ? `; trying ${event.next}` : ''}`;
		case 'done':
			return `${event.model}: ${event.file} done (${formatBytes(event.bytes)} from ${event.source})`;
		case 'progress':
			return null;
	}
}

export interface ProgressStream {
	write(text: string): unknown;
	isTTY?: boolean;
	columns?: number;
}

const PLAIN_STEP_PERCENT = 10;
const PLAIN_INTERVAL_MS = 10_000;

/**
 * Prints pull events: on a terminal a bar redrawn in place, otherwise (a pipe, a log file) a line per
 * event and a progress line every 10 % — or every 10 s when the size is unknown — short of 100 %,
 * which the "done" line says.
 */
export function progressPrinter(
	stream: ProgressStream,
	now: () => number = () => performance.now(),
): (event: PullEvent) => void {
	let barShown = false;
	let lastPercent = 0;
	let lastLineAt = 0;
	const clearBar = () => {
		if (barShown) stream.write('\r\x1b[K');
		barShown = false;
	};
	return (event) => {
		if (event.type !== 'progress') {
			clearBar();
			if (event.type === 'start') {
				lastPercent = 0;
				lastLineAt = now();
			}
			stream.write(`${describeEvent(event)}\n`);
			return;
		}
		const { progress } = event;
		if (stream.isTTY) {
			stream.write(`\r\x1b[K${barLine(event.file, progress, stream.columns ?? 80)}`);
			barShown = true;
			return;
		}
		const percent = progress.total ? Math.floor((progress.received / progress.total) * 100) : null;
		if (percent === 100) return;
		const due =
			percent !== null
				? percent >= lastPercent + PLAIN_STEP_PERCENT
				: now() - lastLineAt >= PLAIN_INTERVAL_MS;
		if (!due) return;
		if (percent !== null) lastPercent = percent - (percent % PLAIN_STEP_PERCENT);
		lastLineAt = now();
		stream.write(`${event.model}: ${event.file}: ${describeProgress(progress)}\n`);
	};
}

function barLine(file: string, progress: TransferProgress, columns: number): string {
	const text = describeProgress(progress);
	const room = columns - file.length - text.length - 5;
	if (progress.total === null || progress.total === 0 || room < 10)
		return `${file} ${text}`.slice(0, columns - 1);
	const width = Math.min(30, room);
	const filled = Math.min(width, Math.round((progress.received / progress.total) * width));
	return `${file} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`;
}
