import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { RtmpAsrTrigger } from '../../../nodes/RtmpAsr/RtmpAsrTrigger.node.js';
import { readTriggerSettings } from '../../../nodes/RtmpAsr/parameters.js';
import { REPO_ROOT } from '../../helpers/paths.js';

const EXAMPLES_DIR = join(REPO_ROOT, 'examples');
const TRIGGER_TYPE = 'n8n-nodes-rtmp-asr.rtmpAsrTrigger';

interface WorkflowFile {
	name: string;
	nodes: { type: string; parameters: IDataObject }[];
}

/** n8n's getNodeParameter over a stored node's parameters: `options.x` reads inside the collection. */
const readerOf = (parameters: IDataObject) => (name: string, fallback: unknown) => {
	const value = name
		.split('.')
		.reduce<unknown>(
			(at, key) => (at && typeof at === 'object' ? (at as IDataObject)[key] : undefined),
			parameters,
		);
	return value ?? fallback;
};

const properties = new RtmpAsrTrigger().description.properties;
const optionNames = (
	(properties.find((property) => property.name === 'options')?.options ?? []) as INodeProperties[]
).map((option) => option.name);

describe('the example workflows', () => {
	const examples = readdirSync(EXAMPLES_DIR).filter((name) => name.endsWith('.json'));

	it('exist', () => assert.ok(examples.length >= 3, examples.join(', ')));

	for (const file of examples) {
		it(`${file}: the trigger's parameters are valid and use the catalog's default models`, () => {
			const workflow = JSON.parse(readFileSync(join(EXAMPLES_DIR, file), 'utf8')) as WorkflowFile;
			const triggers = workflow.nodes.filter((node) => node.type === TRIGGER_TYPE);
			assert.equal(triggers.length, 1, `${workflow.name} has one trigger`);
			const { parameters } = triggers[0];
			for (const name of Object.keys(parameters))
				assert.ok(
					properties.some((property) => property.name === name),
					`"${name}" is a parameter of the node`,
				);
			for (const name of Object.keys((parameters.options ?? {}) as IDataObject))
				assert.ok(optionNames.includes(name), `"options.${name}" is an option of the node`);
			const settings = readTriggerSettings(readerOf(parameters));
			assert.deepEqual(
				[settings.models.asr, settings.models.vad, settings.models.punctuation],
				[
					{ kind: 'catalog', name: 'paraformer-zh-int8' },
					{ kind: 'catalog', name: 'fsmn-vad' },
					{ kind: 'catalog', name: 'ct-punc-realtime' },
				],
			);
			assert.equal(settings.models.download, true);
		});
	}
});
