#!/usr/bin/python3
"""One-MatMul ONNX models of the stand-in's GEMM shape, to measure the machine's peak through onnxruntime.

  /usr/bin/python3 bench/peak_matmul.py OUT_DIR INNER OUTER

writes OUT_DIR/matmul_fp32.onnx (x [T, INNER] x W [INNER, OUTER]) and OUT_DIR/matmul_int8.onnx, the
same product rewritten by the stand-in generator's int8 quantiser (the rewrite model_quant.onnx has).
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools', 'stand-ins'))
from quantize import quantize_model  # noqa: E402


def main():
	out_dir, inner, outer = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
	os.makedirs(out_dir, exist_ok=True)
	weight = np.random.default_rng(512).standard_normal((inner, outer)).astype(np.float32) * 0.05
	graph = helper.make_graph(
		[helper.make_node('MatMul', ['x', 'weight'], ['y'], name='gemm')],
		'peak',
		[helper.make_tensor_value_info('x', TensorProto.FLOAT, ['rows', inner])],
		[helper.make_tensor_value_info('y', TensorProto.FLOAT, ['rows', outer])],
		[numpy_helper.from_array(weight, 'weight')],
	)
	model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 14)])
	fp32_path = os.path.join(out_dir, 'matmul_fp32.onnx')
	save(model, fp32_path)
	quantize_model(fp32_path, os.path.join(out_dir, 'matmul_int8.onnx'))


if __name__ == '__main__':
	main()
