/** A word of recognized text (a CJK character, a digit, or an English word) and when it was spoken, ms. */
export interface TimedToken {
	text: string;
	startMs: number;
	endMs: number;
}
