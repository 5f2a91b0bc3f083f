/** A line that never ends must not grow without bound. */
const MAX_LINE_LENGTH = 1000;

/**
 * The last lines a process wrote to stderr, already redacted, for error messages. ffmpeg ends
 * progress lines with `\r`, so both `\r` and `\n` end a line; a secret is masked once its whole
 * line has arrived, even when the pipe split it.
 */
export class StderrTail {
	private readonly complete: string[] = [];
	private partial = '';

	constructor(
		private readonly redact: (line: string) => string,
		private readonly maxLines = 20,
	) {}

	push(chunk: string): void {
		const pieces = (this.partial + chunk).split(/\r\n|\r|\n/);
		this.partial = pieces.pop()!.slice(-MAX_LINE_LENGTH);
		for (const piece of pieces) this.add(piece);
	}

	/** Oldest first; the unfinished last line too. */
	lines(): string[] {
		const partial = this.partial.trim();
		const lines = partial === '' ? [...this.complete] : [...this.complete, this.redact(partial)];
		return lines.slice(-this.maxLines);
	}

	private add(line: string): void {
		const trimmed = line.trim();
		if (trimmed === '') return;
		this.complete.push(this.redact(trimmed.slice(0, MAX_LINE_LENGTH)));
		if (this.complete.length > this.maxLines) this.complete.shift();
	}
}
