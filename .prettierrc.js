// n8n-nodes-starter's settings: tabs, single quotes, trailing commas, lines of at most 100.
module.exports = {
	semi: true,
	trailingComma: 'all',
	bracketSpacing: true,
	useTabs: true,
	tabWidth: 2,
	arrowParens: 'always',
	singleQuote: true,
	quoteProps: 'as-needed',
	endOfLine: 'lf',
	printWidth: 100,
	// npm writes package.json with two spaces on every install.
	overrides: [{ files: ['package.json'], options: { useTabs: false } }],
};
