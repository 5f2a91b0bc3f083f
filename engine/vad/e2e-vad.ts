import type { VadOptions } from './vad-options.js';
import { WindowDetector } from './window-detector.js';

/** Where a segment lies: ms from the start of its session. */
export interface SegmentSpan {
	startMs: number;
	endMs: number;
}

/**
 * FunASR's end-to-end VAD state machine (`E2EVadModel` in multiple-utterance mode) over per-frame
 * silence posteriors. Frame t covers [t·frameMs, (t+1)·frameMs). A segment starts `lookback` before
 * the window that switched to speech; it ends when trailing silence reaches maxEndSilence, keeping
 * `lookahead` of it, or when it reaches maxSegment, or at the last frame of the input. Detection
 * then starts over with an empty window.
 *
 * FunASR also gates frames on energy and SNR, but with its thresholds (-100 dB) on [-1, 1] audio the
 * gate never fires, so it is left out.
 */
export class E2eVad {
	private readonly options: VadOptions;
	private readonly window: WindowDetector;
	/** Window plus lookback: how far back a start is placed from the frame that detects it. */
	private readonly startLatencyFrames: number;
	private readonly maxSegmentFrames: number;
	/** Trailing silence that ends a segment, counted from the window's switch to silence. */
	private readonly endSilenceMs: number;
	/** Frames of trailing silence (counted as `silenceFrames`) that end a segment. */
	private readonly endSilenceFrames: number;
	private readonly endLookbackFrames: number;
	private readonly lookaheadFrames: number;
	private frame = 0;
	private inSpeech = false;
	/** No segment may start before this frame: the previous one ended just before it. */
	private firstFreeFrame = 0;
	private segmentStartFrame = -1;
	private lastSpeechFrame = 0;
	private silenceFrames = 0;
	private closed: SegmentSpan[] = [];

	constructor(options: VadOptions) {
		this.options = options;
		const { frameMs } = options;
		this.window = new WindowDetector(
			Math.floor(options.windowMs / frameMs),
			Math.floor(options.silenceToSpeechMs / frameMs),
			Math.floor(options.speechToSilenceMs / frameMs),
		);
		this.startLatencyFrames =
			this.window.windowFrames + (options.extend ? Math.floor(options.lookbackMs / frameMs) : 0);
		this.maxSegmentFrames = Math.floor(options.maxSegmentMs / frameMs);
		this.endSilenceMs = options.maxEndSilenceMs - options.speechToSilenceMs;
		this.lookaheadFrames = Math.floor(options.lookaheadMs / frameMs);
		const endSilenceFrames = Math.floor(this.endSilenceMs / frameMs);
		this.endLookbackFrames = options.extend
			? Math.max(0, endSilenceFrames - this.lookaheadFrames - 1)
			: endSilenceFrames;
		this.endSilenceFrames = Math.ceil(this.endSilenceMs / frameMs);
	}

	isSpeechFrame(silenceProbability: number): boolean {
		const { speechNoiseThreshold, speechToNoiseRatio } = this.options;
		return (
			1 - silenceProbability >=
			Math.pow(silenceProbability, speechToNoiseRatio) + speechNoiseThreshold
		);
	}

	/** Advances one frame; `isLastFrame` closes a segment still open at the end of the input. */
	acceptFrame(silenceProbability: number, isLastFrame = false): void {
		const t = this.frame++;
		const change = this.window.detect(this.isSpeechFrame(silenceProbability));
		if (change === 'silence-to-silence') {
			this.silenceFrames++;
			if (this.inSpeech) this.continueInSilence(t, isLastFrame);
			else if (t >= this.startLatencyFrames)
				this.firstFreeFrame = Math.max(this.firstFreeFrame, t - this.startLatencyFrames);
			return;
		}
		this.silenceFrames = 0;
		if (change === 'silence-to-speech' && !this.inSpeech) {
			this.start(Math.max(this.firstFreeFrame, t - this.startLatencyFrames), t);
		} else if (this.inSpeech) {
			this.continueInSpeech(t, isLastFrame);
		}
	}

	/** Closes a segment still open after the last frame; detection starts over. */
	finish(): void {
		if (this.inSpeech) this.end(this.frame - 1);
		this.frame = 0;
		this.firstFreeFrame = 0;
		this.resetDetection();
	}

	/**
	 * The segment that closes if the silence under way lasts until it reaches maxEndSilence: the
	 * segment's start, and the end that closing will give it. Null when no silence is under way in a
	 * segment, or when the segment would reach maxSegment first.
	 */
	provisionalEnd(): (SegmentSpan & { silenceMs: number }) | null {
		if (!this.inSpeech || this.silenceFrames === 0) return null;
		const closingFrame = this.frame - 1 + this.endSilenceFrames - this.silenceFrames;
		if (closingFrame - this.segmentStartFrame > this.maxSegmentFrames) return null;
		const { frameMs } = this.options;
		return {
			startMs: this.segmentStartFrame * frameMs,
			endMs: (closingFrame - this.endLookbackFrames + 1) * frameMs,
			silenceMs: this.silenceFrames * frameMs,
		};
	}

	/** Segments closed since the last call. */
	takeSegments(): SegmentSpan[] {
		const segments = this.closed;
		this.closed = [];
		return segments;
	}

	private start(startFrame: number, t: number): void {
		this.inSpeech = true;
		this.segmentStartFrame = startFrame;
		this.firstFreeFrame = Math.max(this.firstFreeFrame, startFrame) + 1;
		if (t > startFrame) this.confirmSpeech(t);
	}

	private continueInSpeech(t: number, isLastFrame: boolean): void {
		if (t - this.segmentStartFrame + 1 > this.maxSegmentFrames || isLastFrame) this.end(t);
		else this.confirmSpeech(t);
	}

	private continueInSilence(t: number, isLastFrame: boolean): void {
		if (this.silenceFrames * this.options.frameMs >= this.endSilenceMs) {
			this.end(t - this.endLookbackFrames);
		} else if (t - this.segmentStartFrame + 1 > this.maxSegmentFrames) {
			this.end(t);
		} else if (this.options.extend && !isLastFrame) {
			if (this.silenceFrames <= this.lookaheadFrames) this.confirmSpeech(t);
		} else if (isLastFrame) {
			this.end(t);
		}
	}

	private confirmSpeech(t: number): void {
		this.lastSpeechFrame = t;
		this.firstFreeFrame = Math.max(this.firstFreeFrame, t) + 1;
	}

	private end(endFrame: number): void {
		if (endFrame - 1 > this.lastSpeechFrame) this.confirmSpeech(endFrame - 1);
		this.firstFreeFrame = Math.max(this.firstFreeFrame, endFrame) + 1;
		const { frameMs } = this.options;
		this.closed.push({
			startMs: this.segmentStartFrame * frameMs,
			endMs: (endFrame + 1) * frameMs,
		});
		this.resetDetection();
	}

	private resetDetection(): void {
		this.inSpeech = false;
		this.segmentStartFrame = -1;
		this.lastSpeechFrame = 0;
		this.silenceFrames = 0;
		this.window.reset();
	}
}
