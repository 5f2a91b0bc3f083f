import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
	...configWithoutCloudSupport,
	{
		// This node runs ffmpeg (a child process) and onnxruntime-node (a native runtime dependency):
		// it is for self-hosted n8n only, so n8n Cloud's bans on both do not apply.
		rules: {
			'@n8n/community-nodes/no-runtime-dependencies': 'off',
		},
	},
];
