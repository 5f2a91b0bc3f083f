"""A SenseVoiceSmall stand-in directory in FunASR's layout (iic/SenseVoiceSmall-onnx: model.onnx,
model_quant.onnx, config.yaml, am.mvn, tokens.json), its torch reference, and for the benchmark
sherpa-onnx's re-export of the same weights (sherpa-onnx/: model.onnx, model.int8.onnx, tokens.txt)."""
import os
import shutil

import onnx
import torch

from export import export
from model_files import PARAFORMER_SOURCE_DIR, read_cmvn_vectors, read_paraformer_tokens, write_json, write_yaml
from quantize import quantize_model
from references import FORMAT_VERSION, TOP, floats, reference_features, write_float32
from sensevoice import (
	LANGUAGE_IDS,
	SENSEVOICE_SMALL,
	TEXTNORM_IDS,
	SherpaSenseVoice,
	SenseVoiceSizes,
	build_sensevoice,
	ctc_greedy,
	large_vocabulary,
	tiny_vocabulary,
)

INPUTS = ['speech', 'speech_lengths', 'language', 'textnorm']
OUTPUTS = ['ctc_logits', 'encoder_out_lens']
AXES = {
	'speech': {0: 'batch_size', 1: 'feats_length'},
	'speech_lengths': {0: 'batch_size'},
	'language': {0: 'batch_size'},
	'textnorm': {0: 'batch_size'},
	'ctc_logits': {0: 'batch_size', 1: 'logits_length'},
	'encoder_out_lens': {0: 'batch_size'},
}
SHERPA_INPUTS = ['x', 'x_length', 'language', 'text_norm']
SHERPA_AXES = {'x': {0: 'N', 1: 'T'}, 'x_length': {0: 'N'}, 'language': {0: 'N'}, 'text_norm': {0: 'N'}, 'logits': {0: 'N', 1: 'T'}}
TOLERANCE = 1e-4


def tiny_sizes():
	return SenseVoiceSizes(size=32, heads=4, hidden=64, blocks=3, tp_blocks=2, vocab_size=len(tiny_vocabulary()))


def sensevoice_config(sizes):
	"""SenseVoiceSmall's config.yaml (FunASR's), with this model's sizes."""
	return {
		'encoder': 'SenseVoiceEncoderSmall',
		'encoder_conf': {
			'output_size': sizes.size,
			'attention_heads': sizes.heads,
			'linear_units': sizes.hidden,
			'num_blocks': sizes.blocks,
			'tp_blocks': sizes.tp_blocks,
			'dropout_rate': 0.1,
			'positional_dropout_rate': 0.1,
			'attention_dropout_rate': 0.1,
			'input_layer': 'pe',
			'pos_enc_class': 'SinusoidalPositionEncoder',
			'normalize_before': True,
			'kernel_size': sizes.kernel_size,
			'sanm_shfit': 0,
			'selfattention_layer_type': 'sanm',
		},
		'model': 'SenseVoiceSmall',
		'model_conf': {'length_normalized_loss': True, 'sos': 1, 'eos': 2, 'ignore_id': -1},
		'tokenizer': 'SentencepiecesTokenizer',
		'tokenizer_conf': {'bpemodel': None, 'unk_symbol': '<unk>', 'split_with_space': True},
		'frontend': 'WavFrontend',
		'frontend_conf': {
			'fs': 16000,
			'window': 'hamming',
			'n_mels': 80,
			'frame_length': 25,
			'frame_shift': 10,
			'lfr_m': 7,
			'lfr_n': 6,
			'cmvn_file': None,
		},
		'ctc_conf': {'dropout_rate': 0.0, 'ctc_type': 'builtin', 'reduce': True, 'ignore_nan_grad': True},
		'normalize': None,
	}


def write_sensevoice_files(directory, sizes, vocabulary):
	os.makedirs(directory, exist_ok=True)
	write_yaml(os.path.join(directory, 'config.yaml'), sensevoice_config(sizes))
	shutil.copyfile(os.path.join(PARAFORMER_SOURCE_DIR, 'am.mvn'), os.path.join(directory, 'am.mvn'))
	write_json(os.path.join(directory, 'tokens.json'), vocabulary)


def example_inputs(sizes):
	speech = torch.randn(2, 30, sizes.feature_size, generator=torch.Generator().manual_seed(0))
	return (speech, torch.tensor([6, 30], dtype=torch.int32), torch.tensor([0, 4], dtype=torch.int32), torch.tensor([15, 14], dtype=torch.int32))


def export_sensevoice(model, path):
	export(model, example_inputs(model.sizes), path, INPUTS, OUTPUTS, AXES)


def run(model, speech, lengths, languages, textnorms, vocabulary):
	with torch.no_grad():
		logits, encoder_out_lens = model(speech, lengths, languages, textnorms)
	top = torch.topk(logits, TOP, dim=-1)
	decoded = []
	for item in range(logits.shape[0]):
		ids = ctc_greedy(logits[item], int(encoder_out_lens[item]))
		decoded.append({'ids': ids, 'tokens': [vocabulary[i] for i in ids]})
	return {
		'speech_shape': list(speech.shape),
		'speech_lengths': lengths.tolist(),
		'language': languages.tolist(),
		'textnorm': textnorms.tolist(),
		'logits_shape': list(logits.shape),
		'encoder_out_lens': encoder_out_lens.tolist(),
		'argmax': logits.argmax(dim=-1).tolist(),
		'row_max': floats(logits.max(dim=-1).values),
		'top5_ids': top.indices.tolist(),
		'top5_values': floats(top.values),
		'decoded': decoded,
	}


def sensevoice_reference(model, directory, vocabulary, seed, lengths, languages, textnorms):
	"""Batched and one-at-a-time runs over fixed features; languages/textnorms are query ids per item."""
	speech = reference_features(seed, lengths, model.sizes.feature_size)
	write_float32(os.path.join(directory, 'speech.f32'), speech)
	lengths_tensor = torch.tensor(lengths, dtype=torch.int32)
	language_tensor = torch.tensor(languages, dtype=torch.int32)
	textnorm_tensor = torch.tensor(textnorms, dtype=torch.int32)
	runs = [{'name': 'batch', 'items': list(range(len(lengths))), **run(model, speech, lengths_tensor, language_tensor, textnorm_tensor, vocabulary)}]
	for item, length in enumerate(lengths):
		runs.append({
			'name': f'item{item}_alone',
			'items': [item],
			**run(model, speech[item : item + 1, :length], lengths_tensor[item : item + 1], language_tensor[item : item + 1], textnorm_tensor[item : item + 1], vocabulary),
		})
	return {
		'format': FORMAT_VERSION,
		'kind': 'sensevoice',
		'speech': {'file': 'speech.f32', 'dtype': 'float32', 'shape': list(speech.shape), 'lengths': lengths, 'seed': seed},
		'language_ids': LANGUAGE_IDS,
		'textnorm_ids': TEXTNORM_IDS,
		'tolerance': TOLERANCE,
		'runs': runs,
	}


def build_sensevoice_dir(directory, sizes, vocabulary, seed, lengths, with_reference=True):
	model = build_sensevoice(sizes, seed)
	write_sensevoice_files(directory, sizes, vocabulary)
	model_path = os.path.join(directory, 'model.onnx')
	export_sensevoice(model, model_path)
	quantized = quantize_model(model_path, os.path.join(directory, 'model_quant.onnx'))
	parameters = sum(p.numel() for p in model.parameters())
	print(f'  parameters {parameters:,}; vocabulary {len(vocabulary)}; model.onnx {os.path.getsize(model_path) / 1e6:.2f} MB ({quantized} MatMuls int8 in model_quant.onnx)')
	if with_reference:
		# Item 0 asks for auto language without ITN, item 1 for English with ITN.
		reference = sensevoice_reference(model, directory, vocabulary, seed, lengths, [LANGUAGE_IDS['auto'], LANGUAGE_IDS['en']], [TEXTNORM_IDS['woitn'], TEXTNORM_IDS['withitn']])
		write_json(os.path.join(directory, 'reference.json'), reference)
		print(f'  reference: encoder_out_lens {reference["runs"][0]["encoder_out_lens"]}; decoded {[len(d["ids"]) for d in reference["runs"][0]["decoded"]]} tokens')
	return model


def export_sherpa(model, directory, vocabulary, am_mvn_path):
	"""sherpa-onnx's re-export: other names, `logits` only, its metadata, tokens.txt, int8 as QUInt8."""
	os.makedirs(directory, exist_ok=True)
	path = os.path.join(directory, 'model.onnx')
	export(SherpaSenseVoice(model), example_inputs(model.sizes), path, SHERPA_INPUTS, ['logits'], SHERPA_AXES)
	shift, scale = read_cmvn_vectors(am_mvn_path)
	entries = {
		'model_type': 'sense_voice_ctc',
		'version': '1',
		'model_author': 'iic',
		'maintainer': 'k2-fsa',
		'vocab_size': str(len(vocabulary)),
		'normalize_samples': '0',
		'lfr_window_size': '7',
		'lfr_window_shift': '6',
		'neg_mean': ','.join(shift),
		'inv_stddev': ','.join(scale),
		**{f'lang_{name}': str(value) for name, value in LANGUAGE_IDS.items()},
		'with_itn': str(TEXTNORM_IDS['withitn']),
		'without_itn': str(TEXTNORM_IDS['woitn']),
		'comment': 'random-weight stand-in made by tools/stand-ins/generate.py; not a speech recognizer',
	}
	onnx_model = onnx.load(path)
	for key, value in entries.items():
		onnx_model.metadata_props.add(key=key, value=value)
	onnx.save(onnx_model, path)
	quantize_model(path, os.path.join(directory, 'model.int8.onnx'))
	with open(os.path.join(directory, 'tokens.txt'), 'w', encoding='utf-8') as file:
		for index, token in enumerate(vocabulary):
			file.write(f'{token} {index}\n')


def build_large_sensevoice_dir(directory, seed):
	"""SenseVoiceSmall's real size (about 234 M parameters), FunASR's export and sherpa-onnx's of the same weights."""
	vocabulary = large_vocabulary(read_paraformer_tokens())
	model = build_sensevoice_dir(directory, SENSEVOICE_SMALL, vocabulary, seed, [120, 167], with_reference=False)
	export_sherpa(model, os.path.join(directory, 'sherpa-onnx'), vocabulary, os.path.join(directory, 'am.mvn'))
