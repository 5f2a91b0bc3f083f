import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
	INodeType,
	INodeTypeDescription,
	ITriggerFunctions,
	ITriggerResponse,
} from 'n8n-workflow';
import { testStreamCredential } from './credential-test.js';
import { catalogChoices, DEFAULT_MODELS, LOCAL_DIRECTORY, localDirectoryChoice, NO_PUNCTUATION } from './model-options.js';
import { CREDENTIAL_TEST } from './stream-credentials.js';
import { runTrigger } from './trigger-session.js';

/**
 * The second output exists only while "Status Output" is on: n8n evaluates an outputs expression
 * against the node's parameters, in the editor and when routing data, as its Switch node does.
 */
const OUTPUTS = `={{ $parameter.statusOutput ? [{ "type": "main", "displayName": "Sentence" }, { "type": "main", "displayName": "Status" }] : [{ "type": "main", "displayName": "Sentence" }] }}`;

export class RtmpAsrTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'RTMP Speech Recognition Trigger',
		name: 'rtmpAsrTrigger',
		icon: { light: 'file:rtmpAsr.svg', dark: 'file:rtmpAsr.dark.svg' },
		group: ['trigger'],
		version: 1,
		// Not the URL: it may carry a stream key, and the canvas is often shared as a screenshot.
		subtitle: '={{ $parameter.onlyMatching ? "sentences with " + $parameter.keywords.join(", ") : "every sentence" }}',
		description: 'Listens to a live stream, recognises speech locally (FunASR Paraformer) and starts one execution per sentence',
		eventTriggerDescription: 'Waiting for someone to speak on the stream',
		defaults: {
			name: 'RTMP Speech Recognition Trigger',
		},
		inputs: [],
		outputs: OUTPUTS,
		credentials: [
			{
				name: 'rtmpStreamApi',
				required: true,
				testedBy: 'rtmpStreamApiTest',
				displayOptions: { show: { source: ['credential'] } },
			},
		],
		triggerPanel: {
			header: '',
			executionsHelp: {
				inactive:
					"<b>While building your workflow</b>, click 'Execute step' and speak on the stream: the first sentence recognised starts an execution shown here.<br /><br /><b>Once you're happy with your workflow</b>, publish it: then every sentence starts an execution, listed under executions.",
				active:
					"<b>While building your workflow</b>, click 'Execute step' and speak on the stream: the first sentence recognised starts an execution shown here.<br /><br /><b>Your workflow is also running</b>: every sentence starts an execution, listed under executions.",
			},
			activationHint: 'Once you have finished building your workflow, publish it to have it listen to the stream continuously.',
		},
		properties: [
			{
				displayName: 'Stream Source',
				name: 'source',
				type: 'options',
				options: [
					{ name: 'URL', value: 'url', description: 'A stream URL typed here; use the credential for URLs with stream keys or passwords' },
					{ name: 'Credential', value: 'credential', description: 'Server URL, stream key and login kept in an RTMP Stream credential' },
				],
				default: 'url',
			},
			{
				displayName: 'Stream URL',
				name: 'url',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'rtmp://localhost:1935/live/stream',
				description: 'What ffmpeg reads: rtmp://, rtmps://, rtsp://, srt://, http(s):// (HLS), udp:// or a local file path',
				displayOptions: { show: { source: ['url'] } },
			},
			{
				displayName: 'Model',
				name: 'model',
				type: 'options',
				options: [...catalogChoices('asr'), localDirectoryChoice('Paraformer')],
				default: DEFAULT_MODELS.asr,
				description: 'The speech recogniser. A model missing from the model cache is downloaded when the workflow is activated (see Options).',
			},
			{
				displayName: 'Model Directory',
				name: 'modelDirectory',
				type: 'string',
				default: '',
				required: true,
				placeholder: '/home/node/models/speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-onnx',
				description: 'A FunASR Paraformer ONNX export: model.onnx (or model_quant.onnx), config.yaml, am.mvn and tokens.json',
				displayOptions: { show: { model: [LOCAL_DIRECTORY] } },
			},
			{
				displayName: 'Quantized (Int8)',
				name: 'quantized',
				type: 'boolean',
				default: false,
				description: 'Whether to load model_quant.onnx instead of model.onnx: about 4× smaller, 1.3–3× faster (most on CPUs with VNNI), slightly less accurate',
				displayOptions: { show: { model: [LOCAL_DIRECTORY] } },
			},
			{
				displayName: 'VAD Model',
				name: 'vadModel',
				type: 'options',
				options: [...catalogChoices('vad'), localDirectoryChoice('FSMN-VAD')],
				default: DEFAULT_MODELS.vad,
				description: 'Voice activity detection: finds where each sentence starts and ends',
			},
			{
				displayName: 'VAD Model Directory',
				name: 'vadModelDirectory',
				type: 'string',
				default: '',
				required: true,
				placeholder: '/home/node/models/speech_fsmn_vad_zh-cn-16k-common-onnx',
				description: 'A FunASR FSMN-VAD ONNX export: model.onnx, config.yaml and am.mvn',
				displayOptions: { show: { vadModel: [LOCAL_DIRECTORY] } },
			},
			{
				displayName: 'Punctuation',
				name: 'punctuationModel',
				type: 'options',
				options: [{ name: 'Off', value: NO_PUNCTUATION, description: 'The recogniser\'s text, without punctuation' }, ...catalogChoices('punc'), localDirectoryChoice('CT-Transformer')],
				default: DEFAULT_MODELS.punctuation,
				description: `Adds punctuation with a CT-Transformer model; sentences are then split at 。？！. ${DEFAULT_MODELS.punctuation} carries context from one sentence to the next, as live captions need.`,
			},
			{
				displayName: 'Punctuation Model Directory',
				name: 'punctuationModelDirectory',
				type: 'string',
				default: '',
				required: true,
				placeholder: '/home/node/models/punc_ct-transformer_zh-cn-common-vad_realtime-vocab272727-onnx',
				description: 'A FunASR CT-Transformer ONNX export, offline or vad_realtime, at the precision of the recogniser (model_quant.onnx when it is int8)',
				displayOptions: { show: { punctuationModel: [LOCAL_DIRECTORY] } },
			},
			{
				displayName: 'Keywords',
				name: 'keywords',
				type: 'string',
				typeOptions: { multipleValues: true, multipleValueButtonText: 'Add Keyword' },
				default: [],
				placeholder: '报警',
				description: 'Words to look for in each sentence; the ones found are listed in the item\'s "keywords" field',
			},
			{
				displayName: 'Keyword Match',
				name: 'keywordMatch',
				type: 'options',
				options: [
					{ name: 'Words', value: 'words', description: 'Whole words; in Chinese or Japanese (no spaces) any occurrence' },
					{ name: 'Substrings', value: 'substrings', description: 'Anywhere in the text, inside words too' },
					{ name: 'Regular Expressions', value: 'regex', description: 'Each keyword is a JavaScript regular expression' },
				],
				default: 'words',
			},
			{
				displayName: 'Case Sensitive',
				name: 'caseSensitive',
				type: 'boolean',
				default: false,
				description: 'Whether "Alarm" and "alarm" are different keywords',
			},
			{
				displayName: 'Emit Only Matching Sentences',
				name: 'onlyMatching',
				type: 'boolean',
				default: false,
				description: 'Whether to start executions only for sentences that contain at least one keyword',
			},
			{
				displayName: 'Status Output',
				name: 'statusOutput',
				type: 'boolean',
				default: false,
				description: 'Whether to add a second output that receives connection changes, reconnects, queue overflows and warnings',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					{
						displayName: 'Download Missing Models',
						name: 'downloadModels',
						type: 'boolean',
						default: true,
						description: 'Whether to download the chosen models when they are missing from the model cache, as the workflow is activated (progress in n8n\'s log). Off: activation fails and says how to install them by hand.',
					},
					{
						displayName: 'Early Recognition',
						name: 'earlyRecognition',
						type: 'boolean',
						default: true,
						description: 'Whether to recognise a sentence during its trailing silence, when the recognizer is idle, so its text is ready as the VAD End Silence confirms the end (captions about half a second sooner). Off saves the CPU that pauses shorter than the end silence waste.',
					},
					{
						displayName: 'FFmpeg Path',
						name: 'ffmpegPath',
						type: 'string',
						default: '',
						placeholder: '/usr/bin/ffmpeg',
						description: 'The ffmpeg binary; empty: ffmpeg on the PATH of n8n',
					},
					{
						displayName: 'Inference Threads',
						name: 'threads',
						type: 'number',
						typeOptions: { minValue: 0, maxValue: 64 },
						default: 1,
						description: 'CPU threads for recognition (0 lets onnxruntime choose). Workflows with the same model and threads share one loaded model.',
					},
					{
						displayName: 'Manual Mode Timeout (S)',
						name: 'manualTimeoutSeconds',
						type: 'number',
						typeOptions: { minValue: 1 },
						default: 120,
						description: 'When testing the node: how long to wait for the first sentence before giving up',
					},
					{
						displayName: 'Maximum Sentence Length (S)',
						name: 'maxSentenceSeconds',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 600 },
						default: 60,
						description: 'Speech without a pause is cut after this long (FunASR max_single_segment_time)',
					},
					{
						displayName: 'Model Cache Directory',
						name: 'modelCacheDirectory',
						type: 'string',
						default: '',
						placeholder: '/home/node/.n8n/rtmp-asr/models',
						description: 'Where models chosen from the list are kept, each in a folder named by its FunASR ID. Empty: RTMP_ASR_MODEL_DIR, else rtmp-asr/models in n8n\'s folder (~/.n8n), shared by all workflows.',
					},
					{
						displayName: 'Parallel Processing',
						name: 'parallelProcessing',
						type: 'boolean',
						default: false,
						description: 'Whether to start an execution per sentence at once. Off: each execution starts after the previous one finished, in spoken order; behind a slow workflow, speech waits in the queue (Queue Bound, Queue Overflow).',
					},
					{
						displayName: 'Parallel Recognitions',
						name: 'recognizers',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 8 },
						default: 1,
						description: 'Sentences recognised at once, each by its own copy of the recognition model (memory grows by one model each). 2 on a machine with 2 or more cores keeps up with more streams than one recognition on two threads.',
					},
					{
						displayName: 'Queue Bound (S)',
						name: 'queueSeconds',
						type: 'number',
						typeOptions: { minValue: 1 },
						default: 120,
						description: 'Most speech, in seconds of audio, that may wait for recognition when the CPU or, in order, the workflow falls behind',
					},
					{
						displayName: 'Queue Overflow',
						name: 'overflow',
						type: 'options',
						options: [
							{ name: 'Drop Oldest', value: 'drop-oldest', description: 'Keep up with the live stream: forget the oldest waiting speech' },
							{ name: 'Drop Newest', value: 'drop-newest', description: 'Finish what is waiting: ignore new speech until there is room' },
							{ name: 'Backpressure', value: 'backpressure', description: 'Lose nothing: stop reading the stream until there is room (the server may drop the connection)' },
						],
						default: 'drop-oldest',
					},
					{
						displayName: 'Reconnect Max Delay (S)',
						name: 'reconnectMaxDelaySeconds',
						type: 'number',
						typeOptions: { minValue: 1 },
						default: 30,
						description: 'A lost stream is retried after 1 s, then with growing delays up to this',
					},
					{
						displayName: 'VAD End Silence (Ms)',
						name: 'endSilenceMs',
						type: 'number',
						typeOptions: { minValue: 50, maxValue: 10000 },
						default: 800,
						description: 'A pause this long ends a sentence (FunASR max_end_silence_time)',
					},
				],
			},
		],
	};

	methods = {
		credentialTest: {
			async [CREDENTIAL_TEST](this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
				return await testStreamCredential(credential);
			},
		},
	};

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		return await runTrigger(this);
	}
}
