import { OnlineFbank } from '../frontend/fbank.js';
import { sameFbank, type FrontendOptions } from '../frontend/frontend-options.js';
import { RowHistory } from './row-history.js';
import { StreamingVad, type FsmnVadModel } from './streaming-vad.js';
import type { VadOptions } from './vad-options.js';

/** Audio kept beyond the longest segment: VAD look-back and detection delay. */
const HISTORY_MARGIN_MS = 5000;

/** A segment the VAD closed, with the recognizer's fbank rows of its audio. */
export interface Segment {
	startMs: number;
	endMs: number;
	/** Rows × the recognizer's mel bins: exactly the fbank of the segment's audio cut out alone. */
	fbank: Float32Array;
	/** The provisional segment this one was offered as, earlier and identical (same times, same rows). */
	provisionalId?: number;
}

/**
 * The segment the VAD has not closed yet, as it will close if the silence under way lasts: it can be
 * recognized during that silence, before the VAD confirms its end.
 */
export interface ProvisionalSegment extends Segment {
	id: number;
}

/**
 * One stream's voice activity detection, keeping the recognizer's fbank rows of the recent audio so
 * each closed segment leaves with its features. When the VAD and the recognizer compute the same
 * fbank (FunASR's models do), it is computed once for both.
 */
export class SpeechSegmenter {
	private readonly vad: StreamingVad;
	private readonly history: RowHistory;
	private readonly recognizerFbank: OnlineFbank | null;
	private readonly frameShiftMs: number;
	private readonly frameLengthMs: number;
	private offered: { id: number; startMs: number; endMs: number } | null = null;
	private lastProvisionalId = 0;

	/** `provisionalAfterMs`: trailing silence (past the VAD window's switch to silence) after which the open segment is offered as provisional; null: never. */
	constructor(
		model: FsmnVadModel,
		recognizerFrontend: FrontendOptions,
		overrides: Partial<VadOptions>,
		private readonly provisionalAfterMs: number | null = null,
	) {
		this.frameShiftMs = recognizerFrontend.frameShiftMs;
		this.frameLengthMs = recognizerFrontend.frameLengthMs;
		this.recognizerFbank = sameFbank(model.frontend, recognizerFrontend)
			? null
			: new OnlineFbank(recognizerFrontend);
		// The tap runs only on audio, after the history below exists.
		this.vad = new StreamingVad(
			model,
			overrides,
			this.recognizerFbank ? undefined : (rows) => this.history.append(rows),
		);
		const keepMs = this.vad.options.maxSegmentMs + HISTORY_MARGIN_MS;
		this.history = new RowHistory(
			recognizerFrontend.numMelBins,
			Math.ceil(keepMs / this.frameShiftMs),
		);
	}

	/** Segments that end within the audio given so far. */
	async accept(samples: Float32Array): Promise<Segment[]> {
		if (this.recognizerFbank) this.history.append(this.recognizerFbank.accept(samples));
		return this.cut(await this.vad.accept(samples));
	}

	/**
	 * After `accept`: the open segment as it will close if the silence under way lasts, once that
	 * silence has lasted `provisionalAfterMs` and its rows are here; each such segment is offered once.
	 */
	takeProvisional(): ProvisionalSegment | null {
		if (this.provisionalAfterMs === null) return null;
		const provisional = this.vad.provisionalEnd();
		if (!provisional || provisional.silenceMs < this.provisionalAfterMs) return null;
		if (this.offered?.startMs === provisional.startMs && this.offered.endMs === provisional.endMs)
			return null;
		const [first, end] = this.rowsOf(provisional);
		if (end > this.history.totalRows) return null;
		this.offered = {
			id: ++this.lastProvisionalId,
			startMs: provisional.startMs,
			endMs: provisional.endMs,
		};
		return { ...this.offered, fbank: this.history.slice(first, end) };
	}

	/** End of a session: the segment in progress is closed; the VAD and the rows start a new session at 0 ms. */
	async finish(): Promise<Segment[]> {
		const segments = this.cut(await this.vad.finish());
		this.history.clear();
		this.recognizerFbank?.reset();
		return segments;
	}

	/** Frame f covers [f·shift, f·shift + length) ms: a segment takes the frames wholly inside it, as if cut out first. */
	private rowsOf({
		startMs,
		endMs,
	}: {
		startMs: number;
		endMs: number;
	}): [first: number, end: number] {
		return [
			Math.ceil(startMs / this.frameShiftMs),
			Math.floor((endMs - this.frameLengthMs) / this.frameShiftMs) + 1,
		];
	}

	private cut(segments: readonly { startMs: number; endMs: number }[]): Segment[] {
		const cut = segments.map(({ startMs, endMs }): Segment => {
			const fbank = this.history.slice(...this.rowsOf({ startMs, endMs }));
			const offered = this.offered;
			return offered?.startMs === startMs && offered.endMs === endMs
				? { startMs, endMs, fbank, provisionalId: offered.id }
				: { startMs, endMs, fbank };
		});
		const last = segments.at(-1);
		if (last) {
			this.history.forgetBefore(Math.ceil(last.endMs / this.frameShiftMs));
			this.offered = null;
		}
		return cut;
	}
}
