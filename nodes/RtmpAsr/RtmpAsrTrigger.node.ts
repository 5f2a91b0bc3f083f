import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
	INodeType,
	INodeTypeDescription,
	ITriggerFunctions,
	ITriggerResponse,
} from 'n8n-workflow';
import { CREDENTIAL_TEST } from './credentials/stream-credentials.js';
import { testStreamCredential } from './credentials/stream-probe.js';
import { SERVER_CREDENTIAL_TEST, testServerCredential } from './credentials/server-credentials.js';
import { NODE_PROPERTIES } from './parameters.js';
import { runTrigger } from './trigger-session.js';

/**
 * The Status output exists only while "Status Output" is on, the Partial Captions output (after it)
 * only while "Partial Captions" is: n8n evaluates an outputs expression against the node's
 * parameters, in the editor and when routing data, as its Switch node does.
 */
const OUTPUTS = `={{ [{ "type": "main", "displayName": "Sentence" }].concat($parameter.statusOutput ? [{ "type": "main", "displayName": "Status" }] : []).concat($parameter.recognition === "server" && $parameter.partialCaptions ? [{ "type": "main", "displayName": "Partial Captions" }] : []) }}`;

export class RtmpAsrTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'RTMP Speech Recognition Trigger',
		name: 'rtmpAsrTrigger',
		icon: { light: 'file:rtmpAsr.svg', dark: 'file:rtmpAsr.dark.svg' },
		group: ['trigger'],
		version: 1,
		// Not the URL: it may carry a stream key, and the canvas is often shared as a screenshot.
		subtitle:
			'={{ $parameter.onlyMatching ? "sentences with " + $parameter.keywords.join(", ") : "every sentence" }}',
		description:
			'Listens to a live stream, recognizes speech (FunASR Paraformer or SenseVoice, locally or on FunASR servers) and starts one execution per sentence',
		eventTriggerDescription: 'Waiting for someone to speak on the stream',
		defaults: {
			name: 'RTMP Speech Recognition Trigger',
		},
		inputs: [],
		outputs: OUTPUTS,
		credentials: [
			{
				name: 'rtmpStreamApi',
				required: true,
				testedBy: 'rtmpStreamApiTest',
				displayOptions: { show: { source: ['credential'] } },
			},
			{
				name: 'asrServerApi',
				required: true,
				testedBy: 'asrServerApiTest',
				displayOptions: { show: { recognition: ['server'] } },
			},
		],
		triggerPanel: {
			header: '',
			executionsHelp: {
				inactive:
					"<b>While building your workflow</b>, click 'Execute step' and speak on the stream: the first sentence recognized starts an execution shown here.<br /><br /><b>Once you're happy with your workflow</b>, publish it: then every sentence starts an execution, listed under executions.",
				active:
					"<b>While building your workflow</b>, click 'Execute step' and speak on the stream: the first sentence recognized starts an execution shown here.<br /><br /><b>Your workflow is also running</b>: every sentence starts an execution, listed under executions.",
			},
			activationHint:
				'Once you have finished building your workflow, publish it to have it listen to the stream continuously.',
		},
		properties: NODE_PROPERTIES,
	};

	methods = {
		credentialTest: {
			async [CREDENTIAL_TEST](
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				return await testStreamCredential(credential);
			},
			async [SERVER_CREDENTIAL_TEST](
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				return await testServerCredential(credential);
			},
		},
	};

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		return await runTrigger(this);
	}
}
