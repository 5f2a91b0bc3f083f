// Settings every layer reads. It imports nothing, so any layer may import it without a cycle.

/** Where the models come from: FunASR export directories, loaded unchanged. */
export interface ModelSelection {
	/** Recognizer directory, Paraformer or SenseVoice, told apart by its graph (model.onnx / model_quant.onnx, config.yaml, am.mvn, tokens.json). */
	asrDir: string;
	/** FSMN-VAD directory. */
	vadDir: string;
	/** CT-Transformer directory (offline or vad_realtime); omitted: no punctuation. */
	puncDir?: string;
	/** Use the Paraformer's model_quant.onnx (int8) instead of model.onnx. */
	quantized?: boolean;
	/** Use the punctuation model's model_quant.onnx; default: as `quantized`. */
	puncQuantized?: boolean;
	/** onnxruntime intra-op threads for recognition. */
	threads?: number;
	/**
	 * Sentences recognized at once, each by a recognizer worker of its own with its own copy of the
	 * Paraformer (memory × this); default 1. More keep up with more streams, or a backlog.
	 */
	recognizers?: number;
}

/** Languages a SenseVoice model is asked for: `auto` lets it tell (FunASR's language query ids). */
export const RECOGNITION_LANGUAGES = ['auto', 'zh', 'en', 'yue', 'ja', 'ko'] as const;
export type RecognitionLanguage = (typeof RECOGNITION_LANGUAGES)[number];

export interface VadSettings {
	/** Silence that ends a sentence (FunASR max_end_silence_time), ms. */
	maxEndSilenceMs?: number;
	/** Longest sentence before a forced cut (FunASR max_single_segment_time), ms. */
	maxSegmentMs?: number;
}

export type OverflowPolicy = 'drop-oldest' | 'drop-newest' | 'backpressure';

export interface QueueSettings {
	/** Bound of the recognition queue in seconds of audio. */
	maxSeconds?: number;
	overflow?: OverflowPolicy;
}

export interface ReconnectSettings {
	initialDelayMs?: number;
	maxDelayMs?: number;
	/** Healthy audio for this long resets the backoff. */
	resetAfterMs?: number;
}

export interface LivePipelineOptions {
	/** Input URL (rtmp, rtmps, rtsp, srt, http(s)/HLS) or a file path. May embed secrets. */
	url: string;
	/** Extra strings to redact from logs, errors and items (stream key, password). */
	secrets?: string[];
	models: ModelSelection;
	/** The language spoken, for a SenseVoice model; default `auto`. A Paraformer takes `auto` or `zh` only. */
	language?: RecognitionLanguage;
	/** SenseVoice's inverse text normalisation: the model writes numbers and punctuation itself ("twenty five" → "25."); default false. A Paraformer ignores it (its punctuation comes from the punctuation model). */
	itn?: boolean;
	vad?: VadSettings;
	queue?: QueueSettings;
	reconnect?: ReconnectSettings;
	/** No audio for this long counts as a stalled stream, ms. */
	stallTimeoutMs?: number;
	/**
	 * No audio this long after ffmpeg starts counts as a failed connection (a server that accepts
	 * and then sends nothing playable, or trickles bytes), reported and retried, ms. Default 20 000.
	 */
	startTimeoutMs?: number;
	/**
	 * Words the recognizer is biased towards (FunASR's NN hotwords), for a model that takes them (a
	 * contextual or SeACo Paraformer: model_eb.onnx beside a model.onnx with a bias_embed input).
	 * Each entry may hold several words separated by spaces; at most 1000 words. A Chinese word is
	 * its characters, another word the pieces the model's seg_dict lists; a word the model cannot
	 * spell is skipped with a warning. With a model that takes none, a warning says so.
	 */
	hotwords?: readonly string[];
	/** Hotwords for a model that takes them, and without a warning for one that does not (the node's Keywords). */
	hotwordsIfSupported?: readonly string[];
	/**
	 * After close, the inference workers and this stream's models stay loaded this long, ms, for a
	 * pipeline that needs them again (n8n closes a trigger and starts it anew on every save of an
	 * active workflow). Kept warm, they do not keep the process alive. Default 0: unloaded at close.
	 */
	keepWarmMs?: number;
	/** ffmpeg binary; default: `ffmpeg` on PATH. */
	ffmpegPath?: string;
	/**
	 * At a clean end of input, finish (recognize what is left, emit 'end') instead of reconnecting.
	 * Default: by the input (engine/source/input-extent.ts): true for files (paths and file:// URLs)
	 * and network inputs ffmpeg reports a duration for (http(s) media files, HLS with
	 * #EXT-X-ENDLIST); false for live streams.
	 */
	finishAtEnd?: boolean;
	/**
	 * Live inputs: recognize a sentence during its trailing silence, on an idle recognizer, so its
	 * text is ready when the VAD confirms the end (default true). Off saves the runs that a pause
	 * shorter than the end silence wastes.
	 */
	earlyRecognition?: boolean;
	/**
	 * Awaited before each recognition: a consumer that falls behind (ordered executions of a slow
	 * workflow) then holds speech in the bounded recognition queue, where the overflow policy
	 * applies, instead of holding sentences in memory without bound.
	 */
	ready?: () => Promise<void>;
}

/** Recognition on FunASR websocket servers (funasr-wss-server-2pass) instead of this machine. */
export interface RecognitionServerSettings {
	/** ws:// or wss:// URLs, tried in turn: a fleet without a load balancer. May carry credentials. */
	urls: readonly string[];
	/** '2pass' (default): partials and corrected sentences; 'offline': corrected sentences only. */
	mode?: '2pass' | 'offline';
	/** PEM certificate(s) of the authority that signed a wss:// server's certificate. */
	ca?: string;
	/** Accept a self-signed certificate (off by default). */
	allowSelfSigned?: boolean;
	/** FunASR's inverse text normalization ("一百" → "100"); default true, as the servers. */
	itn?: boolean;
	/** A server that answers nothing, not even a ping, this long is given up, ms. */
	watchdogMs?: number;
	connectTimeoutMs?: number;
}

/** A stream recognized by FunASR servers: the pipeline's options without the local models. */
export interface ServerPipelineOptions extends Omit<
	LivePipelineOptions,
	'models' | 'vad' | 'earlyRecognition'
> {
	server: RecognitionServerSettings;
	/** Emit 'partial' events (the sentence in progress), at most one per this many ms; omitted: none. */
	partialIntervalMs?: number;
}
