import { readFields, WIRE_LENGTH_DELIMITED, WIRE_VARINT, type WireField } from './protobuf-wire.js';

// ONNX protobuf field numbers: ModelProto.graph; GraphProto.input, .output; ValueInfoProto.type;
// TypeProto.tensor_type; TypeProto.Tensor.shape; TensorShapeProto.dim; Dimension.dim_value, .dim_param.
const MODEL_GRAPH = 7;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const VALUE_INFO_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_SHAPE = 2;
const SHAPE_DIM = 1;
const DIM_VALUE = 1;
const DIM_PARAM = 2;

/**
 * Frees the first dimension of the graph's inputs and outputs where the export pinned it at 1 (as
 * FunASR's FSMN-VAD export does for its batch), in place: `dim_value: 1` (2 bytes) becomes an
 * unnamed `dim_param` (2 bytes), so no enclosing length changes. Whether the graph's own
 * computation allows a larger batch is for the caller to check. Returns the dimensions freed.
 */
export function freeBatchDimension(model: Uint8Array): number {
	const fields = (parent: WireField, number: number) =>
		readFields(model, parent.start, parent.end).filter(
			(field) => field.number === number && field.wireType === WIRE_LENGTH_DELIMITED,
		);
	let freed = 0;
	const root: WireField = {
		number: 0,
		wireType: WIRE_LENGTH_DELIMITED,
		keyAt: 0,
		start: 0,
		end: model.length,
	};
	for (const graph of fields(root, MODEL_GRAPH))
		for (const value of [...fields(graph, GRAPH_INPUT), ...fields(graph, GRAPH_OUTPUT)])
			for (const type of fields(value, VALUE_INFO_TYPE))
				for (const tensor of fields(type, TYPE_TENSOR))
					for (const shape of fields(tensor, TENSOR_SHAPE)) {
						const first = fields(shape, SHAPE_DIM)[0];
						if (!first) continue;
						const inner = readFields(model, first.start, first.end);
						const value = inner.length === 1 ? inner[0] : undefined;
						if (
							value?.number !== DIM_VALUE ||
							value.wireType !== WIRE_VARINT ||
							value.end - value.keyAt !== 2 ||
							model[value.start] !== 1
						)
							continue;
						model[value.keyAt] = (DIM_PARAM << 3) | WIRE_LENGTH_DELIMITED;
						model[value.start] = 0;
						freed++;
					}
	return freed;
}
