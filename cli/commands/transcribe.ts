import { LivePipeline, type Sentence } from '../../engine/index.js';
import { parseCommand, positiveInteger, requireValue } from '../args.js';
import { readHotwordOptions } from '../hotwords.js';

const USAGE = 'rtmp-asr transcribe <file-or-url> --model <dir> --vad <dir> [--punc <dir>] [--json] [--quantized] [--threads N] [--recognizers N] [--ffmpeg <path>] [--hotwords "词一 词二"] [--hotwords-file <file>]';

/** Prints one line per final sentence, as it is recognized. */
export async function transcribeCommand(argv: string[], signal: AbortSignal): Promise<void> {
	const { values, positionals } = parseCommand(argv, {
		model: { type: 'string' },
		vad: { type: 'string' },
		punc: { type: 'string' },
		json: { type: 'boolean', default: false },
		quantized: { type: 'boolean', default: false },
		threads: { type: 'string' },
		recognizers: { type: 'string' },
		ffmpeg: { type: 'string' },
		hotwords: { type: 'string' },
		'hotwords-file': { type: 'string' },
	}, USAGE);
	const hotwords = readHotwordOptions(values.hotwords, values['hotwords-file']);
	if (hotwords && hotwords.weighted > 0) {
		process.stderr.write(`note: the weights of ${hotwords.weighted} hotword(s) are ignored: they steer FunASR's FST (n-gram) hotwords; NN hotwords have no weight.\n`);
	}
	const input = requireValue(positionals[0], 'the input file or URL', USAGE);
	const pipeline = new LivePipeline({
		url: input,
		models: {
			asrDir: requireValue(values.model, '--model <dir>', USAGE),
			vadDir: requireValue(values.vad, '--vad <dir>', USAGE),
			...(values.punc ? { puncDir: values.punc } : {}),
			quantized: values.quantized ?? false,
			threads: positiveInteger(values.threads, '--threads', 1),
			recognizers: positiveInteger(values.recognizers, '--recognizers', 1),
		},
		// A file is transcribed whole: wait for recognition rather than drop speech.
		queue: { overflow: 'backpressure', maxSeconds: 30 },
		...(values.ffmpeg ? { ffmpegPath: values.ffmpeg } : {}),
		...(hotwords ? { hotwords: hotwords.hotwords } : {}),
	});
	const print = values.json
		? (s: Sentence) => `${JSON.stringify({ index: s.index, text: s.text, textRaw: s.textRaw, startMs: s.startMs, endMs: s.endMs })}\n`
		: (s: Sentence) => `[${clock(s.startMs)} → ${clock(s.endMs)}] ${s.text}\n`;
	pipeline.on('sentence', (sentence) => process.stdout.write(print(sentence)));
	pipeline.on('warning', (warning) => process.stderr.write(`warning: ${warning.describe()}\n`));
	pipeline.on('status', (status) => {
		if (status.type === 'reconnecting') process.stderr.write(`reconnecting to ${status.stream} in ${(status.delayMs / 1000).toFixed(1)} s (attempt ${status.attempt})\n`);
	});
	const outcome = new Promise<void>((resolve, reject) => {
		pipeline.once('end', resolve);
		pipeline.once('error', reject);
	});
	const interrupted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
	try {
		if (signal.aborted) return;
		await Promise.race([pipeline.start().then(() => outcome), interrupted]);
	} finally {
		await pipeline.close();
	}
}

function clock(ms: number): string {
	const totalSeconds = ms / 1000;
	const minutes = Math.floor(totalSeconds / 60);
	return `${String(minutes).padStart(2, '0')}:${(totalSeconds - minutes * 60).toFixed(3).padStart(6, '0')}`;
}
