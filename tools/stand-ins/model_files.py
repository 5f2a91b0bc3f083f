"""The files around model.onnx in a FunASR export directory: config.yaml, am.mvn, tokens, metadata."""
import json
import os
import shutil

import onnx
import yaml

from ct_transformer import PUNCTUATION_LABELS

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SHARED_DIR = os.environ.get('RTMP_ASR_SHARED_DIR', os.path.join(REPO_ROOT, '..', 'shared'))
PARAFORMER_SOURCE_DIR = os.path.join(SHARED_DIR, 'models', 'paraformer-large-zh-vocab8404')
TOY_README = os.path.join(SHARED_DIR, 'models', 'toy-paraformer-zh', 'README.md')

def write_yaml(path, data):
	with open(path, 'w', encoding='utf-8') as file:
		yaml.safe_dump(data, file, allow_unicode=True, sort_keys=False, indent=4, default_flow_style=False)


def write_json(path, data):
	with open(path, 'w', encoding='utf-8') as file:
		json.dump(data, file, ensure_ascii=False)


def read_paraformer_tokens():
	with open(os.path.join(PARAFORMER_SOURCE_DIR, 'tokens.json'), encoding='utf-8') as file:
		return json.load(file)


def paraformer_config(sizes):
	"""The real Paraformer-large config.yaml with this model's sizes."""
	with open(os.path.join(PARAFORMER_SOURCE_DIR, 'config.yaml'), encoding='utf-8') as file:
		config = yaml.safe_load(file)
	config['encoder_conf'].update(
		output_size=sizes.size,
		attention_heads=sizes.heads,
		linear_units=sizes.hidden,
		num_blocks=sizes.encoder_blocks,
		kernel_size=sizes.kernel_size,
	)
	config['decoder_conf'].update(
		attention_heads=sizes.heads,
		linear_units=sizes.hidden,
		num_blocks=sizes.decoder_blocks,
		att_layer_num=sizes.decoder_blocks,
		kernel_size=sizes.kernel_size,
	)
	config['predictor_conf']['idim'] = sizes.size
	return config


def write_paraformer_files(directory, sizes):
	os.makedirs(directory, exist_ok=True)
	write_yaml(os.path.join(directory, 'config.yaml'), paraformer_config(sizes))
	shutil.copyfile(os.path.join(PARAFORMER_SOURCE_DIR, 'am.mvn'), os.path.join(directory, 'am.mvn'))
	shutil.copyfile(os.path.join(PARAFORMER_SOURCE_DIR, 'tokens.json'), os.path.join(directory, 'tokens.json'))


def write_sherpa_tokens(directory):
	"""sherpa-onnx's tokens.txt: "token id" per line."""
	with open(os.path.join(directory, 'tokens.txt'), 'w', encoding='utf-8') as file:
		for index, token in enumerate(read_paraformer_tokens()):
			file.write(f'{token} {index}\n')


def read_cmvn_vectors(am_mvn_path):
	"""(shift, scale) strings of am.mvn: the vectors after <AddShift> and <Rescale>."""
	vectors = []
	with open(am_mvn_path, encoding='utf-8') as file:
		for line in file:
			if line.startswith('<LearnRateCoef>'):
				vectors.append(line.split()[3:-1])
	return vectors[0], vectors[1]


def add_sherpa_metadata(model_path, sizes, am_mvn_path):
	"""Metadata sherpa-onnx's offline Paraformer reads; FunASR's loaders ignore it."""
	shift, scale = read_cmvn_vectors(am_mvn_path)
	model = onnx.load(model_path)
	entries = {
		'model_type': 'paraformer',
		'version': '1',
		'vocab_size': str(sizes.vocab_size),
		'lfr_window_size': '7',
		'lfr_window_shift': '6',
		'neg_mean': ','.join(shift),
		'inv_stddev': ','.join(scale),
		'comment': 'random-weight stand-in made by tools/stand-ins/generate.py; not a speech recognizer',
	}
	del model.metadata_props[:]
	for key, value in entries.items():
		model.metadata_props.add(key=key, value=value)
	onnx.save(model, model_path)


def punctuation_vocabulary():
	"""<blank>, <s>, </s>, the toy recognizer's characters, some ASCII words, and <unk> last (FunASR's
	runtimes take the last token as the unknown symbol)."""
	with open(TOY_README, encoding='utf-8') as file:
		lines = file.read().splitlines()
	header = next(index for index, line in enumerate(lines) if 'only these 250 characters' in line)
	characters = list(lines[header + 1].strip())
	if len(characters) != 250:
		raise ValueError(f'{TOY_README}: expected 250 characters on the line after the list header, found {len(characters)}')
	words = [
		'a', 'i', 'ok', 'hello', 'world', 'the', 'is', 'we', 'you', 'are', 'and', 'it', 'to', 'of',
		'yes', 'no', 'what', 'how', 'good', 'news', 'live', 'stream', 'rtmp', 'asr', 'ai', 'ceo',
		'n8n', 'ffmpeg', 'onnx', 'gpu', 'app', 'wifi', 'usb', 'vip', 'mp3', 'pk', 'nba',
	]
	return ['<blank>', '<s>', '</s>'] + characters + words + ['<unk>']


def punctuation_config(sizes, realtime):
	encoder_conf = {
		'input_size': sizes.embed_size,
		'output_size': sizes.size,
		'attention_heads': sizes.heads,
		'linear_units': sizes.hidden,
		'num_blocks': sizes.blocks,
		'dropout_rate': 0.1,
		'positional_dropout_rate': 0.1,
		'attention_dropout_rate': 0.0,
		'input_layer': 'pe',
		'pos_enc_class': 'SinusoidalPositionEncoder',
		'normalize_before': True,
		'kernel_size': sizes.kernel_size,
		'sanm_shfit': sizes.shift,
		'selfattention_layer_type': 'sanm',
		'padding_idx': 0,
	}
	return {
		'model': 'CTTransformerStreaming' if realtime else 'CTTransformer',
		'model_conf': {
			'ignore_id': 0,
			'embed_unit': sizes.embed_size,
			'att_unit': sizes.size,
			'dropout_rate': 0.1,
			'punc_list': list(PUNCTUATION_LABELS),
			'punc_weight': [1.0] * len(PUNCTUATION_LABELS),
			'sentence_end_id': 3,
		},
		'encoder': 'SANMVadEncoder' if realtime else 'SANMEncoder',
		'encoder_conf': encoder_conf,
		'tokenizer': 'CharTokenizer',
		'tokenizer_conf': {'unk_symbol': '<unk>'},
		'vocab_size': sizes.vocab_size,
	}


def write_punctuation_files(directory, sizes, vocabulary, realtime):
	os.makedirs(directory, exist_ok=True)
	write_yaml(os.path.join(directory, 'config.yaml'), punctuation_config(sizes, realtime))
	write_json(os.path.join(directory, 'tokens.json'), vocabulary)
