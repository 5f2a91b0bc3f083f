"""Dynamic int8 quantisation of MatMul weights, the shape of FunASR's model_quant.onnx.

FunASR runs onnxruntime's quantize_dynamic(op_types_to_quantize=['MatMul'], per_channel=True,
weight_type=QUInt8) and leaves out nodes whose names contain "output". Debian has no onnxruntime
Python package, so this does the same rewrite with the onnx API: each MatMul by a constant
weight [K, N] becomes

    DynamicQuantizeLinear(x) -> MatMulInteger(x_q, W_q, x_zero, W_zero) -> Cast(float)
    -> Mul(x_scale * W_scale)

with W quantised to uint8 per output column (asymmetric, zero point per column). MatMuls of two
activations (attention scores) stay float.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

EXCLUDED_NAME_PARTS = ('output', 'bias_encoder', 'bias_decoder')


def quantize_columns(weight):
	"""uint8 weight, per-column scale (float32) and zero point (uint8) covering [min(0, w), max(0, w)]."""
	low = np.minimum(weight.min(axis=0), 0.0)
	high = np.maximum(weight.max(axis=0), 0.0)
	scale = ((high - low) / 255.0).astype(np.float32)
	scale[scale == 0.0] = 1.0
	zero_point = np.clip(np.round(-low / scale), 0, 255)
	quantized = np.clip(np.round(weight / scale) + zero_point, 0, 255)
	return quantized.astype(np.uint8), scale, zero_point.astype(np.uint8)


def quantize_model(source_path, target_path):
	model = onnx.load(source_path)
	graph = model.graph
	weights = {tensor.name: tensor for tensor in graph.initializer}
	quantized_weights = {}
	new_nodes = []
	quantized_count = 0
	for node in graph.node:
		weight = weights.get(node.input[1]) if node.op_type == 'MatMul' else None
		if weight is None or len(weight.dims) != 2 or any(part in node.name for part in EXCLUDED_NAME_PARTS):
			new_nodes.append(node)
			continue
		if weight.name not in quantized_weights:
			quantized_weights[weight.name] = add_quantized_weight(graph, weight)
		new_nodes.extend(integer_matmul_nodes(node, *quantized_weights[weight.name]))
		quantized_count += 1
	del graph.node[:]
	graph.node.extend(new_nodes)
	used = {name for node in graph.node for name in node.input}
	kept = [tensor for tensor in graph.initializer if tensor.name in used]
	del graph.initializer[:]
	graph.initializer.extend(kept)
	onnx.checker.check_model(model)
	onnx.save(model, target_path)
	return quantized_count


def add_quantized_weight(graph, weight):
	quantized, scale, zero_point = quantize_columns(numpy_helper.to_array(weight).astype(np.float32))
	names = (f'{weight.name}_quantized', f'{weight.name}_scale', f'{weight.name}_zero_point')
	for name, array in zip(names, (quantized, scale, zero_point)):
		graph.initializer.append(numpy_helper.from_array(array, name))
	return names


def integer_matmul_nodes(node, weight_name, weight_scale_name, weight_zero_name):
	prefix = node.name or node.output[0]
	x = node.input[0]
	x_quantized, x_scale, x_zero = f'{prefix}_x_quantized', f'{prefix}_x_scale', f'{prefix}_x_zero_point'
	product, product_float, scale = f'{prefix}_int32', f'{prefix}_int32_float', f'{prefix}_scale'
	return [
		helper.make_node('DynamicQuantizeLinear', [x], [x_quantized, x_scale, x_zero], name=f'{prefix}_QuantizeLinear'),
		helper.make_node('MatMulInteger', [x_quantized, weight_name, x_zero, weight_zero_name], [product], name=f'{prefix}_MatMulInteger'),
		helper.make_node('Cast', [product], [product_float], to=TensorProto.FLOAT, name=f'{prefix}_Cast'),
		helper.make_node('Mul', [x_scale, weight_scale_name], [scale], name=f'{prefix}_ScaleProduct'),
		helper.make_node('Mul', [product_float, scale], [node.output[0]], name=f'{prefix}_Rescale'),
	]
