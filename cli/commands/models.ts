import { EngineError } from '../../engine/index.js';
import {
	defaultCatalog,
	findModel,
	formatBytes,
	hasWeights,
	inspectModel,
	modelRoot,
	progressPrinter,
	pullModel,
	totalBytes,
	verifyModel,
	type CatalogModel,
	type ModelReport,
	type ModelState,
} from '../../models/index.js';
import { parseCommand } from '../args.js';

const USAGE =
	'rtmp-asr models list [--dir <dir>] [--json] | models pull <name>... [--dir <dir>] | models verify [<name>...] [--dir <dir>] [--json]';
const OPTIONS = {
	dir: { type: 'string' },
	json: { type: 'boolean', default: false },
} as const;

/** The model catalog and cache: what is known and installed, downloading, checking installed files. */
export async function modelsCommand(argv: string[]): Promise<void> {
	const { values, positionals } = parseCommand(argv, OPTIONS, USAGE);
	const [action, ...names] = positionals;
	const root = modelRoot(values.dir);
	switch (action) {
		case 'list':
			return list(root, values.json ?? false);
		case 'pull':
			return pull(root, names);
		case 'verify':
			return verify(root, names, values.json ?? false);
		default:
			throw new EngineError(
				'BAD_OPTION',
				action
					? `Unknown action "${action}" (list, pull or verify).`
					: 'Missing action: list, pull or verify.',
				`Usage: ${USAGE}`,
			);
	}
}

function list(root: string, json: boolean): void {
	const states = defaultCatalog().models.map((model) => inspectModel(model, root));
	if (json) {
		process.stdout.write(
			`${JSON.stringify({ root, models: states.map(describeState) }, null, '\t')}\n`,
		);
		return;
	}
	process.stdout.write(`Model cache: ${root}\n`);
	const rows = states.map((state) => [
		state.model.name,
		state.model.kind,
		sizeColumn(state),
		statusOf(state),
		checksColumn(state.model),
		state.model.id,
	]);
	process.stdout.write(table([['NAME', 'KIND', 'SIZE', 'STATUS', 'CHECKS', 'FUNASR ID'], ...rows]));
	if (states.some((state) => !hasPublishedHashes(state.model)))
		process.stdout.write(UNVERIFIED_NOTE);
}

async function pull(root: string, names: string[]): Promise<void> {
	if (names.length === 0)
		throw new EngineError(
			'BAD_OPTION',
			'Name at least one model to pull.',
			`Known models: ${defaultCatalog()
				.models.map((m) => m.name)
				.join(', ')}.`,
		);
	const models = names.map((name) => findModel(defaultCatalog(), name));
	const controller = new AbortController();
	const interrupt = () =>
		controller.abort(
			new Error('Interrupted. The partial download stays; the next pull resumes it.'),
		);
	process.once('SIGINT', interrupt);
	process.once('SIGTERM', interrupt);
	try {
		for (const model of models) {
			const result = await pullModel(model.name, {
				dir: root,
				signal: controller.signal,
				onProgress: progressPrinter(process.stderr),
			});
			process.stdout.write(`${model.name}\t${result.directory}\n`);
		}
	} finally {
		process.off('SIGINT', interrupt);
		process.off('SIGTERM', interrupt);
	}
}

async function verify(root: string, names: string[], json: boolean): Promise<void> {
	const models =
		names.length > 0
			? names.map((name) => findModel(defaultCatalog(), name))
			: defaultCatalog().models.filter((model) => hasWeights(inspectModel(model, root)));
	const reports: ModelReport[] = [];
	for (const model of models) reports.push(await verifyModel(model, root));
	if (json) {
		process.stdout.write(
			`${JSON.stringify({ root, models: reports.map(describeReport) }, null, '\t')}\n`,
		);
	} else if (reports.length === 0) {
		process.stdout.write(`No models in "${root}".\n`);
	} else {
		for (const report of reports) {
			process.stdout.write(
				`${report.model.name} (${report.directory}): ${report.verified ? 'OK' : report.ok ? 'UNVERIFIED' : 'PROBLEMS'}\n`,
			);
			process.stdout.write(
				table(
					report.files.map((file) => [
						'',
						file.name,
						file.bytes === null ? '-' : formatBytes(file.bytes),
						file.problem ?? (file.verified ? 'ok (sha256)' : 'unverified (size and format only)'),
					]),
				),
			);
		}
		if (reports.some((report) => report.ok && !report.verified))
			process.stdout.write(UNVERIFIED_NOTE);
	}
	const bad = reports.filter((report) => !report.ok);
	if (bad.length === 0) return;
	const problems = bad.flatMap((report) =>
		report.files
			.filter((file) => file.problem)
			.map((file) => `${report.model.name}/${file.name}: ${file.problem}`),
	);
	throw new EngineError(
		'MODEL_INVALID',
		`${problems.length} problem${problems.length === 1 ? '' : 's'} in "${root}": ${problems.join('; ')}.`,
		`Run \`rtmp-asr models pull ${bad.map((report) => report.model.name).join(' ')} --dir ${root}\` to download the missing or damaged files again.`,
	);
}

/** Why "unverified" is not a failure, and what it leaves open. */
const UNVERIFIED_NOTE =
	"unverified: the catalog has no published sha256 for these files, so only their size and format are checked; another model's files of the same format would pass.\n";

function hasPublishedHashes(model: CatalogModel): boolean {
	return model.files.every((file) => file.sha256 !== undefined);
}

function checksColumn(model: CatalogModel): string {
	const hashed = model.files.filter((file) => file.sha256 !== undefined).length;
	if (hashed === model.files.length) return 'sha256';
	return hashed === 0
		? 'unverified'
		: `unverified (${model.files.length - hashed}/${model.files.length} files)`;
}

function describeState(state: ModelState) {
	return {
		name: state.model.name,
		id: state.model.id,
		kind: state.model.kind,
		description: state.model.description,
		directory: state.directory,
		installed: state.installed,
		bytes: totalBytes(state.model),
		approximate: isApproximate(state.model),
		verifiable: hasPublishedHashes(state.model),
		files: state.files.map((file) => ({
			name: file.file.name,
			bytes: file.file.bytes,
			approximate: file.file.approximate,
			sha256: file.file.sha256 ?? null,
			installedBytes: file.bytes,
			partialBytes: file.partialBytes,
		})),
	};
}

function describeReport(report: ModelReport) {
	return {
		name: report.model.name,
		id: report.model.id,
		directory: report.directory,
		ok: report.ok,
		verified: report.verified,
		files: report.files,
	};
}

function sizeColumn(state: ModelState): string {
	if (state.installed)
		return formatBytes(state.files.reduce((sum, file) => sum + (file.bytes ?? 0), 0));
	return `${isApproximate(state.model) ? '~' : ''}${formatBytes(totalBytes(state.model))}`;
}

function statusOf(state: ModelState): string {
	if (state.installed) return 'installed';
	const present = state.files.filter((file) => file.bytes !== null).length;
	const interrupted = state.files.some((file) => file.partialBytes !== null)
		? ', interrupted download'
		: '';
	return present === 0
		? `missing${interrupted}`
		: `incomplete (${present}/${state.files.length} files${interrupted})`;
}

function isApproximate(model: CatalogModel): boolean {
	return model.files.some((file) => file.approximate);
}

function table(rows: string[][]): string {
	const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
	return rows
		.map(
			(row) =>
				row
					.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
					.join('  ')
					.trimEnd() + '\n',
		)
		.join('');
}
