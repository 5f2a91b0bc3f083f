// The engine's one entry point: nodes/, cli/ and demo/ import the engine from here only
// (.dependency-cruiser.cjs enforces it), so its folders can change behind this list.
// n8n loads this module when it starts, with the node: nothing here may load onnxruntime, which
// belongs in the inference workers (loadVad below is imported on first use for that reason).

export { describeError, EngineError, errorMessage, isEngineError } from './errors.js';
export type { EngineErrorCode } from './errors.js';
export type { TimedToken } from './timed-token.js';
export type {
	LivePipelineOptions,
	ModelSelection,
	OverflowPolicy,
	QueueSettings,
	RecognitionLanguage,
	ReconnectSettings,
	VadSettings,
} from './config.js';
export { RECOGNITION_LANGUAGES } from './config.js';
export { requireModelFiles } from './model-dir/model-config.js';
export { hotwordWords, MAX_HOTWORDS } from './asr/hotword-tokenizer.js';
export { parseRecognitionLanguage } from './asr/recognition-language.js';

export { decodeFile, FfmpegSource } from './source/ffmpeg-source.js';
export { joinUrl, redactText, redactTypedUrl, redactUrl, splitUrl } from './source/redact.js';
export { localInputPath, parseStreamInput } from './source/stream-url.js';
export { readWav } from './source/wav.js';

export { loadCmvn } from './frontend/cmvn.js';
export { computeFbank, OnlineFbank } from './frontend/fbank.js';
export { computeFeatures, FeatureExtractor } from './frontend/feature-extractor.js';
export { loadFrontendOptions } from './frontend/frontend-options.js';

/** FSMN-VAD in this thread (`FsmnVadModel`, `StreamingVad`), for the CLI's `vad` command. */
export const loadVad = () => import('./vad/streaming-vad.js');
export type { SegmentSpan } from './vad/streaming-vad.js';
export type { ModelKind } from './runtime/inference-protocol.js';

export { LivePipeline } from './pipeline/live-pipeline.js';
export type {
	LivePipelineEvents,
	PipelineStatus,
	SegmentClosedEvent,
	Sentence,
	SentenceTags,
} from './pipeline/events.js';

export { ServerPipeline } from './pipeline/server-pipeline.js';
export { splitServerUrls } from './funasr-server/server-fleet.js';
export { probeServers } from './funasr-server/server-probe.js';
export type { PartialCaption } from './pipeline/events.js';
export type { RecognitionServerSettings, ServerPipelineOptions } from './config.js';
