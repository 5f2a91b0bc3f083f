export type WindowChange =
	'silence-to-silence' | 'silence-to-speech' | 'speech-to-speech' | 'speech-to-silence';

/**
 * Smooths per-frame speech decisions over a sliding window (FunASR's WindowDetector): the state
 * becomes speech when at least `toSpeechFrames` of the window are speech, and silence again when at
 * most `toSilenceFrames` are. The two thresholds may be equal, so a window that stays exactly at
 * the threshold flips state on every frame; FunASR behaves so and its segment ends depend on it.
 */
export class WindowDetector {
	readonly windowFrames: number;
	private readonly toSpeechFrames: number;
	private readonly toSilenceFrames: number;
	private readonly window: Uint8Array;
	private position = 0;
	private speechInWindow = 0;
	private inSpeech = false;

	constructor(windowFrames: number, toSpeechFrames: number, toSilenceFrames: number) {
		this.windowFrames = windowFrames;
		this.toSpeechFrames = toSpeechFrames;
		this.toSilenceFrames = toSilenceFrames;
		this.window = new Uint8Array(windowFrames);
	}

	detect(isSpeech: boolean): WindowChange {
		const value = isSpeech ? 1 : 0;
		this.speechInWindow += value - this.window[this.position];
		this.window[this.position] = value;
		this.position = (this.position + 1) % this.windowFrames;
		if (!this.inSpeech && this.speechInWindow >= this.toSpeechFrames) {
			this.inSpeech = true;
			return 'silence-to-speech';
		}
		if (this.inSpeech && this.speechInWindow <= this.toSilenceFrames) {
			this.inSpeech = false;
			return 'speech-to-silence';
		}
		return this.inSpeech ? 'speech-to-speech' : 'silence-to-silence';
	}

	reset(): void {
		this.window.fill(0);
		this.position = 0;
		this.speechInWindow = 0;
		this.inSpeech = false;
	}
}
