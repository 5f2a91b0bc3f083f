"""SAN-M blocks (self-attention plus FSMN memory) in the form FunASR exports them to ONNX.

Masks travel the way FunASR's export wrappers pass them: a float frame mask [B, T, 1]
that zeroes padded frames around the FSMN memory, and an additive score bias
(0 where attention is allowed, -10000 where not) broadcast over heads.
"""
import math

import torch
from torch import nn

MASKED_SCORE = -10000.0
# FunASR's LayerNorm subclass uses this epsilon everywhere.
LAYER_NORM_EPS = 1e-12


def layer_norm(size):
	return nn.LayerNorm(size, eps=LAYER_NORM_EPS)


def sequence_mask(lengths):
	"""float [B, max(lengths)]: 1 for positions < length. Sized by the longest length, as FunASR's export does."""
	lengths = lengths.long()
	positions = torch.arange(lengths.max(), device=lengths.device)
	return (positions[None, :] < lengths[:, None]).float()


def score_bias_from_mask(allowed):
	"""Additive attention bias from a 0/1 mask of allowed positions."""
	return (1.0 - allowed) * MASKED_SCORE


def sinusoidal_positions(length, depth):
	"""FunASR's SinusoidalPositionEncoder table [1, length, depth] for positions 1..length."""
	positions = torch.arange(1, length + 1, dtype=torch.float32)
	increment = math.log(10000.0) / (depth / 2 - 1)
	inverse_timescales = torch.exp(torch.arange(depth // 2, dtype=torch.float32) * -increment)
	scaled = positions[:, None] * inverse_timescales[None, :]
	return torch.cat([torch.sin(scaled), torch.cos(scaled)], dim=1)[None, :, :]


def split_heads(x, heads):
	batch, time, size = x.shape
	return x.view(batch, time, heads, size // heads).permute(0, 2, 1, 3)


def merge_heads(x):
	batch, heads, time, head_size = x.shape
	return x.permute(0, 2, 1, 3).contiguous().view(batch, time, heads * head_size)


class FsmnMemory(nn.Module):
	"""Depthwise convolution over time with a residual, on masked input (FSMN memory block)."""

	def __init__(self, size, kernel_size, shift):
		super().__init__()
		left = (kernel_size - 1) // 2 + shift
		self.padding = (left, kernel_size - 1 - left)
		self.fsmn_block = nn.Conv1d(size, size, kernel_size, groups=size, bias=False)

	def forward(self, x, frame_mask):
		masked = x * frame_mask
		memory = self.fsmn_block(nn.functional.pad(masked.transpose(1, 2), self.padding)).transpose(1, 2)
		return (memory + masked) * frame_mask


class SanmSelfAttention(nn.Module):
	"""Multi-head self-attention whose value stream also feeds an FSMN memory added to the output."""

	def __init__(self, in_size, size, heads, kernel_size, shift):
		super().__init__()
		self.heads = heads
		self.size = size
		self.linear_q_k_v = nn.Linear(in_size, 3 * size)
		self.linear_out = nn.Linear(size, size)
		self.memory = FsmnMemory(size, kernel_size, shift)

	def forward(self, x, frame_mask, score_bias):
		query, key, value = torch.split(self.linear_q_k_v(x), self.size, dim=-1)
		memory = self.memory(value, frame_mask)
		head_size = self.size // self.heads
		scores = torch.matmul(split_heads(query, self.heads) * head_size ** -0.5, split_heads(key, self.heads).transpose(-2, -1))
		weights = torch.softmax(scores + score_bias, dim=-1)
		context = merge_heads(torch.matmul(weights, split_heads(value, self.heads)))
		return self.linear_out(context) + memory


class FeedForward(nn.Module):
	def __init__(self, size, hidden):
		super().__init__()
		self.w_1 = nn.Linear(size, hidden)
		self.w_2 = nn.Linear(hidden, size)

	def forward(self, x):
		return self.w_2(torch.relu(self.w_1(x)))


class SanmEncoderLayer(nn.Module):
	"""Pre-norm layer; the first layer of an encoder changes the width and so has no attention residual."""

	def __init__(self, in_size, size, heads, hidden, kernel_size, shift):
		super().__init__()
		self.has_residual = in_size == size
		self.norm1 = layer_norm(in_size)
		self.self_attn = SanmSelfAttention(in_size, size, heads, kernel_size, shift)
		self.norm2 = layer_norm(size)
		self.feed_forward = FeedForward(size, hidden)

	def forward(self, x, frame_mask, score_bias):
		y = self.self_attn(self.norm1(x), frame_mask, score_bias)
		if self.has_residual:
			y = y + x
		return y + self.feed_forward(self.norm2(y))


class SanmEncoder(nn.Module):
	"""Input scaled by sqrt(size), sinusoidal positions of the input width, SAN-M layers, final norm."""

	def __init__(self, in_size, size, heads, hidden, blocks, kernel_size, shift=0):
		super().__init__()
		self.size = size
		self.encoders0 = SanmEncoderLayer(in_size, size, heads, hidden, kernel_size, shift)
		self.encoders = nn.ModuleList(
			[SanmEncoderLayer(size, size, heads, hidden, kernel_size, shift) for _ in range(blocks - 1)]
		)
		self.after_norm = layer_norm(size)

	def forward(self, x, frame_mask, score_bias, last_layer_score_bias=None):
		x = x * self.size ** 0.5
		x = x + sinusoidal_positions(x.shape[1], x.shape[2])
		x = self.encoders0(x, frame_mask, score_bias)
		for index, layer in enumerate(self.encoders):
			is_last = index == len(self.encoders) - 1
			bias = last_layer_score_bias if is_last and last_layer_score_bias is not None else score_bias
			x = layer(x, frame_mask, bias)
		return self.after_norm(x)


def randomize_layer_norms(module, generator, spread=0.1):
	"""Moves every LayerNorm off the identity so that a runtime that skips its affine part is caught."""
	with torch.no_grad():
		for norm in (m for m in module.modules() if isinstance(m, nn.LayerNorm)):
			norm.weight.copy_(1.0 + spread * torch.randn(norm.weight.shape, generator=generator))
			norm.bias.copy_(spread * torch.randn(norm.bias.shape, generator=generator))


def randomize_fsmn(module, generator, scale=0.3):
	"""Default init leaves the memory tiny next to the residual; make its taps matter."""
	with torch.no_grad():
		for memory in (m for m in module.modules() if isinstance(m, FsmnMemory)):
			weight = memory.fsmn_block.weight
			weight.copy_(scale * torch.randn(weight.shape, generator=generator))
