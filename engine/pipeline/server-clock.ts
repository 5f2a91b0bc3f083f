/**
 * Where a recognition server's times fall in the stream's sessions. A server counts ms from the
 * first audio of its connection; what it was sent may join the end of one session to the start of
 * the next, follow a gap the backlog dropped, or include silence sent to close a sentence: each
 * stretch of audio sent is one span.
 */
export class ServerClock<S> {
	private readonly spans: { serverMs: number; session: S; sessionMs: number }[] = [];
	private sent = 0;

	/** Ms of audio sent on the connection so far. */
	get sentMs(): number {
		return this.sent;
	}

	/** Audio of `session` starting at its `sessionMs`, sent now. */
	audio(session: S, sessionMs: number, durationMs: number): void {
		const last = this.spans.at(-1);
		const continues =
			last &&
			last.session === session &&
			Math.abs(last.sessionMs + (this.sent - last.serverMs) - sessionMs) < 1;
		if (!continues) this.spans.push({ serverMs: this.sent, session, sessionMs });
		this.sent += durationMs;
	}

	/** Silence of no session (it closes the sentence in progress when the stream dropped). */
	padding(durationMs: number): void {
		this.sent += durationMs;
	}

	/** The session and its ms at a server time; null before any audio. */
	locate(serverMs: number): { session: S; sessionMs: number } | null {
		for (let i = this.spans.length - 1; i >= 0; i--) {
			const span = this.spans[i];
			if (span.serverMs <= serverMs || i === 0)
				return {
					session: span.session,
					sessionMs: Math.max(0, span.sessionMs + serverMs - span.serverMs),
				};
		}
		return null;
	}
}
