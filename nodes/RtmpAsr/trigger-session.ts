import type {
	IDataObject,
	INode,
	INodeExecutionData,
	IRun,
	ITriggerFunctions,
	ITriggerResponse,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import {
	EngineError,
	isEngineError,
	type LivePipelineOptions,
	localInputPath,
	type ModelKind,
	type ModelSelection,
	parseStreamInput,
	type PartialCaption,
	type PipelineStatus,
	type RecognitionServerSettings,
	redactText,
	type Sentence,
} from '../../engine/index.js';
import {
	CREDENTIAL_NAME,
	joinStreamUrl,
	type StreamCredentials,
} from './credentials/stream-credentials.js';
import {
	SERVER_CREDENTIAL_NAME,
	serverSecrets,
	serverSettings,
	type ServerCredentials,
} from './credentials/server-credentials.js';
import { ExecutionQueue } from './execution-queue.js';
import { assertFileAccess } from './file-access.js';
import { createKeywordMatcher, KeywordMatcher, type RegexKeywordMatcher } from './keywords.js';
import { provideModels } from './models.js';
import { localPaths, readTriggerSettings, type TriggerSettings } from './parameters.js';
import {
	pipelineFactory,
	type TriggerPipeline,
	type TriggerPipelineOptions,
} from './pipeline-factory.js';

/** Everything a run needs, checked before anything starts. */
interface TriggerSetup {
	settings: TriggerSettings;
	/** Everything but the models, which are installed (perhaps downloaded) when the run starts. */
	pipelineOptions: Omit<LivePipelineOptions, 'models'>;
	/** Recognition on FunASR servers: no models then. */
	server: RecognitionServerSettings | null;
	matcher: KeywordMatcher | RegexKeywordMatcher;
	/** The stream as items and logs show it. */
	stream: string;
	redact: (text: string) => string;
}

/**
 * The trigger's run: validates the parameters (a NodeOperationError saying what to fix), then
 * - activated (trigger mode): installs missing catalog models, loads the models and listens until
 *   closeFunction; every final sentence is one execution, in order unless Parallel Processing is on;
 * - manual mode: manualTriggerFunction does the same until the first sentence, emits it and stops.
 */
export async function runTrigger(context: ITriggerFunctions): Promise<ITriggerResponse> {
	const node = context.getNode();
	let setup: TriggerSetup;
	try {
		setup = await prepare(context);
	} catch (error) {
		throw context.getMode() === 'manual' ? toNodeError(node, error) : toTriggerError(node, error);
	}
	return context.getMode() === 'manual' ? manualRun(context, setup) : await liveRun(context, setup);
}

async function prepare(context: ITriggerFunctions): Promise<TriggerSetup> {
	const settings = readTriggerSettings((name, fallback) =>
		context.getNodeParameter(name, fallback),
	);
	const { url, secrets } =
		settings.source === 'credential'
			? joinStreamUrl(await context.getCredentials<StreamCredentials>(CREDENTIAL_NAME))
			: { url: settings.url, secrets: [] as string[] };
	await assertFileAccess(localPaths(settings, localInputPath(url)));
	const input = parseStreamInput(url);
	const server =
		settings.recognition === 'server'
			? serverSettings(await context.getCredentials<ServerCredentials>(SERVER_CREDENTIAL_NAME))
			: null;
	const allSecrets = [...secrets, ...input.secrets, ...serverSecrets(server?.urls ?? [])];
	const redact = (text: string) => redactText(text, allSecrets);
	const matcher = createKeywordMatcher(settings.keywords, {
		mode: settings.keywordMatch,
		caseSensitive: settings.caseSensitive,
	});
	const pipelineOptions: Omit<LivePipelineOptions, 'models'> = {
		url,
		secrets: allSecrets,
		vad: { maxEndSilenceMs: settings.maxEndSilenceMs, maxSegmentMs: settings.maxSegmentMs },
		queue: { maxSeconds: settings.queueSeconds, overflow: settings.overflow },
		reconnect: { maxDelayMs: settings.reconnectMaxDelayMs },
		earlyRecognition: settings.earlyRecognition,
		...(settings.language === 'auto' ? {} : { language: settings.language }),
		...(settings.itn ? { itn: true } : {}),
		...(settings.hotwords.length > 0 ? { hotwords: settings.hotwords } : {}),
		...(settings.keywordHotwords.length > 0
			? { hotwordsIfSupported: settings.keywordHotwords }
			: {}),
		...(settings.ffmpegPath === undefined ? {} : { ffmpegPath: settings.ffmpegPath }),
		keepWarmMs: keepWarmMs(process.env),
	};
	return { settings, pipelineOptions, server, matcher, stream: redact(input.display), redact };
}

/** The pipeline's options: the models (installed now, perhaps downloaded), or the FunASR servers. */
async function pipelineOptionsOf(
	setup: TriggerSetup,
	logger: ITriggerFunctions['logger'],
	signal?: AbortSignal,
): Promise<TriggerPipelineOptions> {
	if (setup.server)
		return {
			...setup.pipelineOptions,
			server: setup.server,
			...(setup.settings.partialIntervalMs === undefined
				? {}
				: { partialIntervalMs: setup.settings.partialIntervalMs }),
		};
	const models: ModelSelection = await provideModels(setup.settings.models, logger, signal);
	return { ...setup.pipelineOptions, models };
}

async function liveRun(context: ITriggerFunctions, setup: TriggerSetup): Promise<ITriggerResponse> {
	const node = context.getNode();
	const queue = new ExecutionQueue(setup.settings.ordered, {
		emit: (data, done) => context.emit(data, undefined, done),
		createDeferred: () => context.helpers.createDeferredPromise<IRun>(),
		failed: (error) =>
			context.logger.warn(
				`An execution started by ${setup.stream} failed: ${setup.redact(String(error))}`,
			),
	});
	let options: TriggerPipelineOptions;
	try {
		options = await pipelineOptionsOf(setup, context.logger);
	} catch (error) {
		throw toTriggerError(node, error);
	}
	const pipeline = await pipelineFactory.create({ ...options, ready: () => queue.whenRoom() });
	const outputs = (output: 0 | 1 | 2, item: IDataObject): INodeExecutionData[][] => {
		const lists = outputLists(setup.settings);
		lists[outputIndex(setup.settings, output)] = context.helpers.returnJsonArray([item]);
		return lists;
	};

	const warn = (warning: EngineError) => {
		context.logger.warn(setup.redact(warning.describe()));
		if (setup.settings.statusOutput)
			queue.push(outputs(1, warningItem(warning, setup.stream, new Date(), setup.redact)));
	};
	pipeline.on(
		'sentence',
		matchedItems(setup, warn, (item) => queue.push(outputs(0, item))),
	);
	pipeline.on('status', (status) => {
		context.logger.info(setup.redact(describeStatus(status)));
		if (setup.settings.statusOutput) queue.push(outputs(1, statusItem(status, new Date())));
	});
	pipeline.on('warning', warn);
	if (setup.settings.partialIntervalMs !== undefined)
		pipeline.on('partial', (partial) => queue.push(outputs(2, partialItem(partial))));
	pipeline.on('end', () => {
		context.logger.info(`${setup.stream} ended; everything it said was emitted.`);
		if (setup.settings.statusOutput)
			queue.push(outputs(1, { type: 'end', stream: setup.stream, at: new Date().toISOString() }));
	});
	pipeline.on('error', (error) => {
		context.logger.error(setup.redact(error.describe()));
		context.emitError(toTriggerError(node, error));
	});

	try {
		await pipeline.start();
	} catch (error) {
		await pipeline.close();
		await closeMatcher(setup);
		throw toTriggerError(node, error);
	}
	if (pipeline.modelsLoaded)
		context.logger.info(describeModelLoads(setup.stream, pipeline.modelsLoaded));
	return {
		closeFunction: async () => {
			queue.close();
			await pipeline.close();
			await closeMatcher(setup);
		},
	};
}

const KEEP_WARM_VARIABLE = 'RTMP_ASR_KEEP_WARM_SECONDS';
const DEFAULT_KEEP_WARM_SECONDS = 60;

/**
 * How long the models stay loaded after the trigger closes: n8n closes it and starts it again on
 * every save of an active workflow, and on every change of its hotwords; within this time the
 * second start reuses the loaded models (a new hotword list is only embedded).
 */
export function keepWarmMs(env: NodeJS.ProcessEnv): number {
	const given = env[KEEP_WARM_VARIABLE];
	if (given === undefined || given.trim() === '') return DEFAULT_KEEP_WARM_SECONDS * 1000;
	const seconds = Number(given);
	if (!Number.isFinite(seconds) || seconds < 0 || seconds > 86_400)
		throw new EngineError(
			'BAD_OPTION',
			`${KEEP_WARM_VARIABLE}="${given}" is not a number of seconds from 0 to 86400.`,
			`Set it to how long the models stay loaded after a workflow stops (default ${DEFAULT_KEEP_WARM_SECONDS}; 0 unloads them at once), or unset it.`,
		);
	return seconds * 1000;
}

function describeModelLoads(stream: string, loaded: readonly ModelKind[]): string {
	const reused =
		loaded.length === 0 ? 'all models were loaded already' : `loaded: ${loaded.join(', ')}`;
	return `${stream}: models ready (${reused}).`;
}

function manualRun(context: ITriggerFunctions, setup: TriggerSetup): ITriggerResponse {
	const node = context.getNode();
	const stop = new AbortController();
	let running: TriggerPipeline | null = null;

	const manualTriggerFunction = async () => {
		let options: TriggerPipelineOptions;
		try {
			options = await pipelineOptionsOf(setup, context.logger, stop.signal);
		} catch (error) {
			throw toNodeError(node, error);
		}
		const pipeline = await pipelineFactory.create(options);
		running = pipeline;
		try {
			const item = await firstSentence(pipeline, setup, stop.signal);
			const lists = outputLists(setup.settings);
			lists[0] = context.helpers.returnJsonArray([item]);
			context.emit(lists);
		} catch (error) {
			throw toNodeError(node, error);
		} finally {
			running = null;
			await pipeline.close();
		}
	};

	return {
		manualTriggerFunction,
		closeFunction: async () => {
			stop.abort(stoppedError());
			await running?.close();
			await closeMatcher(setup);
		},
	};
}

/**
 * Starts the pipeline and waits for the first sentence that passes the keyword filter. The
 * timeout counts from the moment the models are loaded; when it expires, the last problem the
 * pipeline reported (refused connection, no audio…) is part of the message.
 */
async function firstSentence(
	pipeline: TriggerPipeline,
	setup: TriggerSetup,
	stop: AbortSignal,
): Promise<IDataObject> {
	let lastProblem = '';
	let settle:
		{ resolve: (item: IDataObject) => void; reject: (error: unknown) => void } | undefined;
	const result = new Promise<IDataObject>((resolve, reject) => (settle = { resolve, reject }));
	// A failure while the models load is only awaited after start(): not an unhandled rejection.
	result.catch(() => undefined);
	const warn = (warning: EngineError) => (lastProblem = setup.redact(warning.describe()));
	pipeline.on(
		'sentence',
		matchedItems(setup, warn, (item) => settle?.resolve(item)),
	);
	pipeline.on('warning', warn);
	pipeline.on('error', (error) => settle?.reject(error));
	pipeline.on('end', () =>
		settle?.reject(
			new EngineError(
				'INPUT_NOT_AUDIO',
				`${setup.stream} ended without a sentence${setup.settings.onlyMatching ? ' containing a keyword' : ''}.`,
				'Give an input with speech.',
			),
		),
	);
	const stopped = () => settle?.reject(stop.reason);
	if (stop.aborted) stopped();
	stop.addEventListener('abort', stopped, { once: true });

	await pipeline.start();
	const seconds = Math.round(setup.settings.manualTimeoutMs / 1000);
	const timer = setTimeout(() => {
		const wanted = setup.settings.onlyMatching ? 'sentence containing a keyword' : 'sentence';
		const problem = lastProblem === '' ? '' : ` Last problem: ${lastProblem}`;
		settle?.reject(
			new EngineError(
				'STREAM_STALLED',
				`No ${wanted} was heard on ${setup.stream} within ${seconds} s.${problem}`,
				'Check that someone is speaking on the stream, or raise Options → Manual Mode Timeout.',
			),
		);
	}, setup.settings.manualTimeoutMs);
	try {
		return await result;
	} finally {
		clearTimeout(timer);
	}
}

/**
 * A sentence listener that passes each sentence's item to `found`, in sentence order, unless only
 * matching sentences are wanted and it has no keyword. Words and substrings match synchronously;
 * regular expressions in a worker, so their items follow a moment later.
 */
function matchedItems(
	setup: TriggerSetup,
	warn: (warning: EngineError) => void,
	found: (item: IDataObject) => void,
): (sentence: Sentence) => void {
	const { matcher } = setup;
	const take = (sentence: Sentence, keywords: string[]) => {
		if (setup.settings.onlyMatching && keywords.length === 0) return;
		found(
			sentenceItem(sentence, {
				keywords,
				stream: setup.stream,
				// A FunASR server names no model: the item says which kind of server answered.
				model: setup.server
					? `funasr-server-${setup.server.mode ?? '2pass'}`
					: setup.settings.modelName,
			}),
		);
	};
	if (matcher instanceof KeywordMatcher)
		return (sentence) => take(sentence, matcher.match(sentence.text, sentence.textRaw));
	return (sentence) => {
		void matcher.match(sentence.text, sentence.textRaw).then(({ keywords, warnings }) => {
			warnings.forEach(warn);
			take(sentence, keywords);
		});
	};
}

async function closeMatcher(setup: TriggerSetup): Promise<void> {
	if (!(setup.matcher instanceof KeywordMatcher)) await setup.matcher.close();
}

/** Why a manual run ends when n8n closes the trigger, be it downloading a model or listening. */
function stoppedError(): EngineError {
	return new EngineError('BAD_OPTION', 'Listening was stopped before a sentence was heard.', '');
}

function describeStatus(status: PipelineStatus): string {
	switch (status.type) {
		case 'connected':
			return `Connected to ${status.stream} (session ${status.sessionId}).`;
		case 'disconnected':
			return `Disconnected from ${status.stream}: ${status.reason}.`;
		case 'reconnecting':
			return `Reconnecting to ${status.stream} in ${Math.round(status.delayMs / 100) / 10} s (attempt ${status.attempt}).`;
		case 'overflow':
			return `Recognition fell behind on ${status.stream}: ${status.droppedSeconds} s of speech dropped (${status.totalDroppedSeconds} s in all).`;
		case 'server-connected':
			return `${status.stream} is recognized by ${status.server}.`;
		case 'server-lost':
			return `${status.server} failed for ${status.stream} (${status.reason}): ${status.droppedSeconds} s of speech lost (${status.totalDroppedSeconds} s in all).`;
	}
}

/**
 * For an activated workflow: n8n 2.x shows a trigger's activation and runtime failures by their
 * message alone (the editor's publication status, the activation error), so the fix goes into it.
 */
function toTriggerError(node: INode, error: unknown): NodeOperationError {
	const nodeError = toNodeError(node, error);
	if (isEngineError(error) && error.fix) nodeError.message = error.describe();
	return nodeError;
}

export function toNodeError(node: INode, error: unknown): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	if (isEngineError(error)) {
		const nodeError = new NodeOperationError(
			node,
			error.message,
			error.fix ? { description: error.fix } : {},
		);
		// n8n swaps a message that mentions ENOENT, EACCES, ENOTDIR… for a generic sentence without the path; ours names it.
		nodeError.message = error.message;
		return nodeError;
	}
	return new NodeOperationError(node, error instanceof Error ? error : String(error));
}

interface SentenceContext {
	/** Keywords found in the sentence. */
	keywords: string[];
	/** The stream, secrets masked. */
	stream: string;
	model: string;
}

/** One execution's item for a final sentence. */
function sentenceItem(sentence: Sentence, context: SentenceContext): IDataObject {
	return {
		text: sentence.text,
		textRaw: sentence.textRaw,
		index: sentence.index,
		sessionId: sentence.sessionId,
		startMs: sentence.startMs,
		endMs: sentence.endMs,
		startedAt: sentence.startedAt,
		endedAt: sentence.endedAt,
		durationMs: sentence.durationMs,
		latencyMs: sentence.latencyMs,
		...(sentence.tokens ? { tokens: sentence.tokens.map((token) => ({ ...token })) } : {}),
		...(sentence.language !== undefined ? { language: sentence.language } : {}),
		...(sentence.emotion !== undefined ? { emotion: sentence.emotion } : {}),
		...(sentence.events ? { events: [...sentence.events] } : {}),
		keywords: context.keywords,
		stream: context.stream,
		model: context.model,
	};
}

/** One empty list per output of the node: Sentence, then Status and Partial Captions when on. */
function outputLists(settings: TriggerSettings): INodeExecutionData[][] {
	return Array.from(
		{
			length:
				1 + (settings.statusOutput ? 1 : 0) + (settings.partialIntervalMs === undefined ? 0 : 1),
		},
		() => [],
	);
}

/** Where output 0 (Sentence), 1 (Status) or 2 (Partial Captions) is among the outputs that exist. */
function outputIndex(settings: TriggerSettings, output: 0 | 1 | 2): number {
	if (output < 2) return output;
	return settings.statusOutput ? 2 : 1;
}

/** An item for the Partial Captions output: the sentence in progress, and the index its final will have. */
function partialItem(partial: PartialCaption): IDataObject {
	return { ...partial, partial: true, at: new Date().toISOString() };
}

/** An item for the Status output: what happened to the connection, and when. */
function statusItem(status: PipelineStatus, at: Date): IDataObject {
	return { ...status, at: at.toISOString() };
}

/** A transient problem the pipeline recovers from, for the Status output. */
function warningItem(
	warning: EngineError,
	stream: string,
	at: Date,
	redact: (text: string) => string,
): IDataObject {
	return {
		type: 'warning',
		stream,
		code: warning.code,
		message: redact(warning.message),
		fix: redact(warning.fix),
		at: at.toISOString(),
	};
}
