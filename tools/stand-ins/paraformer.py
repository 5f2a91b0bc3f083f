"""Paraformer (offline) with FunASR's ONNX interface: speech [B, T, 560], speech_lengths [B] -> logits, token_num."""
from dataclasses import dataclass

import torch
from torch import nn

from cif import CifPredictor
from sanm import (
	FsmnMemory,
	SanmEncoder,
	layer_norm,
	merge_heads,
	randomize_fsmn,
	randomize_layer_norms,
	score_bias_from_mask,
	sequence_mask,
	split_heads,
)


@dataclass(frozen=True)
class ParaformerSizes:
	feature_size: int = 560
	size: int = 512
	heads: int = 4
	hidden: int = 2048
	encoder_blocks: int = 50
	decoder_blocks: int = 16
	kernel_size: int = 11
	vocab_size: int = 8404


PARAFORMER_LARGE = ParaformerSizes()
TINY_PARAFORMER = ParaformerSizes(size=48, heads=4, hidden=192, encoder_blocks=4, decoder_blocks=2)


class DecoderFeedForward(nn.Module):
	"""The decoder's FFN normalises its hidden layer and has no output bias."""

	def __init__(self, size, hidden):
		super().__init__()
		self.w_1 = nn.Linear(size, hidden)
		self.norm = layer_norm(hidden)
		self.w_2 = nn.Linear(hidden, size, bias=False)

	def forward(self, x):
		return self.w_2(self.norm(torch.relu(self.w_1(x))))


class SourceAttention(nn.Module):
	def __init__(self, size, heads):
		super().__init__()
		self.heads = heads
		self.size = size
		self.linear_q = nn.Linear(size, size)
		self.linear_k_v = nn.Linear(size, 2 * size)
		self.linear_out = nn.Linear(size, size)

	def forward(self, x, memory, memory_bias):
		key, value = torch.split(self.linear_k_v(memory), self.size, dim=-1)
		head_size = self.size // self.heads
		scores = torch.matmul(split_heads(self.linear_q(x), self.heads), split_heads(key, self.heads).transpose(-2, -1))
		weights = torch.softmax(scores / head_size ** 0.5 + memory_bias, dim=-1)
		return self.linear_out(merge_heads(torch.matmul(weights, split_heads(value, self.heads))))


class DecoderLayer(nn.Module):
	"""FFN first, then FSMN memory over tokens, then attention to the encoder output.

	The final layer of the decoder keeps only the FFN, and then has no residual at all.
	"""

	def __init__(self, size, heads, hidden, kernel_size, ffn_only=False):
		super().__init__()
		self.norm1 = layer_norm(size)
		self.feed_forward = DecoderFeedForward(size, hidden)
		self.ffn_only = ffn_only
		if not ffn_only:
			self.norm2 = layer_norm(size)
			self.self_attn = FsmnMemory(size, kernel_size, shift=0)
			self.norm3 = layer_norm(size)
			self.src_attn = SourceAttention(size, heads)

	def forward(self, x, token_mask, memory, memory_bias):
		y = self.feed_forward(self.norm1(x))
		if self.ffn_only:
			return y
		y = x + self.self_attn(self.norm2(y), token_mask)
		return y + self.src_attn(self.norm3(y), memory, memory_bias)


class ParaformerDecoder(nn.Module):
	def __init__(self, sizes):
		super().__init__()
		self.decoders = nn.ModuleList(
			[DecoderLayer(sizes.size, sizes.heads, sizes.hidden, sizes.kernel_size) for _ in range(sizes.decoder_blocks)]
		)
		self.decoders3 = DecoderLayer(sizes.size, sizes.heads, sizes.hidden, sizes.kernel_size, ffn_only=True)
		self.after_norm = layer_norm(sizes.size)
		self.output_layer = nn.Linear(sizes.size, sizes.vocab_size)

	def forward(self, acoustic_embeds, token_num, memory, memory_mask):
		token_mask = sequence_mask(token_num)[:, :, None]
		memory_bias = score_bias_from_mask(memory_mask)[:, None, None, :]
		x = acoustic_embeds
		for layer in self.decoders:
			x = layer(x, token_mask, memory, memory_bias)
		x = self.decoders3(x, token_mask, memory, memory_bias)
		return self.output_layer(self.after_norm(x))


class Paraformer(nn.Module):
	def __init__(self, sizes):
		super().__init__()
		self.sizes = sizes
		self.encoder = SanmEncoder(sizes.feature_size, sizes.size, sizes.heads, sizes.hidden, sizes.encoder_blocks, sizes.kernel_size)
		self.predictor = CifPredictor(sizes.size)
		self.decoder = ParaformerDecoder(sizes)

	def forward(self, speech, speech_lengths):
		frame_mask = sequence_mask(speech_lengths)
		score_bias = score_bias_from_mask(frame_mask)[:, None, None, :]
		encoder_out = self.encoder(speech, frame_mask[:, :, None], score_bias)
		acoustic_embeds, token_num = self.predictor(encoder_out, frame_mask)
		token_num = token_num.int()
		logits = self.decoder(acoustic_embeds, token_num, encoder_out, frame_mask)
		return torch.log_softmax(logits, dim=-1), token_num


def build_paraformer(sizes, seed, mean_alpha=0.3, logit_scale=3.0):
	"""Random Paraformer whose CIF fires about `mean_alpha` tokens per LFR frame (≈5 per second at 0.3)
	and whose output rows are peaked enough that argmax is stable across runtimes."""
	torch.manual_seed(seed)
	model = Paraformer(sizes)
	generator = torch.Generator().manual_seed(seed + 1)
	randomize_layer_norms(model, generator)
	randomize_fsmn(model, generator)
	with torch.no_grad():
		cif_output = model.predictor.cif_output
		cif_output.weight.copy_(torch.randn(cif_output.weight.shape, generator=generator) / sizes.size ** 0.5)
		cif_output.bias.fill_(float(torch.logit(torch.tensor(mean_alpha))))
		output_layer = model.decoder.output_layer
		output_layer.weight.copy_(logit_scale * torch.randn(output_layer.weight.shape, generator=generator) / sizes.size ** 0.5)
		output_layer.bias.zero_()
	return model.eval()


def parameter_count(model):
	return sum(p.numel() for p in model.parameters())


def flops_per_audio_second(sizes, utterance_seconds=10.0, tokens_per_second=4.0, lfr_frames_per_second=100 / 6):
	"""Multiply-adds x2 of one utterance of the given length, divided by its length."""
	frames = utterance_seconds * lfr_frames_per_second
	tokens = utterance_seconds * tokens_per_second
	d, h, f, v = sizes.size, sizes.hidden, sizes.kernel_size, sizes.vocab_size
	encoder_layer = frames * (3 * d * d + d * d + 2 * d * h + d * f) + 2 * frames * frames * d
	first_layer = frames * (3 * sizes.feature_size * d + d * d + 2 * d * h + d * f) + 2 * frames * frames * d
	predictor = frames * (3 * d * d + d)
	decoder_layer = tokens * (2 * d * h + d * f + 2 * d * d) + frames * 2 * d * d + 2 * tokens * frames * d
	final = tokens * (2 * d * h + d * v)
	macs = first_layer + (sizes.encoder_blocks - 1) * encoder_layer + predictor + sizes.decoder_blocks * decoder_layer + final
	return 2 * macs / utterance_seconds
