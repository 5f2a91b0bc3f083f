import type { StreamInput } from './stream-url.js';

/**
 * Whether an input ends by itself: 'finite' ends once (a file, an http media file, a finished HLS
 * playlist), 'live' is reconnected when it ends, 'unknown' until ffmpeg has described the input.
 */
export type InputExtent = 'finite' | 'live' | 'unknown';

const DURATION_LINE = /^Duration: (?:N\/A|(\d+):(\d{2}):(\d{2}(?:\.\d+)?))/;

/**
 * The duration ffmpeg reports for its input in seconds (its info line `Duration: 00:01:02.50, …`),
 * null for `Duration: N/A`, undefined when the line is not that one.
 */
export function parseReportedDuration(line: string): number | null | undefined {
	const match = DURATION_LINE.exec(line.trim());
	if (!match) return undefined;
	if (match[1] === undefined) return null;
	return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

/**
 * A local file is finite. A network input is finite when ffmpeg found a duration for it: an http(s)
 * media file, or an HLS playlist with `#EXT-X-ENDLIST`. Live streams report none (`N/A`: live HLS,
 * Icecast) or zero (RTMP's metadata of a live publisher).
 */
export function inputExtent(
	input: StreamInput,
	reportedDurationSeconds?: number | null,
): InputExtent {
	if (!input.isNetwork) return 'finite';
	if (reportedDurationSeconds === undefined) return 'unknown';
	return reportedDurationSeconds !== null && reportedDurationSeconds > 0 ? 'finite' : 'live';
}
