"""Expected outputs computed by torch for fixed inputs; test/fixtures/models/README.md describes the files."""
import copy
import math
import os

import numpy as np
import torch

from ct_transformer import PUNCTUATION_LABELS, vad_mask

FORMAT_VERSION = 1
BASE_TOLERANCE = 1e-4
PUNCTUATION_TOLERANCE = 1e-5
HEAD_COLUMNS = 16
TOP = 5
# FunASR drops these ids from the decoded text, and the last id (<unk>).
SPECIAL_IDS = (0, 1, 2)


def reference_features(seed, lengths, feature_size):
	"""Zero-padded batch [B, max(lengths), feature_size] of unit-variance features, smoothed over time
	the way CMVN-normalised LFR features are."""
	generator = torch.Generator().manual_seed(seed)
	batch = torch.zeros(len(lengths), max(lengths), feature_size)
	for index, length in enumerate(lengths):
		noise = torch.randn(length + 2, feature_size, generator=generator)
		batch[index, :length] = (noise[:-2] + noise[1:-1] + noise[2:]) / 3 ** 0.5
	return batch


def write_float32(path, tensor):
	tensor.detach().numpy().astype('<f4').tofile(path)


def floats(tensor):
	return [float(value) for value in tensor.reshape(-1).tolist()] if tensor.dim() == 1 else [floats(row) for row in tensor]


def paraformer_run(model, speech, speech_lengths, tokens):
	with torch.no_grad():
		logits, token_num = model(speech, speech_lengths)
	top = torch.topk(logits, TOP, dim=-1)
	unknown_id = len(tokens) - 1
	decoded = []
	for item in range(logits.shape[0]):
		ids = logits[item, : max(int(token_num[item]) - 1, 0)].argmax(dim=-1).tolist()
		kept = [i for i in ids if i not in SPECIAL_IDS and i != unknown_id]
		decoded.append({'ids': kept, 'tokens': [tokens[i] for i in kept]})
	sorted_logits = torch.sort(logits, dim=-1, descending=True).values
	return {
		'speech_shape': list(speech.shape),
		'speech_lengths': speech_lengths.tolist(),
		'logits_shape': list(logits.shape),
		'token_num': token_num.tolist(),
		'argmax': logits.argmax(dim=-1).tolist(),
		'row_max': floats(logits.max(dim=-1).values),
		'row_sum': floats(logits.double().sum(dim=-1).float()),
		'logits_head': floats(logits[:, :, :HEAD_COLUMNS]),
		'top5_ids': top.indices.tolist(),
		'top5_values': floats(top.values),
		'decoded': decoded,
	}, float((sorted_logits[..., 0] - sorted_logits[..., 1]).min()) if logits.shape[1] else float('inf')


def paraformer_tolerance(model, speech, speech_lengths):
	"""Allowed |onnxruntime - torch| on logits: 1e-4, or twice torch's own float32 error against float64
	where a deep model rounds more than that."""
	with torch.no_grad():
		single, _ = model(speech, speech_lengths)
		double, _ = copy.deepcopy(model).double()(speech.double(), speech_lengths)
	float_error = float((single.double() - double).abs().max())
	return max(BASE_TOLERANCE, round(math.ceil(2 * float_error * 1e5) / 1e5, 5))


def paraformer_reference(model, directory, tokens, seed, lengths):
	speech = reference_features(seed, lengths, model.sizes.feature_size)
	write_float32(os.path.join(directory, 'speech.f32'), speech)
	speech_lengths = torch.tensor(lengths, dtype=torch.int32)
	runs = []
	margins = []
	batch_run, margin = paraformer_run(model, speech, speech_lengths, tokens)
	runs.append({'name': 'batch', 'items': list(range(len(lengths))), **batch_run})
	margins.append(margin)
	for item, length in enumerate(lengths):
		alone, margin = paraformer_run(model, speech[item : item + 1, :length], speech_lengths[item : item + 1], tokens)
		runs.append({'name': f'item{item}_alone', 'items': [item], **alone})
		margins.append(margin)
	return {
		'format': FORMAT_VERSION,
		'kind': 'paraformer',
		'speech': {'file': 'speech.f32', 'dtype': 'float32', 'shape': list(speech.shape), 'lengths': lengths, 'seed': seed},
		'head_columns': HEAD_COLUMNS,
		'tolerance': paraformer_tolerance(model, speech, speech_lengths),
		'min_top2_margin': min(margins),
		'runs': runs,
	}


def punctuation_tokens(text):
	"""FunASR's code-mix split: per space-separated piece, each non-ASCII character is a token and each
	maximal ASCII run one token, lower-cased."""
	tokens = []
	for piece in text.split():
		ascii_run = ''
		for character in piece:
			if ord(character) < 128:
				ascii_run += character
				continue
			if ascii_run:
				tokens.append(ascii_run.lower())
				ascii_run = ''
			tokens.append(character)
		if ascii_run:
			tokens.append(ascii_run.lower())
	return tokens


def token_ids(tokens, vocabulary):
	index = {token: i for i, token in enumerate(vocabulary)}
	unknown = len(vocabulary) - 1
	return [index.get(token, unknown) for token in tokens]


def punctuation_case(model, name, description, inputs, text_lengths, vad_masks=None, sub_masks=None, **extra):
	inputs_tensor = torch.tensor(inputs, dtype=torch.int32)
	lengths_tensor = torch.tensor(text_lengths, dtype=torch.int32)
	with torch.no_grad():
		if vad_masks is None:
			logits = model(inputs_tensor, lengths_tensor)
		else:
			logits = model(inputs_tensor, lengths_tensor, vad_masks[None, None], sub_masks[None, None])
	case = {'name': name, 'description': description, **extra, 'inputs': inputs, 'text_lengths': text_lengths}
	if vad_masks is not None:
		case['vad_masks'] = vad_masks.int().tolist()
		case['sub_masks'] = sub_masks.int().tolist()
	case['logits'] = floats(logits)
	top2 = torch.topk(logits, 2, dim=-1).values
	case['min_top2_margin'] = float((top2[..., 0] - top2[..., 1]).min())
	case['argmax'] = logits.argmax(dim=-1).tolist()
	case['labels'] = [[PUNCTUATION_LABELS[label] for label in row] for row in case['argmax']]
	return case


OFFLINE_TEXT = '今天天气很好 我们 去 公园 hello world 你们 明天 开会吗 the live stream is ok 谢谢大家'
REALTIME_CACHE = '我们 去 公园'
REALTIME_TEXT = '明天 开会吗 请 注意 n8n rtmp 直播 开始了 你 好'


def punctuation_reference(model, vocabulary, seed, realtime):
	generator = torch.Generator().manual_seed(seed)
	cases = []
	if not realtime:
		long_ids = torch.randint(3, len(vocabulary), (20,), generator=generator).tolist()
		short_ids = torch.randint(3, len(vocabulary), (13,), generator=generator).tolist()
		cases.append(punctuation_case(
			model, 'batch', 'two random id sequences, the second zero-padded from 13 to 20',
			[long_ids, short_ids + [0] * 7], [20, 13],
		))
		tokens = punctuation_tokens(OFFLINE_TEXT)
		ids = token_ids(tokens, vocabulary)
		cases.append(punctuation_case(model, 'text', 'tokenised text, one sequence', [ids], [len(ids)], text=OFFLINE_TEXT, tokens=tokens))
	else:
		tokens = punctuation_tokens(REALTIME_TEXT)
		ids = token_ids(tokens, vocabulary)
		ones = vad_mask(len(ids), 0)
		cases.append(punctuation_case(
			model, 'no_cache', 'no cache: vad mask of ones, passed as both masks like FunASR runtimes',
			[ids], [len(ids)], ones, ones, text=REALTIME_TEXT, tokens=tokens, cache_size=0,
		))
		cache_tokens = punctuation_tokens(REALTIME_CACHE)
		all_tokens = cache_tokens + tokens
		all_ids = token_ids(all_tokens, vocabulary)
		mask = vad_mask(len(all_ids), len(cache_tokens))
		cases.append(punctuation_case(
			model, 'with_cache', 'cached words before the new text; vad mask at the cache size, passed as both masks',
			[all_ids], [len(all_ids)], mask, mask,
			text=REALTIME_TEXT, cache=REALTIME_CACHE, tokens=all_tokens, cache_size=len(cache_tokens),
		))
		random_ids = torch.randint(3, len(vocabulary), (18,), generator=generator).tolist()
		cases.append(punctuation_case(
			model, 'distinct_masks', 'random ids; sub_masks lower-triangular, vad_masks at cache size 6: the graph must use each',
			[random_ids], [18], vad_mask(18, 6), torch.tril(torch.ones(18, 18)), cache_size=6,
		))
	return {
		'format': FORMAT_VERSION,
		'kind': 'punctuation-realtime' if realtime else 'punctuation',
		'labels': list(PUNCTUATION_LABELS),
		'tolerance': PUNCTUATION_TOLERANCE,
		'cases': cases,
	}


def label_counts(reference):
	counts = np.zeros(len(PUNCTUATION_LABELS), dtype=int)
	for case in reference['cases']:
		for row, length in zip(case['argmax'], case['text_lengths']):
			for label in row[:length]:
				counts[label] += 1
	return counts.tolist()
