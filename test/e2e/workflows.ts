import type { IDataObject } from 'n8n-workflow';

export const TRIGGER_TYPE = 'n8n-nodes-rtmp-asr.rtmpAsrTrigger';

interface Node {
	id: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: IDataObject;
	credentials?: IDataObject;
}

/** A credential as `n8n import:credentials` takes it: plain data is encrypted on import. */
export interface CredentialFile {
	id: string;
	name: string;
	type: string;
	data: IDataObject;
}

/**
 * The trigger's models for the end-to-end workflow: the toy recognizer from ../shared as a local
 * directory, and the catalog's fsmn-vad, which the test installs beforehand in n8n's model cache
 * (downloads off: the test is offline).
 */
export function toyModels(toyModelDirectory: string): IDataObject {
	return {
		model: 'local',
		modelDirectory: toyModelDirectory,
		vadModel: 'fsmn-vad',
		punctuationModel: 'off',
		options: { downloadModels: false },
	};
}

/** Set → Convert to File → Write (append): one JSON line per item (with its `executionId`), appended to `path`. */
export function appendJsonLines(prefix: string, path: string, x: number, y: number): Node[] {
	return [
		{
			id: `${prefix}-line`,
			name: `${prefix} line`,
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [x, y],
			parameters: {
				mode: 'manual',
				includeOtherFields: false,
				assignments: {
					assignments: [
						{
							id: `${prefix}-a1`,
							name: 'line',
							type: 'string',
							// The execution's id lets a test match each line to n8n's execution record.
							value:
								'={{ JSON.stringify(Object.assign({}, $json, { executionId: $execution.id })) + "\\n" }}',
						},
					],
				},
				options: {},
			},
		},
		{
			id: `${prefix}-file`,
			name: `${prefix} file`,
			type: 'n8n-nodes-base.convertToFile',
			typeVersion: 1.1,
			position: [x + 220, y],
			parameters: {
				operation: 'toText',
				sourceProperty: 'line',
				options: { fileName: 'line.jsonl' },
			},
		},
		{
			id: `${prefix}-write`,
			name: `${prefix} write`,
			type: 'n8n-nodes-base.readWriteFile',
			typeVersion: 1,
			position: [x + 440, y],
			parameters: {
				operation: 'write',
				fileName: path,
				dataPropertyName: 'data',
				options: { append: true },
			},
		},
	];
}

export function chain(nodes: Node[]): IDataObject {
	const connections: IDataObject = {};
	for (let i = 0; i + 1 < nodes.length; i++)
		connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	return connections;
}

/**
 * The end-to-end workflow: the trigger reads the stream of `credential`; its Sentence output appends each item to `sentencesPath`,
 * its Status output to `statusPath` (one JSON line per execution).
 */
export function transcriptWorkflow(
	id: string,
	trigger: IDataObject,
	credential: CredentialFile,
	sentencesPath: string,
	statusPath: string,
): IDataObject {
	const triggerNode = rtmpAsrTrigger(
		{ ...trigger, source: 'credential', statusOutput: true },
		{ [credential.type]: { id: credential.id, name: credential.name } },
	);
	const sentences = appendJsonLines('sentence', sentencesPath, 260, -100);
	const statuses = appendJsonLines('status', statusPath, 260, 120);
	const connections: IDataObject = { ...chain(sentences), ...chain(statuses) };
	connections[triggerNode.name] = {
		main: [
			[{ node: sentences[0].name, type: 'main', index: 0 }],
			[{ node: statuses[0].name, type: 'main', index: 0 }],
		],
	};
	return {
		id,
		name: 'E2E: transcript to file',
		active: false,
		nodes: [triggerNode, ...sentences, ...statuses],
		connections,
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

/** A workflow whose trigger wants the default catalog models, which are not installed, with downloads off: its activation must fail. */
export function missingModelWorkflow(id: string, url: string): IDataObject {
	const triggerNode = rtmpAsrTrigger({ url, options: { downloadModels: false } });
	return {
		id,
		name: 'E2E: default models not installed',
		active: false,
		nodes: [triggerNode],
		connections: {},
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

export function rtmpAsrTrigger(parameters: IDataObject, credentials?: IDataObject): Node {
	return {
		id: 'trigger',
		name: 'RTMP Speech Recognition Trigger',
		type: TRIGGER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters,
		...(credentials ? { credentials } : {}),
	};
}
