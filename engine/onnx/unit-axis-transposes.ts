import { readGraph, usesOf, writeInteger, type GraphNode, type IntegerAt } from './onnx-graph.js';

/** How FunASR's FSMN memory block turns [batch, time, dim] into Conv's [batch, dim, time, 1] and back. */
const SWAP_AROUND_UNIT_AXIS = [0, 3, 2, 1];
const SWAP_BEFORE_UNIT_AXIS = [0, 2, 1, 3];
const UNIT_AXIS_BEFORE = 1;
const UNIT_AXIS_AFTER = 3;

/**
 * FunASR's FSMN-VAD export moves every memory block's input through Unsqueeze(axis 1) →
 * Transpose(0, 3, 2, 1) and its output back through Transpose(0, 3, 2, 1) → Squeeze(axis 1).
 * onnxruntime (1.30) has no fast path for a transpose that swaps two axes around a third, so these
 * eight transposes take about a third of the VAD's time (docs/measurements.md). With the size-1
 * axis put last instead — Unsqueeze(axis 3) → Transpose(0, 2, 1, 3), Transpose(0, 2, 1, 3) →
 * Squeeze(axis 3) — each moves a single axis, which onnxruntime does fast, and every element lands
 * where it did: x[b, t, d] goes to [b, d, t, 0] both ways, and back. Results are bit-identical.
 *
 * Edits `model` in place (each perm entry and axis keeps its byte length) and returns how many
 * transposes it rewrote. A pair is left alone unless its Unsqueeze output, or its Transpose output,
 * goes nowhere else, its axis is a constant of its own, and the value whose shape changes is
 * neither a graph output nor annotated with a shape.
 */
export function simplifyUnitAxisTransposes(model: Uint8Array): number {
	const graph = readGraph(model);
	if (!graph) return 0;
	const uses = usesOf(graph);
	const producers = new Map<string, GraphNode>();
	for (const node of graph.nodes) for (const output of node.outputs) producers.set(output, node);
	const onlyUser = (value: string): GraphNode | undefined => {
		const users = uses.get(value) ?? [];
		return users.length === 1 ? users[0].node : undefined;
	};
	const ownAxis = (node: GraphNode): IntegerAt | undefined => {
		const fromAttribute = node.attributes.find((attribute) => attribute.name === 'axes')?.ints;
		if (fromAttribute) return fromAttribute.length === 1 ? fromAttribute[0] : undefined;
		const name = node.inputs[1];
		if (name === undefined || onlyUser(name) !== node) return undefined;
		const constant = producers.get(name);
		const tensor =
			constant?.opType === 'Constant'
				? constant.attributes.find((attribute) => attribute.name === 'value')?.tensor
				: graph.initializers.get(name);
		return tensor?.int64s.length === 1 ? tensor.int64s[0] : undefined;
	};
	let rewritten = 0;
	for (const transpose of graph.nodes) {
		if (transpose.opType !== 'Transpose' || transpose.domain !== '') continue;
		const perm = transpose.attributes.find((attribute) => attribute.name === 'perm')?.ints;
		if (!perm || perm.map((entry) => entry.value).join() !== SWAP_AROUND_UNIT_AXIS.join()) continue;
		const before = producers.get(transpose.inputs[0]);
		const after = onlyUser(transpose.outputs[0]);
		const partner =
			before?.opType === 'Unsqueeze' && onlyUser(before.outputs[0]) === transpose
				? { node: before, reshaped: before.outputs[0] }
				: after?.opType === 'Squeeze'
					? { node: after, reshaped: transpose.outputs[0] }
					: undefined;
		if (!partner || partner.node.domain !== '' || graph.declaredValues.has(partner.reshaped))
			continue;
		const axis = ownAxis(partner.node);
		if (axis?.value !== UNIT_AXIS_BEFORE) continue;
		writeInteger(model, axis, UNIT_AXIS_AFTER);
		perm.forEach((entry, i) => writeInteger(model, entry, SWAP_BEFORE_UNIT_AXIS[i]));
		rewritten++;
	}
	return rewritten;
}
