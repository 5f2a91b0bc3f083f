"""CT-Transformer punctuation models with FunASR's ONNX interfaces.

Offline: inputs int32 [B, L], text_lengths int32 [B] -> logits [B, L, labels].
Realtime (vad_realtime): adds vad_masks and sub_masks float32 [1, 1, L, L]; every layer
attends through sub_masks except the last, which attends through vad_masks, and the FSMN
memory looks only backwards (sanm_shfit 5 with kernel 11).
"""
from dataclasses import dataclass

import torch
from torch import nn

from sanm import SanmEncoder, randomize_fsmn, randomize_layer_norms, score_bias_from_mask, sequence_mask

PUNCTUATION_LABELS = ['<unk>', '_', '，', '。', '？', '、']


@dataclass(frozen=True)
class PunctuationSizes:
	vocab_size: int
	embed_size: int = 32
	size: int = 32
	heads: int = 4
	hidden: int = 64
	blocks: int = 3
	kernel_size: int = 11
	shift: int = 0
	labels: int = len(PUNCTUATION_LABELS)


class CtTransformer(nn.Module):
	def __init__(self, sizes):
		super().__init__()
		self.sizes = sizes
		self.embed = nn.Embedding(sizes.vocab_size, sizes.embed_size)
		self.encoder = SanmEncoder(sizes.embed_size, sizes.size, sizes.heads, sizes.hidden, sizes.blocks, sizes.kernel_size, sizes.shift)
		self.decoder = nn.Linear(sizes.size, sizes.labels)

	def forward(self, inputs, text_lengths):
		frame_mask = sequence_mask(text_lengths)
		score_bias = score_bias_from_mask(frame_mask)[:, None, None, :]
		return self.decoder(self.encoder(self.embed(inputs), frame_mask[:, :, None], score_bias))


class CtTransformerRealtime(CtTransformer):
	def forward(self, inputs, text_lengths, vad_masks, sub_masks):
		frame_mask = sequence_mask(text_lengths)[:, :, None]
		hidden = self.encoder(
			self.embed(inputs),
			frame_mask,
			score_bias_from_mask(sub_masks),
			last_layer_score_bias=score_bias_from_mask(vad_masks),
		)
		return self.decoder(hidden)


# Logit offsets per label and the spread of the label layer, chosen so that random text gets about
# 55 % "_", 15 % "，", 15 % "。" and the rest "？"/"、", with argmax margins far above float error.
LABEL_BIAS = [-3.0, 2.0, 0.6, 0.2, -0.6, -0.8]
LABEL_LAYER_SCALE = 2.0


def build_punctuation_model(sizes, seed, realtime):
	torch.manual_seed(seed)
	model = (CtTransformerRealtime if realtime else CtTransformer)(sizes)
	generator = torch.Generator().manual_seed(seed + 1)
	randomize_layer_norms(model, generator)
	randomize_fsmn(model, generator)
	with torch.no_grad():
		model.embed.weight.copy_(torch.randn(model.embed.weight.shape, generator=generator))
		decoder = model.decoder
		decoder.weight.copy_(LABEL_LAYER_SCALE * torch.randn(decoder.weight.shape, generator=generator) / sizes.size ** 0.5)
		decoder.bias.copy_(torch.tensor(LABEL_BIAS))
	return model.eval()


def vad_mask(size, cache_size):
	"""FunASR's realtime mask: tokens before the cache's last one may not see the new text."""
	mask = torch.ones(size, size)
	if 0 < cache_size < size:
		mask[: cache_size - 1, cache_size:] = 0.0
	return mask
