"""Continuous integrate-and-fire (CIF) predictor of Paraformer, written without loops over time.

Token k integrates the part of the running alpha sum that falls in [k, k + 1): frame t,
whose alpha covers [c(t-1), c(t)), gives max(0, min(c(t), k + 1) - max(c(t-1), k)) of its
hidden vector to token k. That is the same split FunASR's CIF makes at each threshold
crossing (threshold 1.0), as one dense matrix product that exports to plain ONNX ops.
"""
import torch
from torch import nn


class CifPredictor(nn.Module):
	def __init__(self, size, left_order=1, right_order=1, tail_threshold=0.45):
		super().__init__()
		self.padding = (left_order, right_order)
		self.tail_threshold = tail_threshold
		self.cif_conv1d = nn.Conv1d(size, size, left_order + right_order + 1)
		self.cif_output = nn.Linear(size, 1)

	def alphas(self, hidden, frame_mask):
		context = nn.functional.pad(hidden.transpose(1, 2), self.padding)
		queries = torch.relu(self.cif_conv1d(context)).transpose(1, 2)
		return torch.sigmoid(self.cif_output(queries)).squeeze(-1) * frame_mask

	def forward(self, hidden, frame_mask):
		"""hidden [B, T, D], frame_mask float [B, T] -> acoustic embeddings [B, N, D], token counts float [B]."""
		alphas = self.alphas(hidden, frame_mask)
		batch = hidden.shape[0]
		zero_column = torch.zeros(batch, 1, dtype=alphas.dtype)
		one_column = torch.ones(batch, 1, dtype=alphas.dtype)
		# The tail weight lands on the first frame after each sequence's end, as in FunASR.
		first_padded = torch.cat([one_column, frame_mask], dim=1) - torch.cat([frame_mask, zero_column], dim=1)
		alphas = torch.cat([alphas, zero_column], dim=1) + self.tail_threshold * first_padded
		hidden = torch.cat([hidden, torch.zeros(batch, 1, hidden.shape[2], dtype=hidden.dtype)], dim=1)
		token_num = torch.floor(alphas.sum(dim=-1))
		return integrate_and_fire(hidden, alphas, token_num), token_num


def integrate_and_fire(hidden, alphas, token_num):
	# float64 running sums keep integer crossings exact on long inputs, as FunASR does.
	ends = torch.cumsum(alphas.double(), dim=1).to(alphas.dtype)
	starts = torch.cat([torch.zeros_like(ends[:, :1]), ends[:, :-1]], dim=1)
	token_index = torch.arange(token_num.max().long()).to(alphas.dtype)[None, :, None]
	upper = torch.minimum(ends[:, None, :], token_index + 1.0)
	lower = torch.maximum(starts[:, None, :], token_index)
	fired = (token_index[:, :, 0] < token_num[:, None]).to(alphas.dtype)[:, :, None]
	weights = torch.relu(upper - lower) * fired
	return torch.matmul(weights, hidden)
