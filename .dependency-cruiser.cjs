// The import rules of this repository, checked by `npm run deps` (dependency-cruiser) in CI.
// docs/ARCHITECTURE.md draws the same picture; when a rule here changes, change it there too.
//
// The engine is built in layers; a module may import its own layer's folder and any layer below,
// never one above:
//
//   0  engine/errors.ts, engine/config.ts,                    what every layer reads
//      engine/serial-queue.ts, engine/timed-token.ts,
//      engine/model-dir/
//   1  engine/source/, engine/frontend/, engine/onnx/          audio in, features, onnxruntime
//   2  engine/vad/, engine/asr/, engine/punctuation/,          the models, and what their text
//      engine/sentences/                                       becomes
//   3  engine/runtime/, engine/funasr-server/                  the inference workers, or a FunASR server
//   4  engine/pipeline/                                        LivePipeline: the main thread's side
//   5  engine/index.ts                                         the one entry point
//
// Above the engine: nodes/, cli/ and demo/ use it through engine/index.ts only, and models/
// through models/index.ts only. bench/ is not checked: it measures stages alone, so it imports
// their internals on purpose (it ships in no package).

/** Each layer's folders, bottom first, as the path patterns dependency-cruiser matches. */
const LAYERS = [
	{
		name: 'leaf (errors, config, serial-queue, timed-token, model-dir)',
		path: '^engine/(errors\\.ts|config\\.ts|serial-queue\\.ts|timed-token\\.ts|model-dir/)',
	},
	{ name: 'source, frontend, onnx', path: '^engine/(source|frontend|onnx)/' },
	{ name: 'vad, asr, punctuation, sentences', path: '^engine/(vad|asr|punctuation|sentences)/' },
	{ name: 'runtime (workers), funasr-server', path: '^engine/(runtime|funasr-server)/' },
	{ name: 'pipeline', path: '^engine/pipeline/' },
	{ name: 'engine/index.ts', path: '^engine/index\\.ts$' },
];

/** Lower layers never import higher ones: one rule per layer, naming everything above it. */
const layerRules = LAYERS.slice(0, -1).map((layer, index) => ({
	name: `layer-${index}-imports-no-higher-layer`,
	comment: `engine layer ${index} (${layer.name}) may not import a higher layer: ${LAYERS.slice(
		index + 1,
	)
		.map((higher) => higher.name)
		.join('; ')}.`,
	severity: 'error',
	from: { path: layer.path },
	to: { path: LAYERS.slice(index + 1).map((higher) => higher.path) },
}));

/** Within layers 1 and 2 the folders are independent of each other: stages side by side. */
const SIBLINGS = ['^engine/(source|frontend|onnx)/', '^engine/(vad|asr|punctuation|sentences)/'];
const siblingRules = SIBLINGS.map((path, index) => ({
	name: `layer-${index + 1}-folders-independent`,
	comment:
		'Folders of one layer do not import each other (punctuation/ does not borrow from asr/): what two of them share belongs a layer down.',
	severity: 'error',
	from: { path },
	to: { path, pathNot: '^engine/$1/' },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
	forbidden: [
		{
			name: 'no-folder-cycle',
			comment:
				'No two folders import each other, directly or round a loop: each folder is one layer of one picture.',
			severity: 'error',
			scope: 'folder',
			from: { path: '^(engine|models|nodes|cli|demo|credentials)' },
			to: { circular: true },
		},
		{
			name: 'no-module-cycle',
			comment: 'No module imports itself round a loop.',
			severity: 'error',
			from: {},
			to: { circular: true },
		},
		...layerRules,
		...siblingRules,
		{
			name: 'engine-imports-nothing-outside-it',
			comment: 'The engine knows nothing of its users, of model downloads or of tests.',
			severity: 'error',
			from: { path: '^engine/' },
			to: { path: '^(models|nodes|cli|demo|bench|test|credentials|tools)/' },
		},
		{
			name: 'engine-only-through-its-index',
			comment:
				'nodes/, cli/ and demo/ (and credentials/) import the engine from engine/index.ts only.',
			severity: 'error',
			from: { path: '^(nodes|cli|demo|credentials)/' },
			to: { path: '^engine/', pathNot: '^engine/index\\.ts$' },
		},
		{
			name: 'models-only-through-its-index',
			comment:
				'nodes/, cli/ and demo/ import the model catalog and downloader from models/index.ts only.',
			severity: 'error',
			from: { path: '^(nodes|cli|demo|credentials)/' },
			to: { path: '^models/', pathNot: '^models/index\\.ts$' },
		},
		{
			name: 'models-beside-the-engine-bottom',
			comment:
				"models/ downloads and checks model files: it may use the engine's errors, its ONNX reader and its " +
				'redaction of URLs (mirror URLs carry credentials), nothing that runs a model.',
			severity: 'error',
			from: { path: '^models/' },
			to: {
				path: '^engine/',
				pathNot: '^engine/(errors\\.ts|onnx/protobuf-wire\\.ts|source/redact\\.ts)$',
			},
		},
		{
			name: 'no-test-code-in-production',
			comment:
				'What ships (engine, models, nodes, cli, credentials) never imports test/ (helpers, fake workers, fixtures). ' +
				'demo/ may: it starts a local RTMP server and publisher from test/helpers, and it does not ship.',
			severity: 'error',
			from: { path: '^(engine|models|nodes|cli|credentials)/' },
			to: { path: '^test/' },
		},
		{
			name: 'no-dev-dependency-in-production',
			comment:
				'What ships never imports a devDependency (n8n-workflow is a peer dependency that n8n provides).',
			severity: 'error',
			from: { path: '^(engine|models|nodes|cli|credentials)/' },
			to: {
				dependencyTypes: ['npm-dev'],
				dependencyTypesNot: ['npm-peer'],
				pathNot: '(^|/)node_modules/@types/',
			},
		},
		{
			name: 'no-unresolvable-import',
			comment: 'Every import resolves to a file or an installed package.',
			severity: 'error',
			from: {},
			to: { couldNotResolve: true },
		},
	],
	options: {
		// `import type` counts: a layer that names a higher layer's types depends on it all the same.
		tsPreCompilationDeps: true,
		tsConfig: { fileName: 'tsconfig.json' },
		// Packages and test helpers are leaves here: their own imports are not this repository's layering.
		doNotFollow: { path: ['node_modules', '^test/'] },
		exclude: { path: '^dist/' },
		enhancedResolveOptions: {
			exportsFields: ['exports'],
			conditionNames: ['import', 'require', 'node', 'default', 'types'],
			mainFields: ['module', 'main', 'types', 'typings'],
		},
	},
};
