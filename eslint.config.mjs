import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import tseslint from 'typescript-eslint';

// n8n's community-node rules, as @n8n/node-cli's config applies them. That package is not used
// itself: it pulls in eslint-plugin-n8n-nodes-base, whose preinstall script (`only-allow pnpm`)
// makes `npm ci` fail.
const communityNodes = n8nCommunityNodesPlugin.configs.recommendedWithoutN8nCloudSupport;

export default tseslint.config(
	{ ignores: ['dist/**', 'node_modules/**', 'test/fixtures/**'] },
	{
		files: ['**/*.ts'],
		extends: [tseslint.configs.recommended],
		rules: {
			// `_name` marks what is taken apart only to be left out ({ devDependencies: _dev, ...kept }).
			'@typescript-eslint/no-unused-vars': [
				'error',
				{ argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
			],
			// sherpa-onnx-node is a native module only the benchmark's contender loads, when it runs.
			'@typescript-eslint/no-require-imports': ['error', { allow: ['^sherpa-onnx-node$'] }],
		},
	},
	{
		// The CLI's entry checks the Node version before it loads anything that needs a newer one:
		// static imports would be hoisted above the check.
		files: ['cli/rtmp-asr.ts'],
		rules: { '@typescript-eslint/no-require-imports': 'off' },
	},
	{
		files: ['nodes/**/*.ts', 'credentials/**/*.ts'],
		extends: [communityNodes],
	},
	{
		files: ['package.json'],
		extends: [communityNodes],
		languageOptions: { parser: tseslint.parser, parserOptions: { extraFileExtensions: ['.json'] } },
	},
	{
		// This node runs ffmpeg (a child process) and onnxruntime-node (a native runtime dependency):
		// it is for self-hosted n8n only, so n8n Cloud's bans on both (the "WithoutN8nCloudSupport"
		// set above, and this rule) do not apply.
		rules: { '@n8n/community-nodes/no-runtime-dependencies': 'off' },
	},
	{
		// The package has no maintainer e-mail address yet (n8n's verification wants one): set
		// package.json's author.email and remove this before publishing.
		files: ['package.json'],
		rules: { '@n8n/community-nodes/valid-author': 'off' },
	},
);
