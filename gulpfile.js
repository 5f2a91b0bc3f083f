const { src, dest, parallel } = require('gulp');

// tsc compiles the code; the node's icons and codex, and the model catalog, are assets that must sit beside it in dist/.
function nodeAssets() {
	return src(['nodes/**/*.{svg,png,json}', 'credentials/**/*.{svg,png}'], {
		base: '.',
		encoding: false,
	}).pipe(dest('dist'));
}

function modelCatalog() {
	return src('models/**/*.json', { base: '.', allowEmpty: true }).pipe(dest('dist'));
}

exports['build:assets'] = parallel(nodeAssets, modelCatalog);
