#!/usr/bin/env node
import { describeError } from '../engine/index.js';
import { featuresCommand } from './commands/features.js';
import { modelsCommand } from './commands/models.js';
import { transcribeCommand } from './commands/transcribe.js';
import { vadCommand } from './commands/vad.js';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<void>; summary: string }> = {
	transcribe: { run: transcribeCommand, summary: 'transcribe <file-or-url> --model <dir> --vad <dir> [--punc <dir>] [--json]: one line per final sentence' },
	vad: { run: vadCommand, summary: 'vad <file-or-url> --vad <dir> [--json]: speech segments [[startMs, endMs], ...]' },
	models: { run: modelsCommand, summary: 'models list | pull <name>... | verify [<name>...] [--dir <dir>] [--json]: known and installed models; download with resume and checks; check installed files' },
	features: { run: featuresCommand, summary: 'features <wav-or-url> --model <dir> [--fbank] --out <file>: model input features, float32 [T, D]' },
};

function usage(): string {
	return ['Usage: rtmp-asr <command> [options]', '', ...Object.values(COMMANDS).map((command) => `  rtmp-asr ${command.summary}`)].join('\n');
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
	try {
		await command.run(rest);
		return 0;
	} catch (error) {
		process.stderr.write(`rtmp-asr ${name}: ${describeError(error)}\n`);
		return 1;
	}
}

// A reader that stops early (`| head`) is not an error; ffmpeg dies with this process (pdeathsig).
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
	if (error.code === 'EPIPE') process.exit(0);
	throw error;
});

void main(process.argv.slice(2)).then((code) => {
	process.exitCode = code;
});
