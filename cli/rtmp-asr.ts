#!/usr/bin/env node
// This file runs on any Node: it checks the version before anything that needs a newer one (execa
// crashes on Node 20 with a stack trace) is loaded.
// The package's own package.json, two folders up from dist/cli at run time.
const manifest = require('node:path').join(__dirname, '..', '..', 'package.json') as string;
const engines = (require(manifest) as { engines: { node: string } }).engines.node;
const required = Number(/\d+/.exec(engines)?.[0] ?? 0);
const running = Number(process.versions.node.split('.')[0]);
if (running < required) {
	process.stderr.write(
		`rtmp-asr: Node ${engines} is needed, this is Node ${process.versions.node} (${process.execPath}).\n` +
			'  From the repository, `npm run rtmp-asr -- <command> ...` uses the Node it bundles; otherwise install Node 22 or later (e.g. `nvm install 24`).\n',
	);
	process.exitCode = 1;
} else {
	require('./main.js');
}
