import { MAX_URL_BYTES } from './stream-url.js';

/**
 * A line that never ends must not grow without bound, yet a line must hold ffmpeg's words around a
 * whole URL, even twice: a URL cut short can show a piece of a secret that redaction no longer
 * recognizes (a password without its `@`, a key without its scheme).
 */
export const MAX_LINE_LENGTH = 3 * MAX_URL_BYTES;

/**
 * The last lines a process wrote to stderr, for error messages. ffmpeg ends progress lines with
 * `\r`, so both `\r` and `\n` end a line. Lines are kept as printed: redact whole lines (a secret
 * split by the pipe is only whole in its line) before they leave the process.
 */
export class StderrTail {
	private readonly complete: string[] = [];
	private partial = '';

	constructor(private readonly maxLines = 20) {}

	push(chunk: string): void {
		const pieces = (this.partial + chunk).split(/\r\n|\r|\n/);
		this.partial = pieces.pop()!.slice(-MAX_LINE_LENGTH);
		for (const piece of pieces) this.add(piece);
	}

	/** Oldest first; the unfinished last line too. */
	lines(): string[] {
		const partial = this.partial.trim();
		const lines = partial === '' ? [...this.complete] : [...this.complete, partial];
		return lines.slice(-this.maxLines);
	}

	private add(line: string): void {
		const trimmed = line.trim();
		if (trimmed === '') return;
		this.complete.push(trimmed.slice(0, MAX_LINE_LENGTH));
		if (this.complete.length > this.maxLines) this.complete.shift();
	}
}
