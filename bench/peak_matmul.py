#!/usr/bin/python3
"""The stand-in's feed-forward GEMMs as an ONNX model, to measure the machine's peak through onnxruntime.

  /usr/bin/python3 bench/peak_matmul.py OUT_DIR INNER OUTER PAIRS

writes OUT_DIR/matmul_fp32.onnx: x [T, INNER] through PAIRS feed-forward pairs, x W_up [INNER, OUTER]
then W_down [OUTER, INNER] (both of the model's GEMM shapes, in one run, so that onnxruntime's fixed
cost per run and the output copy weigh little), and OUT_DIR/matmul_int8.onnx, the same rewritten by
the stand-in generator's int8 quantiser (the rewrite model_quant.onnx has).
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools', 'stand-ins'))
from quantize import quantize_model  # noqa: E402


def main():
	out_dir, inner, outer, pairs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
	os.makedirs(out_dir, exist_ok=True)
	rng = np.random.default_rng(512)
	nodes, weights, previous = [], [], 'x'
	for pair in range(pairs):
		for name, (k, n) in ((f'up{pair}', (inner, outer)), (f'down{pair}', (outer, inner))):
			# Scaled by 1 / sqrt(K): activations keep their size down the chain (no denormals, no overflow).
			weights.append(numpy_helper.from_array((rng.standard_normal((k, n)) / np.sqrt(k)).astype(np.float32), f'{name}_weight'))
			output = 'y' if pair == pairs - 1 and name.startswith('down') else name
			nodes.append(helper.make_node('MatMul', [previous, f'{name}_weight'], [output], name=name))
			previous = output
	graph = helper.make_graph(
		nodes,
		'peak',
		[helper.make_tensor_value_info('x', TensorProto.FLOAT, ['rows', inner])],
		[helper.make_tensor_value_info('y', TensorProto.FLOAT, ['rows', inner])],
		weights,
	)
	model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 14)])
	fp32_path = os.path.join(out_dir, 'matmul_fp32.onnx')
	save(model, fp32_path)
	quantize_model(fp32_path, os.path.join(out_dir, 'matmul_int8.onnx'))


if __name__ == '__main__':
	main()
