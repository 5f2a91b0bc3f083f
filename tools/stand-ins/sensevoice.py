"""SenseVoiceSmall with FunASR's ONNX interface (funasr/models/sense_voice/export_meta.py):
speech [B, T, 560], speech_lengths [B], language [B], textnorm [B] -> ctc_logits [B, T+4, V], encoder_out_lens [B].

The graph prepends four query rows of a 16-row embedding to the speech: embed(language), embed(1)
(event query), embed(2) (emotion query), embed(textnorm); SenseVoiceEncoderSmall (SAN-M layers,
then `tp_blocks` more SAN-M layers after a norm) and the raw CTC projection `ctc_lo` follow.
sherpa-onnx re-exports the same weights with other names (x, x_length, text_norm -> logits only),
which `SherpaSenseVoice` reproduces for the benchmark.
"""
from dataclasses import dataclass

import torch
from torch import nn

from sanm import SanmEncoder, SanmEncoderLayer, layer_norm, randomize_fsmn, randomize_layer_norms, score_bias_from_mask, sequence_mask

# funasr/models/sense_voice/model.py: lid_dict, textnorm_dict; 7 + 7 + 2 query rows.
LANGUAGE_IDS = {'auto': 0, 'zh': 3, 'en': 4, 'yue': 7, 'ja': 11, 'ko': 12, 'nospeech': 13}
TEXTNORM_IDS = {'withitn': 14, 'woitn': 15}
QUERY_ROWS = 16
PREFIX_ROWS = 4

LANGUAGE_TAGS = ['<|zh|>', '<|en|>', '<|yue|>', '<|ja|>', '<|ko|>', '<|nospeech|>']
EMOTION_TAGS = ['<|HAPPY|>', '<|SAD|>', '<|ANGRY|>', '<|NEUTRAL|>', '<|FEARFUL|>', '<|DISGUSTED|>', '<|SURPRISED|>', '<|EMO_UNKNOWN|>']
EVENT_TAGS = ['<|Speech|>', '<|BGM|>', '<|Applause|>', '<|Laughter|>', '<|Cry|>', '<|Sneeze|>', '<|Breath|>', '<|Cough|>', '<|Event_UNK|>']
ITN_TAGS = ['<|withitn|>', '<|woitn|>']
# Where SenseVoiceSmall's 25055-piece vocabulary holds its tags (docs: ../shared/NEXT-MODELS.md section 3).
# The event ids are not published there: placed after <|nospeech|>, unverified.
REAL_TAG_IDS = {
	'<|zh|>': 24884, '<|en|>': 24885, '<|yue|>': 24888, '<|ja|>': 24892, '<|ko|>': 24896, '<|nospeech|>': 24992,
	'<|Speech|>': 24993, '<|BGM|>': 24994, '<|Applause|>': 24995, '<|Laughter|>': 24996, '<|Cry|>': 24997,
	'<|Sneeze|>': 24998, '<|Breath|>': 24999, '<|Cough|>': 25000,
	'<|HAPPY|>': 25001, '<|SAD|>': 25002, '<|ANGRY|>': 25003, '<|NEUTRAL|>': 25004, '<|FEARFUL|>': 25005,
	'<|DISGUSTED|>': 25006, '<|SURPRISED|>': 25007, '<|Event_UNK|>': 25008, '<|EMO_UNKNOWN|>': 25009,
	'<|withitn|>': 25016, '<|woitn|>': 25017,
}


@dataclass(frozen=True)
class SenseVoiceSizes:
	feature_size: int = 560
	size: int = 512
	heads: int = 4
	hidden: int = 2048
	blocks: int = 50
	tp_blocks: int = 20
	kernel_size: int = 11
	vocab_size: int = 25055


SENSEVOICE_SMALL = SenseVoiceSizes()


def tiny_vocabulary():
	"""<unk> (the CTC blank, id 0), <s>, </s>, every tag by its real name, English pieces with the
	`▁` word-start mark, Chinese characters and the marks ITN writes."""
	words = ['▁hello', '▁world', '▁the', '▁live', '▁stream', '▁is', '▁ok', '▁we', '▁go', 'ing', 's', 'ed', '▁n', '8', 'n', '▁25', '▁a', '▁i']
	characters = list('今天天气很好我们去公园明天开会吗直播开始了你好谢大家')
	marks = ['，', '。', '？', ',', '.', '?', '!']
	seen = set()
	pieces = []
	for piece in words + characters + marks:
		if piece not in seen:
			seen.add(piece)
			pieces.append(piece)
	return ['<unk>', '<s>', '</s>'] + LANGUAGE_TAGS + EMOTION_TAGS + EVENT_TAGS + ITN_TAGS + pieces


def large_vocabulary(cjk_source):
	"""25055 pieces with the tags at SenseVoiceSmall's ids; the rest CJK characters and `▁` words."""
	vocabulary = [None] * SENSEVOICE_SMALL.vocab_size
	vocabulary[:3] = ['<unk>', '<s>', '</s>']
	for tag, index in REAL_TAG_IDS.items():
		vocabulary[index] = tag
	fillers = iter([token for token in cjk_source if len(token) == 1 and '\u4e00' <= token <= '\u9fff'])
	for index, piece in enumerate(vocabulary):
		if piece is None:
			vocabulary[index] = next(fillers, None) or f'▁w{index}'
	return vocabulary


class SenseVoiceEncoder(SanmEncoder):
	"""SenseVoiceEncoderSmall: the SAN-M encoder, then `tp_blocks` SAN-M layers and `tp_norm`."""

	def __init__(self, sizes):
		super().__init__(sizes.feature_size, sizes.size, sizes.heads, sizes.hidden, sizes.blocks, sizes.kernel_size)
		self.tp_encoders = nn.ModuleList(
			[SanmEncoderLayer(sizes.size, sizes.size, sizes.heads, sizes.hidden, sizes.kernel_size, 0) for _ in range(sizes.tp_blocks)]
		)
		self.tp_norm = layer_norm(sizes.size)

	def forward(self, x, frame_mask, score_bias):
		x = super().forward(x, frame_mask, score_bias)
		for layer in self.tp_encoders:
			x = layer(x, frame_mask, score_bias)
		return self.tp_norm(x)


class SenseVoiceSmall(nn.Module):
	def __init__(self, sizes):
		super().__init__()
		self.sizes = sizes
		self.embed = nn.Embedding(QUERY_ROWS, sizes.feature_size)
		self.encoder = SenseVoiceEncoder(sizes)
		self.ctc_lo = nn.Linear(sizes.size, sizes.vocab_size)

	def forward(self, speech, speech_lengths, language, textnorm):
		batch = speech.shape[0]
		language_query = self.embed(language.long()).unsqueeze(1)
		textnorm_query = self.embed(textnorm.long()).unsqueeze(1)
		event_emotion_query = self.embed(torch.tensor([[1, 2]], dtype=torch.long)).repeat(batch, 1, 1)
		speech = torch.cat((language_query, event_emotion_query, textnorm_query, speech), dim=1)
		lengths = speech_lengths + PREFIX_ROWS
		frame_mask = sequence_mask(lengths)
		score_bias = score_bias_from_mask(frame_mask)[:, None, None, :]
		encoder_out = self.encoder(speech, frame_mask[:, :, None], score_bias)
		return self.ctc_lo(encoder_out), lengths.int()


class SherpaSenseVoice(nn.Module):
	"""sherpa-onnx's scripts/sense-voice/export-onnx.py: the same model, `logits` only."""

	def __init__(self, model):
		super().__init__()
		self.model = model

	def forward(self, x, x_length, language, text_norm):
		return self.model(x, x_length, language, text_norm)[0]


def build_sensevoice(sizes, seed, logit_scale=4.0):
	"""Random weights, output rows peaked enough that argmax is stable across runtimes."""
	torch.manual_seed(seed)
	model = SenseVoiceSmall(sizes)
	generator = torch.Generator().manual_seed(seed + 1)
	randomize_layer_norms(model, generator)
	randomize_fsmn(model, generator)
	with torch.no_grad():
		model.ctc_lo.weight.copy_(logit_scale * torch.randn(model.ctc_lo.weight.shape, generator=generator) / sizes.size ** 0.5)
		model.ctc_lo.bias.zero_()
	return model.eval()


def ctc_greedy(logits, length):
	"""FunASR's runtimes: argmax per frame over the first `length` frames, repeats collapsed, blank 0 dropped."""
	ids = logits[:length].argmax(dim=-1).tolist()
	kept = []
	previous = None
	for token in ids:
		if token != previous and token != 0:
			kept.append(token)
		previous = token
	return kept
