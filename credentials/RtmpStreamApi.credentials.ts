import type { ICredentialType, Icon, INodeProperties } from 'n8n-workflow';

/**
 * Where to read a stream from, with its secrets kept out of the workflow: the server URL, the stream
 * key and an optional login. The node joins them into one URL when it starts (never stored or logged).
 */
export class RtmpStreamApi implements ICredentialType {
	name = 'rtmpStreamApi';

	displayName = 'RTMP Stream API';

	icon: Icon = {
		light: 'file:../nodes/RtmpAsr/rtmpAsr.svg',
		dark: 'file:../nodes/RtmpAsr/rtmpAsr.dark.svg',
	};

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-rtmp-asr#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'Server URL',
			name: 'serverUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'rtmp://host:1935/live',
			description:
				'The stream server and application, without the stream key: rtmp://, rtmps://, rtsp://, srt:// or http(s):// (HLS)',
		},
		// A stream key lets anyone who has it play, or even publish, the stream: it is a secret.
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password
		{
			displayName: 'Stream Key',
			name: 'streamKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Appended to the server URL as the last path segment (it may carry a query such as ?token=…). Leave empty when the server URL is complete.',
		},
		{
			displayName: 'Username',
			name: 'username',
			type: 'string',
			default: '',
			description: 'For servers that want a login in the URL (user:password@host)',
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
		},
	];
}
