import { describeError } from '../engine/index.js';
import { featuresCommand } from './commands/features.js';
import { modelsCommand } from './commands/models.js';
import { transcribeCommand } from './commands/transcribe.js';
import { vadCommand } from './commands/vad.js';

/** Exit codes of a run ended by a signal, as a shell reports a process killed by it (128 + number). */
const SIGNAL_EXIT_CODES: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

interface Command {
	/** `signal` aborts on SIGINT/SIGTERM: the command then closes what it opened and returns. */
	run: (argv: string[], signal: AbortSignal) => Promise<void>;
	summary: string;
	/** A command that has nothing to close (a download resumes from its .partial file) exits on the first signal. */
	exitsOnSignal?: boolean;
}

const COMMANDS: Record<string, Command> = {
	transcribe: {
		run: transcribeCommand,
		summary:
			'transcribe <file-or-url> --model <dir> --vad <dir> [--punc <dir>] [--format text|jsonl|srt|vtt] [--language xx] [--itn]: each final sentence as a line, a JSON line or subtitle cues (--json = --format jsonl); --server <ws(s)://host:port> recognizes on FunASR servers instead',
	},
	vad: {
		run: vadCommand,
		summary: 'vad <file-or-url> --vad <dir> [--json]: speech segments [[startMs, endMs], ...]',
	},
	models: {
		run: modelsCommand,
		exitsOnSignal: true,
		summary:
			'models list | pull <name>... | verify [<name>...] [--dir <dir>] [--json]: known and installed models; download with resume and checks; check installed files',
	},
	features: {
		run: featuresCommand,
		summary:
			'features <file-or-url> --model <dir> [--fbank] --out <file>: model input features, float32 [T, D]',
	},
};

function usage(): string {
	return [
		'Usage: rtmp-asr <command> [options]',
		'',
		...Object.values(COMMANDS).map((command) => `  rtmp-asr ${command.summary}`),
	].join('\n');
}

async function main(argv: string[]): Promise<number> {
	const [name, ...rest] = argv;
	if (!name || name === '--help' || name === '-h') {
		process.stdout.write(`${usage()}\n`);
		return name ? 0 : 2;
	}
	const command = COMMANDS[name];
	if (!command) {
		process.stderr.write(`rtmp-asr: unknown command "${name}".\n${usage()}\n`);
		return 2;
	}
	const interruption = new AbortController();
	let received: keyof typeof SIGNAL_EXIT_CODES | undefined;
	const onSignal = (signal: keyof typeof SIGNAL_EXIT_CODES) => {
		if (received || command.exitsOnSignal) {
			process.stderr.write(
				`rtmp-asr ${name}: ${signal}${received ? ' again' : ''}, exiting at once.\n`,
			);
			process.exit(SIGNAL_EXIT_CODES[signal]);
		}
		received = signal;
		process.stderr.write(`rtmp-asr ${name}: ${signal}, closing (send it again to exit at once).\n`);
		interruption.abort();
	};
	// Listening until exit (not `once`): execa's exit hook re-raises a signal nobody else listens to, which would kill the process before its own close.
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	try {
		await command.run(rest, interruption.signal);
	} catch (error) {
		if (!received) {
			process.stderr.write(`rtmp-asr ${name}: ${describeError(error)}\n`);
			return 1;
		}
	}
	if (!received) return 0;
	process.stderr.write(`rtmp-asr ${name}: closed after ${received}.\n`);
	return SIGNAL_EXIT_CODES[received];
}

// A reader that stops early (`| head`) is not an error; ffmpeg dies with this process (pdeathsig).
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
	if (error.code === 'EPIPE') process.exit(0);
	throw error;
});

void main(process.argv.slice(2)).then((code) => {
	process.exitCode = code;
});
