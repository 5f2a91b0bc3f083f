import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
	INodeType,
	INodeTypeDescription,
	ITriggerFunctions,
	ITriggerResponse,
} from 'n8n-workflow';
import { testStreamCredential } from './credential-test.js';
import { CREDENTIAL_TEST, triggerDescription } from './trigger-description.js';
import { runTrigger } from './trigger-session.js';

export class RtmpAsrTrigger implements INodeType {
	description: INodeTypeDescription = triggerDescription;

	methods = {
		credentialTest: {
			async [CREDENTIAL_TEST](this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
				return await testStreamCredential(credential);
			},
		},
	};

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		return await runTrigger(this);
	}
}
