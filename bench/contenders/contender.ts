/** What a pass over the corpus returns besides its timing. */
export interface PassOutput {
	texts?: string[];
	data?: unknown;
}

/** One thing measured in a child process: loaded once, then run pass after pass. */
export interface Contender {
	pass(): Promise<PassOutput>;
	close(): Promise<void>;
}
