/** The `code` of a Node.js system error (`ENOENT`, `ECONNREFUSED`…), or undefined. */
export function errorCode(error: unknown): string | undefined {
	if (!error || typeof error !== 'object' || !('code' in error)) return undefined;
	const code = (error as { code: unknown }).code;
	return typeof code === 'string' ? code : undefined;
}

/** A system call's error (`mkdir`, `open`, `write`…): fetch wraps network errors, so what surfaces raw is the file system's. */
export function isFileSystemError(error: unknown): boolean {
	return (
		errorCode(error) !== undefined && typeof (error as { syscall?: unknown }).syscall === 'string'
	);
}
