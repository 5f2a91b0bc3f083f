"""torch.onnx.export with the input/output names and dynamic axes of FunASR's exports."""
import warnings

import torch

# FunASR's export default.
OPSET = 14

PARAFORMER_INPUTS = ['speech', 'speech_lengths']
PARAFORMER_OUTPUTS = ['logits', 'token_num']
PARAFORMER_AXES = {
	'speech': {0: 'batch_size', 1: 'feats_length'},
	'speech_lengths': {0: 'batch_size'},
	'logits': {0: 'batch_size', 1: 'logits_length'},
	'token_num': {0: 'batch_size'},
}

# bicif_paraformer/export_meta.py: the timestamp export's two extra outputs share one length axis.
TIMESTAMP_OUTPUTS = PARAFORMER_OUTPUTS + ['us_alphas', 'us_cif_peak']
TIMESTAMP_AXES = {
	**PARAFORMER_AXES,
	'us_alphas': {0: 'batch_size', 1: 'alphas_length'},
	'us_cif_peak': {0: 'batch_size', 1: 'alphas_length'},
}

PUNCTUATION_INPUTS = ['inputs', 'text_lengths']
PUNCTUATION_AXES = {
	'inputs': {0: 'batch_size', 1: 'feats_length'},
	'text_lengths': {0: 'batch_size'},
	'logits': {0: 'batch_size', 1: 'logits_length'},
}

# The realtime export fixes the batch at 1.
REALTIME_INPUTS = ['inputs', 'text_lengths', 'vad_masks', 'sub_masks']
REALTIME_AXES = {
	'inputs': {1: 'feats_length'},
	'vad_masks': {2: 'feats_length1', 3: 'feats_length2'},
	'sub_masks': {2: 'feats_length1', 3: 'feats_length2'},
	'logits': {1: 'logits_length'},
}


def export(model, example_inputs, path, input_names, output_names, dynamic_axes):
	with warnings.catch_warnings(), torch.no_grad():
		# The tracer warns about every shape read that it turns into graph ops; they are intended.
		warnings.simplefilter('ignore')
		torch.onnx.export(
			model,
			example_inputs,
			path,
			opset_version=OPSET,
			do_constant_folding=True,
			input_names=input_names,
			output_names=output_names,
			dynamic_axes=dynamic_axes,
		)


def export_paraformer(model, path):
	speech = torch.randn(2, 30, model.sizes.feature_size, generator=torch.Generator().manual_seed(0))
	speech_lengths = torch.tensor([6, 30], dtype=torch.int32)
	export(model, (speech, speech_lengths), path, PARAFORMER_INPUTS, PARAFORMER_OUTPUTS, PARAFORMER_AXES)


def export_timestamp_paraformer(model, path):
	speech = torch.randn(2, 30, model.sizes.feature_size, generator=torch.Generator().manual_seed(0))
	speech_lengths = torch.tensor([6, 30], dtype=torch.int32)
	export(model, (speech, speech_lengths), path, PARAFORMER_INPUTS, TIMESTAMP_OUTPUTS, TIMESTAMP_AXES)


def export_punctuation(model, path, realtime):
	length = 24
	inputs = torch.randint(0, model.sizes.vocab_size, (2, length), generator=torch.Generator().manual_seed(0)).int()
	if not realtime:
		text_lengths = torch.tensor([length - 5, length], dtype=torch.int32)
		export(model, (inputs, text_lengths), path, PUNCTUATION_INPUTS, ['logits'], PUNCTUATION_AXES)
		return
	text_lengths = torch.tensor([length], dtype=torch.int32)
	vad_masks = torch.ones(1, 1, length, length)
	sub_masks = torch.tril(torch.ones(length, length))[None, None, :, :]
	export(model, (inputs[:1], text_lengths, vad_masks, sub_masks), path, REALTIME_INPUTS, ['logits'], REALTIME_AXES)
