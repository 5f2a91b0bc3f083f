import { readFileSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, posix, resolve, sep } from 'node:path';
import { EngineError } from '../../engine/index.js';

/**
 * n8n's file-access rules, applied to the paths this node hands to ffmpeg and onnxruntime.
 *
 * n8n-core implements them for its file nodes as `isFilePathBlocked` and `resolvePath`
 * (packages/core/src/execution-engine/node-execution-context/utils/file-system-helper-functions.ts,
 * n8n 2.40), but only execute contexts get those helpers: `ITriggerFunctions['helpers']` has no
 * FileSystemHelperFunctions in n8n-workflow 2.40. So this follows the same semantics:
 * - the path is resolved to its real path (symlinks followed) before it is judged;
 * - N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES (on unless "false") blocks n8n's own folder, its static
 *   cache and the files named by N8N_CONFIG_FILES, N8N_CUSTOM_EXTENSIONS,
 *   N8N_BINARY_DATA_STORAGE_PATH and the e-mail template variables;
 * - N8N_BLOCK_FILE_PATTERNS (regular expressions separated by ";", default: any `.git` folder);
 * - N8N_RESTRICT_FILE_ACCESS_TO: directories separated by ";", `~` for the home directory; unset,
 *   `~/.n8n-files` (n8n 2.x's default); set to an empty value, no restriction.
 */
export type FileAccessEnvironment = Readonly<Record<string, string | undefined>>;

export const RESTRICT_FILE_ACCESS_TO = 'N8N_RESTRICT_FILE_ACCESS_TO';
export const BLOCK_FILE_ACCESS_TO_N8N_FILES = 'N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES';
export const BLOCK_FILE_PATTERNS = 'N8N_BLOCK_FILE_PATTERNS';
const DEFAULT_ALLOWED = '~/.n8n-files';
const DEFAULT_BLOCKED_PATTERNS = '^(?:[^/]*/)*\\.git(?:/.*)?$';

/** A path the node was given, and the parameter that gave it (for the message). */
export interface GivenPath {
	parameter: string;
	path: string;
}

/** Throws BAD_OPTION naming the parameter and the environment variable when n8n would block a path. */
export async function assertFileAccess(
	paths: readonly GivenPath[],
	env: FileAccessEnvironment = process.env,
): Promise<void> {
	for (const { parameter, path } of paths) {
		const resolved = await resolveRealPath(path);
		const blocked = blockedBy(resolved, env);
		if (blocked === null) continue;
		const shown = resolved === resolve(path) ? `"${path}"` : `"${path}" (really "${resolved}")`;
		throw new EngineError(
			'BAD_OPTION',
			`n8n does not let nodes use the ${parameter} ${shown}: ${blocked.reason}.`,
			blocked.fix,
		);
	}
}

interface Verdict {
	reason: string;
	fix: string;
}

function blockedBy(resolved: string, env: FileAccessEnvironment): Verdict | null {
	if (
		env[BLOCK_FILE_ACCESS_TO_N8N_FILES] !== 'false' &&
		n8nRestrictedPaths(env).some((restricted) => isContainedWithin(restricted, resolved))
	) {
		return {
			reason: `it is inside n8n's own files (${BLOCK_FILE_ACCESS_TO_N8N_FILES})`,
			fix: `Move it out of n8n's folder (e.g. into ~/.n8n-files), or set ${BLOCK_FILE_ACCESS_TO_N8N_FILES}=false in n8n's environment.`,
		};
	}
	const patterns = configValue(env, BLOCK_FILE_PATTERNS) ?? DEFAULT_BLOCKED_PATTERNS;
	if (isPatternBlocked(resolved, patterns)) {
		return {
			reason: `it matches ${BLOCK_FILE_PATTERNS} (${patterns})`,
			fix: `Use a path that does not match it, or change ${BLOCK_FILE_PATTERNS} in n8n's environment.`,
		};
	}
	const allowed = allowedPaths(env);
	if (allowed.length > 0 && !allowed.some((directory) => isContainedWithin(directory, resolved))) {
		return {
			reason: `it is outside ${RESTRICT_FILE_ACCESS_TO} (${allowed.join(';')})`,
			fix: `Move it into one of those directories, or add its directory to ${RESTRICT_FILE_ACCESS_TO} (directories separated by ";") in n8n's environment.`,
		};
	}
	return null;
}

/** n8n's SecurityConfig reads a variable, or the file named by `<name>_FILE`, and unquotes it. */
function configValue(env: FileAccessEnvironment, name: string): string | undefined {
	let value = env[name];
	if (value === undefined && env[`${name}_FILE`])
		value = readFileSync(env[`${name}_FILE`]!, 'utf8');
	return value?.trim().replace(/^(['"])(.*)\1$/, '$2');
}

function allowedPaths(env: FileAccessEnvironment): string[] {
	return (configValue(env, RESTRICT_FILE_ACCESS_TO) ?? DEFAULT_ALLOWED)
		.split(';')
		.map((path) => path.trim())
		.filter((path) => path !== '')
		.map((path) => (path.startsWith('~') ? path.replace('~', homedir()) : path));
}

function n8nRestrictedPaths(env: FileAccessEnvironment): string[] {
	const n8nFolder = join(
		env.N8N_USER_FOLDER ??
			env[process.platform === 'win32' ? 'USERPROFILE' : 'HOME'] ??
			process.cwd(),
		'.n8n',
	);
	const paths = [n8nFolder, join(dirname(n8nFolder), '.cache/n8n/public')];
	if (env.N8N_CONFIG_FILES) paths.push(...env.N8N_CONFIG_FILES.split(','));
	if (env.N8N_CUSTOM_EXTENSIONS) paths.push(...env.N8N_CUSTOM_EXTENSIONS.split(';'));
	for (const name of [
		'N8N_BINARY_DATA_STORAGE_PATH',
		'N8N_UM_EMAIL_TEMPLATES_INVITE',
		'N8N_UM_EMAIL_TEMPLATES_PWRESET',
	]) {
		if (env[name]) paths.push(env[name]);
	}
	return paths;
}

function isPatternBlocked(resolved: string, patterns: string): boolean {
	const normalized = posix.normalize(resolved.replace(/\\/g, '/'));
	return patterns
		.split(';')
		.map((pattern) => pattern.trim())
		.filter((pattern) => pattern !== '')
		.some((pattern) => {
			try {
				return new RegExp(pattern, 'mi').test(normalized);
			} catch {
				return true;
			}
		});
}

function isContainedWithin(parent: string, child: string): boolean {
	const parentPath = resolve(parent);
	const childPath = resolve(child);
	return parentPath === childPath || childPath.startsWith(parentPath + sep);
}

/**
 * The real path, as n8n's resolvePath; where n8n gives up on a missing parent, the deepest
 * existing ancestor is resolved instead, so that the loader reports the missing directory itself.
 */
async function resolveRealPath(path: string): Promise<string> {
	const absolute = resolve(path);
	try {
		return await realpath(absolute);
	} catch (error) {
		const parent = dirname(absolute);
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === absolute) return absolute;
		return join(await resolveRealPath(parent), basename(absolute));
	}
}
