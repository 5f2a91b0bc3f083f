"""BiCif Paraformer (FunASR's timestamp export): Paraformer plus the up-sampled second CIF.

Outputs, as FunASR's `bicif_paraformer/export_meta.py` names them: `logits`, `token_num`,
`us_alphas` [B, 3T] (the second predictor's alphas, up-sampled x3 and rescaled to sum to
`token_num`) and `us_cif_peak` [B, 3T] (their running integral before each reset at 1 - 1e-4),
computed as `CifPredictorV3.get_upsample_timestmap` and `cif_wo_hidden_export` do.

`token_spans` re-implements the runtimes' timestamp rules (funasr_onnx `time_stamp_lfr6_onnx`,
C++ `TimestampOnnx` with its rebuild of the peaks from us_alphas) to compute the expected
times of the reference outputs once, here, independently of the TypeScript under test.
"""
import numpy as np
import torch
from torch import nn

from paraformer import Paraformer, ParaformerSizes, build_paraformer
from references import FORMAT_VERSION, paraformer_run, paraformer_tolerance, reference_features, write_float32
from sanm import score_bias_from_mask, sequence_mask

UPSAMPLE_TIMES = 3
FIRE_THRESHOLD = 1.0 - 1e-4
PEAK_OFFSET = -1.5
START_END_THRESHOLD = 5
MAX_TOKEN_DURATION = 30
FRAME_MS = 20

# Small enough to commit (about 200 KB): one encoder block, one decoder block, a 291-token vocabulary.
TINY_TIMESTAMP_PARAFORMER = ParaformerSizes(size=16, heads=2, hidden=32, encoder_blocks=1, decoder_blocks=1, kernel_size=11, vocab_size=291)


@torch.jit.script
def integrate_without_hidden(alphas, threshold: float):
	"""FunASR's cif_wo_hidden_export: the running sum at each frame, before the reset that a fire makes."""
	batch_size, length = alphas.size()
	integrate = torch.zeros([batch_size], dtype=alphas.dtype)
	fires = []
	for t in range(length):
		integrate = integrate + alphas[:, t]
		fires.append(integrate)
		integrate = torch.where(integrate >= threshold, integrate - threshold, integrate)
	return torch.stack(fires, 1)


class TimestampHead(nn.Module):
	"""CifPredictorV3's second branch: transposed-conv up-sampling x3, a BLSTM, a linear alpha per frame."""

	def __init__(self, size):
		super().__init__()
		self.upsample_cnn = nn.ConvTranspose1d(size, size, UPSAMPLE_TIMES, UPSAMPLE_TIMES)
		self.blstm = nn.LSTM(size, size, 1, bias=True, batch_first=True, bidirectional=True)
		self.cif_output2 = nn.Linear(size * 2, 1)

	def forward(self, hidden, frame_mask, token_num):
		upsampled = self.upsample_cnn(hidden.transpose(1, 2)).transpose(1, 2)
		upsampled, _ = self.blstm(upsampled)
		# FunASR's relu(sigmoid * smooth_factor2 - noise_threshold2) with its defaults 1 and 0.
		alphas = torch.sigmoid(self.cif_output2(upsampled)).squeeze(-1)
		mask = frame_mask[:, :, None].repeat(1, 1, UPSAMPLE_TIMES).reshape(frame_mask.shape[0], -1)
		alphas = alphas * mask
		alphas = alphas * (token_num.to(alphas.dtype) / alphas.sum(-1))[:, None]
		return alphas, integrate_without_hidden(alphas, FIRE_THRESHOLD)


class TimestampParaformer(Paraformer):
	def __init__(self, sizes):
		super().__init__(sizes)
		self.timestamp_head = TimestampHead(sizes.size)

	def forward(self, speech, speech_lengths):
		frame_mask = sequence_mask(speech_lengths)
		score_bias = score_bias_from_mask(frame_mask)[:, None, None, :]
		encoder_out = self.encoder(speech, frame_mask[:, :, None], score_bias)
		acoustic_embeds, token_num = self.predictor(encoder_out, frame_mask)
		token_num = token_num.int()
		logits = self.decoder(acoustic_embeds, token_num, encoder_out, frame_mask)
		us_alphas, us_cif_peak = self.timestamp_head(encoder_out, frame_mask, token_num)
		return torch.log_softmax(logits, dim=-1), token_num, us_alphas, us_cif_peak


def build_timestamp_paraformer(sizes, seed, alpha_spread=8.0, alpha_bias=-2.0):
	"""The random Paraformer of `build_paraformer` plus a random timestamp head whose alphas range from
	near 0 to near 1, so that peaks come unevenly, with gaps long enough for the silence rules."""
	base = build_paraformer(sizes, seed)
	torch.manual_seed(seed + 2)
	model = TimestampParaformer(sizes)
	model.load_state_dict(base.state_dict(), strict=False)
	generator = torch.Generator().manual_seed(seed + 3)
	with torch.no_grad():
		output = model.timestamp_head.cif_output2
		output.weight.copy_(alpha_spread * torch.randn(output.weight.shape, generator=generator) / output.weight.shape[1] ** 0.5)
		output.bias.fill_(alpha_bias)
	return model.eval()


def fire_places(peaks):
	return [i + PEAK_OFFSET for i, peak in enumerate(peaks) if peak > FIRE_THRESHOLD]


def rebuilt_peaks(alphas, peak_count):
	"""The C++ runtime's rebuild (util.cpp TimestampOnnx), in float32 as it computes."""
	f32 = np.float32
	total = f32(0)
	for alpha in alphas:
		total = f32(total + f32(alpha))
	scale = f32(total / f32(peak_count))
	if scale == 0:
		return None
	peaks = []
	running = f32(0)
	for alpha in alphas:
		running = f32(running + f32(f32(alpha) / scale))
		peaks.append(running)
		if float(running) >= FIRE_THRESHOLD:
			running = f32(float(running) - FIRE_THRESHOLD)
	index = len(peaks) - 1
	while float(running) >= FIRE_THRESHOLD and index >= 0:
		if float(peaks[index]) < FIRE_THRESHOLD:
			peaks[index] = running
			running = f32(float(running) - FIRE_THRESHOLD)
		index -= 1
	return [float(peak) for peak in peaks]


def token_spans(alphas, peaks, token_count):
	"""[(start_ms, end_ms)] per token from the segment's start, or None, and whether the peaks were rebuilt."""
	if token_count <= 0:
		return None, False
	fires = fire_places(peaks)
	rebuilt = False
	if len(fires) != token_count + 1:
		rebuilt = True
		new_peaks = rebuilt_peaks(alphas, token_count + 1)
		if new_peaks is None:
			return None, rebuilt
		fires = fire_places(new_peaks)
		if len(fires) != token_count + 1:
			return None, rebuilt
	spans = []
	for i in range(len(fires) - 1):
		if i == len(fires) - 2 or fires[i + 1] - fires[i] < MAX_TOKEN_DURATION:
			spans.append([fires[i], fires[i + 1]])
		else:
			spans.append([fires[i], fires[i] + MAX_TOKEN_DURATION])
	frames = len(peaks)
	spans[-1][1] = (frames + fires[-1]) / 2 if frames - fires[-1] > START_END_THRESHOLD else frames
	return [[start * FRAME_MS, end * FRAME_MS] for start, end in spans], rebuilt


class FirstTwoOutputs(nn.Module):
	"""The model seen as a plain Paraformer (logits, token_num), for the shared logits reference."""

	def __init__(self, model):
		super().__init__()
		self.model = model

	def forward(self, speech, speech_lengths):
		return self.model(speech, speech_lengths)[:2]


def timestamp_run(model, speech, speech_lengths, tokens):
	run, margin = paraformer_run(FirstTwoOutputs(model), speech, speech_lengths, tokens)
	with torch.no_grad():
		_, token_num, us_alphas, us_cif_peak = model(speech, speech_lengths)
	items = []
	for b, length in enumerate(speech_lengths.tolist()):
		frames = length * UPSAMPLE_TIMES
		alphas = us_alphas[b, :frames].tolist()
		peaks = us_cif_peak[b, :frames].tolist()
		token_count = max(int(token_num[b]) - 1, 0)
		spans, rebuilt = token_spans(alphas, peaks, token_count)
		# One token fewer than decoded: the peaks no longer match, so the C++ rebuild must run.
		forced_spans, _ = token_spans(alphas, peaks, token_count - 1)
		items.append({
			'token_count': token_count,
			'peaks_fired': len(fire_places(peaks)),
			'spans': spans,
			'rebuilt': rebuilt,
			'rebuild_case': {'token_count': token_count - 1, 'spans': forced_spans},
		})
	run.update({
		'us_shape': list(us_alphas.shape),
		'us_alphas': [[float(v) for v in row] for row in us_alphas.tolist()],
		'us_cif_peak': [[float(v) for v in row] for row in us_cif_peak.tolist()],
		'timestamps': items,
	})
	return run, margin


def timestamp_reference(model, directory, tokens, seed, lengths):
	speech = reference_features(seed, lengths, model.sizes.feature_size)
	write_float32(f'{directory}/speech.f32', speech)
	speech_lengths = torch.tensor(lengths, dtype=torch.int32)
	runs = []
	margins = []
	batch_run, margin = timestamp_run(model, speech, speech_lengths, tokens)
	runs.append({'name': 'batch', 'items': list(range(len(lengths))), **batch_run})
	margins.append(margin)
	for item, length in enumerate(lengths):
		alone, margin = timestamp_run(model, speech[item : item + 1, :length], speech_lengths[item : item + 1], tokens)
		runs.append({'name': f'item{item}_alone', 'items': [item], **alone})
		margins.append(margin)
	return {
		'format': FORMAT_VERSION,
		'kind': 'paraformer-timestamps',
		'speech': {'file': 'speech.f32', 'dtype': 'float32', 'shape': list(speech.shape), 'lengths': lengths, 'seed': seed},
		'upsample_times': UPSAMPLE_TIMES,
		'tolerance': paraformer_tolerance(FirstTwoOutputs(model), speech, speech_lengths),
		'min_top2_margin': min(margins),
		'runs': runs,
	}
