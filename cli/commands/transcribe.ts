import { readFileSync } from 'node:fs';
import {
	EngineError,
	LivePipeline,
	parseRecognitionLanguage,
	ServerPipeline,
	splitServerUrls,
} from '../../engine/index.js';
import { parseCommand, positiveInteger, requireValue } from '../args.js';
import { readHotwordOptions } from '../hotwords.js';
import { createFormatter, parseOutputFormat } from '../output-formats.js';

const USAGE =
	'rtmp-asr transcribe <file-or-url> --model <dir> --vad <dir> [--punc <dir>] [--format text|jsonl|srt|vtt] [--json] [--quantized] [--threads N] [--recognizers N] [--ffmpeg <path>] [--hotwords "词一 词二"] [--hotwords-file <file>] [--language auto|zh|en|yue|ja|ko] [--itn]\n       rtmp-asr transcribe <file-or-url> --server <ws(s)://host:port>... [--server-mode 2pass|offline] [--ca <pem-file>] [--allow-self-signed] [--format …] [--hotwords …]';

/** Prints each final sentence as it is recognized: a line of text or JSON, or subtitle cues. `--json` is `--format jsonl`. */
export async function transcribeCommand(argv: string[], signal: AbortSignal): Promise<void> {
	const { values, positionals } = parseCommand(
		argv,
		{
			model: { type: 'string' },
			vad: { type: 'string' },
			punc: { type: 'string' },
			format: { type: 'string' },
			json: { type: 'boolean', default: false },
			quantized: { type: 'boolean', default: false },
			threads: { type: 'string' },
			recognizers: { type: 'string' },
			ffmpeg: { type: 'string' },
			hotwords: { type: 'string' },
			'hotwords-file': { type: 'string' },
			language: { type: 'string' },
			itn: { type: 'boolean', default: false },
			server: { type: 'string', multiple: true },
			'server-mode': { type: 'string' },
			ca: { type: 'string' },
			'allow-self-signed': { type: 'boolean', default: false },
		},
		USAGE,
	);
	const hotwords = readHotwordOptions(values.hotwords, values['hotwords-file']);
	if (hotwords && hotwords.weighted > 0) {
		process.stderr.write(
			`note: the weights of ${hotwords.weighted} hotword(s) are ignored: they steer FunASR's FST (n-gram) hotwords; NN hotwords have no weight.\n`,
		);
	}
	const input = requireValue(positionals[0], 'the input file or URL', USAGE);
	if (values.json && values.format !== undefined && values.format !== 'jsonl') {
		throw new EngineError(
			'BAD_OPTION',
			`--json means --format jsonl; it cannot go with --format ${values.format}.`,
			'Give one of them.',
		);
	}
	const formatter = createFormatter(
		values.json ? 'jsonl' : parseOutputFormat(values.format ?? 'text'),
	);
	const common = {
		url: input,
		// A file is transcribed whole: wait for recognition rather than drop speech.
		queue: { overflow: 'backpressure', maxSeconds: 30 } as const,
		...(values.ffmpeg ? { ffmpegPath: values.ffmpeg } : {}),
		...(hotwords ? { hotwords: hotwords.hotwords } : {}),
	};
	const servers = (values.server ?? []).flatMap(splitServerUrls);
	const pipeline =
		servers.length > 0
			? new ServerPipeline({
					...common,
					server: {
						urls: servers,
						mode: serverMode(values['server-mode']),
						...(values.ca ? { ca: readFileSync(values.ca, 'utf8') } : {}),
						allowSelfSigned: values['allow-self-signed'] ?? false,
					},
				})
			: new LivePipeline({
					...common,
					models: {
						asrDir: requireValue(values.model, '--model <dir>', USAGE),
						vadDir: requireValue(values.vad, '--vad <dir>', USAGE),
						...(values.punc ? { puncDir: values.punc } : {}),
						quantized: values.quantized ?? false,
						threads: positiveInteger(values.threads, '--threads', 1),
						recognizers: positiveInteger(values.recognizers, '--recognizers', 1),
					},
					...(values.language !== undefined
						? { language: parseRecognitionLanguage(values.language, '--language') }
						: {}),
					...(values.itn ? { itn: true } : {}),
				});
	if (formatter.header) process.stdout.write(formatter.header);
	pipeline.on('sentence', (sentence) => process.stdout.write(formatter.format(sentence)));
	pipeline.on('warning', (warning) => process.stderr.write(`warning: ${warning.describe()}\n`));
	pipeline.on('status', (status) => {
		if (status.type === 'reconnecting')
			process.stderr.write(
				`reconnecting to ${status.stream} in ${(status.delayMs / 1000).toFixed(1)} s (attempt ${status.attempt})\n`,
			);
		if (status.type === 'server-lost')
			process.stderr.write(`${status.droppedSeconds} s of speech lost with ${status.server}\n`);
	});
	const outcome = new Promise<void>((resolve, reject) => {
		pipeline.once('end', resolve);
		pipeline.once('error', reject);
	});
	const interrupted = new Promise<void>((resolve) =>
		signal.addEventListener('abort', () => resolve(), { once: true }),
	);
	try {
		if (signal.aborted) return;
		await Promise.race([pipeline.start().then(() => outcome), interrupted]);
	} finally {
		await pipeline.close();
	}
}

function serverMode(value: string | undefined): '2pass' | 'offline' {
	if (value === undefined || value === '2pass' || value === 'offline') return value ?? '2pass';
	throw new EngineError(
		'BAD_OPTION',
		`--server-mode must be 2pass or offline, not "${value}".`,
		'2pass gives partials and corrected sentences; offline the corrected sentences only.',
	);
}
