"""Contextual Paraformer (NN hotwords) with FunASR's two-graph ONNX interface.

model_eb.onnx: hotword int32 [N, 10] -> hw_embed float32 [10, N, D] (embedding, then an LSTM run
sequence-first: FunASR's ContextualEmbedderExport2, funasr/models/contextual_paraformer/export_meta.py).
model.onnx: speech [B, T, 560], speech_lengths int32 [B], bias_embed float32 [B, N, D] ->
logits [B, tokens, V] (log-softmax), token_num int32 [B]. The decoder's last SAN-M layer also
attends to bias_embed and mixes that back in (bias_decoder, bias_output), as FunASR's
ContextualParaformerDecoderExport does.
"""
import dataclasses
import json
import os
import shutil

import torch
from torch import nn

from export import PARAFORMER_AXES, export
from model_files import PARAFORMER_SOURCE_DIR, paraformer_config, read_paraformer_tokens, write_json, write_yaml
from paraformer import PARAFORMER_LARGE, DecoderLayer, ParaformerSizes, SourceAttention, build_paraformer, parameter_count
from quantize import quantize_model
from references import floats, reference_features, write_float32
from sanm import layer_norm, score_bias_from_mask, sequence_mask

MAX_HOTWORD_TOKENS = 10
START_ID = 1

CHINESE = '你好世界魔搭阿里巴巴达摩院语音识别热词模型上海北京今天天气很开会直播流'
ENGLISH_PIECES = ['hel@@', 'lo', 'world', 'fun@@', 'asr', 'pa@@', 'ra@@', 'for@@', 'mer', 'n8n']
SEG_DICT = {
	'hello': ['hel@@', 'lo'],
	'world': ['world'],
	'funasr': ['fun@@', 'asr'],
	'paraformer': ['pa@@', 'ra@@', 'for@@', 'mer'],
	# A piece the vocabulary lacks: the word is skipped.
	'rtmp': ['rt@@', 'mp'],
}
TINY_CONTEXTUAL = ParaformerSizes(size=16, heads=2, hidden=32, encoder_blocks=1, decoder_blocks=1, kernel_size=11, vocab_size=0)

# Hotword lists the reference embeds and runs; the Python tokeniser below follows FunASR's C++
# runtime independently of the TypeScript one, so the test cross-checks both.
HOTWORD_CASES = [
	('empty', 'no hotwords: the <s> row alone', []),
	('chinese', 'Chinese words, split into characters', ['魔搭 达摩院', '语音识别']),
	('mixed', 'English through seg_dict, a word with an unknown character and one seg_dict lacks are skipped', ['hello 热词 paraformer', '你好吗', 'unknown', 'rtmp', '上海']),
	('long', 'a 12-character word keeps its first 10 tokens', ['阿里巴巴达摩院语音识别热词']),
]


def contextual_vocabulary():
	return ['<blank>', '<s>', '</s>'] + list(dict.fromkeys(CHINESE)) + ENGLISH_PIECES + ['<unk>']


class HotwordEmbedder(nn.Module):
	def __init__(self, vocab_size, size):
		super().__init__()
		self.embedding = nn.Embedding(vocab_size, size)
		self.bias_encoder = nn.LSTM(size, size, num_layers=1, batch_first=False)

	def forward(self, hotword):
		embedded = self.embedding(hotword.long()).transpose(0, 1)
		states, _ = self.bias_encoder(embedded)
		return states


class ContextualParaformer(nn.Module):
	"""The tiny Paraformer's encoder, predictor and decoder, with the contextual bias in its last SAN-M layer."""

	def __init__(self, base):
		super().__init__()
		self.sizes = base.sizes
		self.encoder = base.encoder
		self.predictor = base.predictor
		self.decoder = base.decoder
		size = base.sizes.size
		self.last_decoder = DecoderLayer(size, base.sizes.heads, base.sizes.hidden, base.sizes.kernel_size)
		self.bias_norm = layer_norm(size)
		self.bias_decoder = SourceAttention(size, base.sizes.heads)
		self.bias_output = nn.Linear(2 * size, size, bias=False)

	def forward(self, speech, speech_lengths, bias_embed):
		frame_mask = sequence_mask(speech_lengths)
		score_bias = score_bias_from_mask(frame_mask)[:, None, None, :]
		encoder_out = self.encoder(speech, frame_mask[:, :, None], score_bias)
		acoustic_embeds, token_num = self.predictor(encoder_out, frame_mask)
		token_num = token_num.int()
		decoder = self.decoder
		token_mask = sequence_mask(token_num)[:, :, None]
		memory_bias = score_bias_from_mask(frame_mask)[:, None, None, :]
		x = acoustic_embeds
		for layer in decoder.decoders:
			x = layer(x, token_mask, encoder_out, memory_bias)
		last = self.last_decoder
		y = last.feed_forward(last.norm1(x))
		x_self_attn = x + last.self_attn(last.norm2(y), token_mask)
		x_src_attn = last.src_attn(last.norm3(x_self_attn), encoder_out, memory_bias)
		# Every hotword row is valid: no mask over bias_embed.
		no_bias_mask = torch.zeros(1, 1, 1, bias_embed.shape[1])
		contextual = self.bias_decoder(self.bias_norm(x_self_attn), bias_embed, no_bias_mask)
		x = x_self_attn + self.bias_output(torch.cat([x_src_attn, contextual], dim=-1))
		x = decoder.decoders3(x, token_mask, encoder_out, memory_bias)
		logits = decoder.output_layer(decoder.after_norm(x))
		return torch.log_softmax(logits, dim=-1), token_num


def build_contextual(sizes, seed):
	base = build_paraformer(sizes, seed, mean_alpha=0.35, logit_scale=6.0)
	torch.manual_seed(seed + 2)
	model = ContextualParaformer(base)
	embedder = HotwordEmbedder(sizes.vocab_size, sizes.size)
	generator = torch.Generator().manual_seed(seed + 3)
	with torch.no_grad():
		# Large enough that the hotwords change the logits visibly.
		model.bias_output.weight.copy_(6.0 * torch.randn(model.bias_output.weight.shape, generator=generator) / sizes.size ** 0.5)
		embedder.embedding.weight.copy_(torch.randn(embedder.embedding.weight.shape, generator=generator))
	return model.eval(), embedder.eval()


def tokenize(hotwords, vocabulary, seg_dict):
	"""FunASR's C++ Paraformer::CompileHotwordEmbedding: ids [N+1, 10], lengths, kept, skipped."""
	index = {}
	for i, token in enumerate(vocabulary):
		index.setdefault(token, i)
	words = [word for entry in hotwords for word in entry.split(' ') if word]
	rows, lengths, kept, skipped = [], [], [], []
	for word in words:
		chinese = all(0x4E00 <= ord(c) <= 0x9FFF for c in word)
		tokens = (list(word) if chinese else seg_dict.get(word, []))[:MAX_HOTWORD_TOKENS]
		ids = [index.get(token) for token in tokens]
		if not tokens or None in ids:
			skipped.append(word)
			continue
		rows.append(ids + [0] * (MAX_HOTWORD_TOKENS - len(ids)))
		lengths.append(len(ids))
		kept.append(word)
	rows.append([START_ID] + [0] * (MAX_HOTWORD_TOKENS - 1))
	lengths.append(1)
	return rows, lengths, kept, skipped


def export_contextual(model, embedder, directory):
	speech = torch.randn(2, 30, model.sizes.feature_size, generator=torch.Generator().manual_seed(0))
	speech_lengths = torch.tensor([6, 30], dtype=torch.int32)
	bias_embed = torch.randn(2, 3, model.sizes.size, generator=torch.Generator().manual_seed(1))
	hotword = torch.tensor([[10, 11, 12, 0, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]], dtype=torch.int32)
	export(
		model, (speech, speech_lengths, bias_embed), os.path.join(directory, 'model.onnx'), ['speech', 'speech_lengths', 'bias_embed'], ['logits', 'token_num'],
		{**PARAFORMER_AXES, 'bias_embed': {0: 'batch_size', 1: 'num_hotwords'}},
	)
	export(embedder, (hotword,), os.path.join(directory, 'model_eb.onnx'), ['hotword'], ['hw_embed'], {'hotword': {0: 'num_hotwords'}, 'hw_embed': {1: 'num_hotwords'}})


def contextual_reference(model, embedder, directory, vocabulary, seed, lengths):
	speech = reference_features(seed, lengths, model.sizes.feature_size)
	write_float32(os.path.join(directory, 'speech.f32'), speech)
	speech_lengths = torch.tensor(lengths, dtype=torch.int32)
	cases = []
	for name, description, hotwords in HOTWORD_CASES:
		rows, row_lengths, kept, skipped = tokenize(hotwords, vocabulary, SEG_DICT)
		with torch.no_grad():
			states = embedder(torch.tensor(rows, dtype=torch.int32))
			picked = torch.stack([states[length - 1, row] for row, length in enumerate(row_lengths)])
			bias = picked[None].repeat(len(lengths), 1, 1)
			logits, token_num = model(speech, speech_lengths, bias)
		cases.append({
			'name': name, 'description': description, 'hotwords': hotwords,
			'kept': kept, 'skipped': skipped, 'ids': rows, 'lengths': row_lengths,
			'embedding': floats(picked),
			'logits_shape': list(logits.shape), 'token_num': token_num.tolist(),
			'argmax': logits.argmax(dim=-1).tolist(), 'logits': floats(logits),
		})
	return {
		'format': 1, 'kind': 'contextual-paraformer',
		'speech': {'file': 'speech.f32', 'dtype': 'float32', 'shape': list(speech.shape), 'lengths': lengths, 'seed': seed},
		'tolerance': 1e-4,
		'cases': cases,
	}


def write_contextual_files(directory, sizes, vocabulary):
	os.makedirs(directory, exist_ok=True)
	config = paraformer_config(sizes)
	config['model'] = 'ContextualParaformer'
	config['model_conf']['inner_dim'] = sizes.size
	write_yaml(os.path.join(directory, 'config.yaml'), config)
	shutil.copyfile(os.path.join(PARAFORMER_SOURCE_DIR, 'am.mvn'), os.path.join(directory, 'am.mvn'))
	write_json(os.path.join(directory, 'tokens.json'), vocabulary)
	with open(os.path.join(directory, 'seg_dict'), 'w', encoding='utf-8') as file:
		for word, pieces in SEG_DICT.items():
			file.write(f'{word}\t{" ".join(pieces)}\n')


def build_contextual_dir(directory, seed, lengths):
	vocabulary = contextual_vocabulary()
	sizes = dataclasses.replace(TINY_CONTEXTUAL, vocab_size=len(vocabulary))
	model, embedder = build_contextual(sizes, seed)
	write_contextual_files(directory, sizes, vocabulary)
	export_contextual(model, embedder, directory)
	# FunASR's int8 export quantises the backbone only; its runtimes load model_eb.onnx in float.
	quantize_model(os.path.join(directory, 'model.onnx'), os.path.join(directory, 'model_quant.onnx'))
	reference = contextual_reference(model, embedder, directory, vocabulary, seed, lengths)
	with open(os.path.join(directory, 'reference.json'), 'w', encoding='utf-8') as file:
		json.dump(reference, file, ensure_ascii=False)
	size = sum(os.path.getsize(os.path.join(directory, name)) for name in os.listdir(directory))
	changed = sum(case['argmax'] != reference['cases'][0]['argmax'] for case in reference['cases'][1:])
	print(f'  vocabulary {len(vocabulary)}; {size / 1e3:.0f} kB in all; token_num {reference["cases"][0]["token_num"]}; hotwords change the argmax in {changed} of {len(reference["cases"]) - 1} lists')


def build_large_contextual_dir(directory, seed):
	"""Paraformer-large sizes and the real vocabulary, for the benchmark's hotword costs: no reference
	(torch at this size takes minutes more), and no seg_dict pieces beyond the tiny ones."""
	vocabulary = read_paraformer_tokens()
	model, embedder = build_contextual(PARAFORMER_LARGE, seed)
	write_contextual_files(directory, PARAFORMER_LARGE, vocabulary)
	export_contextual(model, embedder, directory)
	megabytes = {name: os.path.getsize(os.path.join(directory, name)) / 1e6 for name in ('model.onnx', 'model_eb.onnx')}
	print(f'  parameters {parameter_count(model):,} + embedder {parameter_count(embedder):,}; model.onnx {megabytes["model.onnx"]:.0f} MB, model_eb.onnx {megabytes["model_eb.onnx"]:.1f} MB')
