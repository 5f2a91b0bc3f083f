const { src, dest, parallel } = require('gulp');

// tsc compiles the code; the node's icons and the model catalog are assets that must sit beside it in dist/.
function icons() {
	return src(['nodes/**/*.{svg,png}', 'credentials/**/*.{svg,png}'], { base: '.', encoding: false }).pipe(dest('dist'));
}

function modelCatalog() {
	return src('models/**/*.json', { base: '.', allowEmpty: true }).pipe(dest('dist'));
}

exports['build:assets'] = parallel(icons, modelCatalog);
