/**
 * Runs work one after another, in the order it was given: each starts once the one before has
 * settled. A failure fails only its own turn; the next still runs.
 */
export class SerialQueue {
	private last: Promise<unknown> = Promise.resolve();

	run<T>(work: () => Promise<T>): Promise<T> {
		const result = this.last.then(work);
		this.last = result.catch(() => undefined);
		return result;
	}

	/** Resolves, never rejects, once everything given so far has run. */
	async settled(): Promise<void> {
		await this.last;
	}
}
