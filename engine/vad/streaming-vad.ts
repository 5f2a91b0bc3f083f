import { EngineError } from '../errors.js';
import { SerialQueue } from '../serial-queue.js';
import { FeatureExtractor, type FbankTap } from '../frontend/feature-extractor.js';
import { E2eVad, type SegmentSpan } from './e2e-vad.js';
import { FsmnVadModel, type FsmnVadCache } from './fsmn-vad-model.js';
import { resolveVadOptions, type VadOptions } from './vad-options.js';

export type { SegmentSpan } from './e2e-vad.js';
export { FsmnVadModel } from './fsmn-vad-model.js';

/**
 * Voice activity detection of one stream: 16 kHz samples (int16 scale) in, closed speech segments
 * out, in milliseconds from the start of the stream. Any chunking of the audio gives the same
 * segments. Calls are queued, so `accept` may be called again before the previous one resolves.
 */
export class StreamingVad {
	readonly options: VadOptions;
	private readonly model: FsmnVadModel;
	private readonly features: FeatureExtractor;
	private readonly detector: E2eVad;
	private cache: FsmnVadCache;
	private readonly queue = new SerialQueue();

	/** `fbankTap` receives the VAD's fbank rows, so another model can reuse them. */
	constructor(model: FsmnVadModel, overrides?: Partial<VadOptions>, fbankTap?: FbankTap) {
		this.model = model;
		this.options = resolveVadOptions(model.options, overrides);
		const outOfRange = this.options.silencePdfIds.filter((id) => id >= model.classes);
		if (outOfRange.length > 0) {
			throw new EngineError(
				'BAD_OPTION',
				`VAD option silencePdfIds ${outOfRange.join(', ')} exceed the model's ${model.classes} outputs.`,
				'Leave silencePdfIds at the model default.',
			);
		}
		this.features = new FeatureExtractor(model.frontend, model.cmvn, fbankTap);
		this.detector = new E2eVad(this.options);
		this.cache = model.createCache();
	}

	/** Segments that end within the audio given so far. */
	accept(samples: Float32Array): Promise<SegmentSpan[]> {
		return this.queue.run(async () => {
			await this.detect(this.features.accept(samples), false);
			return this.detector.takeSegments();
		});
	}

	/** The segment that closes if the silence under way lasts (see E2eVad.provisionalEnd), after the audio accepted so far. */
	provisionalEnd(): ReturnType<E2eVad['provisionalEnd']> {
		return this.detector.provisionalEnd();
	}

	/** End of the stream: the remaining frames, and the segment in progress closed at the end. The VAD then starts a new stream at 0 ms. */
	finish(): Promise<SegmentSpan[]> {
		return this.queue.run(async () => {
			await this.detect(this.features.finish(), true);
			this.detector.finish();
			this.cache = this.model.createCache();
			return this.detector.takeSegments();
		});
	}

	private async detect(features: Float32Array, lastChunk: boolean): Promise<void> {
		if (features.length === 0) return;
		const output = await this.model.run(features, this.cache);
		this.cache = output.cache;
		const { probabilities, rows, classes } = output;
		const ids = this.options.silencePdfIds;
		for (let row = 0; row < rows; row++) {
			let silence = 0;
			for (const id of ids) silence += probabilities[row * classes + id];
			this.detector.acceptFrame(silence, lastChunk && row === rows - 1);
		}
	}
}
