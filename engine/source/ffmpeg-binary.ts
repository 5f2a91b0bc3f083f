import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { EngineError } from '../errors.js';

const INSTALL_FIX =
	'Install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg; the official n8n image is Alpine without ffmpeg, use a Debian-based one) or set the ffmpeg path option to the binary.';

/** The ffmpeg to run: the explicit path when given, else `ffmpeg` on PATH; throws a fatal FFMPEG_MISSING. */
export function resolveFfmpegBinary(
	explicitPath?: string,
	pathVariable = process.env.PATH,
): string {
	if (explicitPath !== undefined && explicitPath.trim() !== '') {
		const path = resolve(explicitPath.trim());
		if (!isExecutableFile(path)) {
			throw new EngineError(
				'FFMPEG_MISSING',
				`The ffmpeg path ${path} is not an executable file.`,
				INSTALL_FIX,
			);
		}
		return path;
	}
	const found = findExecutable('ffmpeg', pathVariable);
	if (found === undefined)
		throw new EngineError('FFMPEG_MISSING', 'ffmpeg was not found on PATH.', INSTALL_FIX);
	return found;
}

/** The first executable file called `name` in the directories of a PATH-style variable. */
export function findExecutable(name: string, pathVariable = process.env.PATH): string | undefined {
	for (const directory of (pathVariable ?? '').split(delimiter)) {
		// A relative entry would make the binary depend on the working directory.
		if (directory === '' || !isAbsolute(directory)) continue;
		const candidate = join(directory, name);
		if (isExecutableFile(candidate)) return candidate;
	}
	return undefined;
}

function isExecutableFile(path: string): boolean {
	try {
		accessSync(path, constants.X_OK);
		return statSync(path).isFile();
	} catch {
		return false;
	}
}
