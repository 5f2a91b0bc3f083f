import type { ICredentialType, Icon, INodeProperties } from 'n8n-workflow';

/**
 * FunASR websocket servers (funasr-wss-server-2pass) that recognize the node's streams instead of
 * the n8n machine: one or more URLs (tried in turn, a fleet without a load balancer), the TLS
 * settings and the server's mode.
 */
export class AsrServerApi implements ICredentialType {
	name = 'asrServerApi';

	displayName = 'ASR Server API';

	icon: Icon = {
		light: 'file:../nodes/RtmpAsr/rtmpAsr.svg',
		dark: 'file:../nodes/RtmpAsr/rtmpAsr.dark.svg',
	};

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-rtmp-asr#funasr-servers';

	properties: INodeProperties[] = [
		// A URL may carry a login or a token (wss://user:pass@host, ?token=…): kept as a secret.
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password
		{
			displayName: 'Server URLs',
			name: 'urls',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: 'wss://asr-1:10095, wss://asr-2:10095',
			description:
				'One or more FunASR websocket servers, separated by commas or spaces. A stream connects to the first; after a failure it goes to the next.',
		},
		{
			displayName: 'Server Mode',
			name: 'mode',
			type: 'options',
			options: [
				{
					name: '2pass',
					value: '2pass',
					description:
						'Partial captions while someone speaks, and the corrected sentence at each pause',
				},
				{
					name: 'Offline',
					value: 'offline',
					description: 'Only the corrected sentence at each pause',
				},
			],
			default: '2pass',
		},
		{
			displayName: 'CA Certificate',
			name: 'ca',
			type: 'string',
			typeOptions: { rows: 4 },
			default: '',
			placeholder: '-----BEGIN CERTIFICATE-----',
			description:
				"PEM certificate of the authority that signed the wss:// servers' certificates, when it is not a public one",
		},
		{
			displayName: 'Allow Self-Signed Certificates',
			name: 'allowSelfSigned',
			type: 'boolean',
			default: false,
			description:
				"Whether to accept any certificate (FunASR's servers ship with a self-signed one). Off: give its CA Certificate instead.",
		},
	];
}
