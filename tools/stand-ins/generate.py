#!/usr/bin/python3
"""Random-weight stand-ins for FunASR's Paraformer, SenseVoiceSmall and CT-Transformer ONNX exports.

  /usr/bin/python3 tools/stand-ins/generate.py --tiny [--out DIR] # test/fixtures/models/tiny-*
  /usr/bin/python3 tools/stand-ins/generate.py --large [--out DIR] # Paraformer-large sizes, outside the repo

Same seeds, same weights, same reference outputs on every run.
"""
import argparse
import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from contextual import build_contextual_dir, build_large_contextual_dir  # noqa: E402
from ct_transformer import PunctuationSizes, build_punctuation_model  # noqa: E402
from export import export_paraformer, export_punctuation, export_timestamp_paraformer  # noqa: E402
from model_files import (  # noqa: E402
	REPO_ROOT,
	add_sherpa_metadata,
	paraformer_config,
	punctuation_vocabulary,
	read_paraformer_tokens,
	write_json,
	write_yaml,
	write_paraformer_files,
	write_punctuation_files,
	write_sherpa_tokens,
)
from paraformer import PARAFORMER_LARGE, TINY_PARAFORMER, build_paraformer, flops_per_audio_second, parameter_count  # noqa: E402
from quantize import quantize_model  # noqa: E402
from references import label_counts, paraformer_reference, punctuation_reference  # noqa: E402
from sensevoice import tiny_vocabulary  # noqa: E402
from sensevoice_dir import build_large_sensevoice_dir, build_sensevoice_dir, tiny_sizes  # noqa: E402
from staging import staged_directories  # noqa: E402
from timestamps import TINY_TIMESTAMP_PARAFORMER, UPSAMPLE_TIMES, build_timestamp_paraformer, timestamp_reference  # noqa: E402

FIXTURES_DIR = os.path.join(REPO_ROOT, 'test', 'fixtures', 'models')
NODE = os.path.join(REPO_ROOT, 'node_modules', '.bin', 'node')
VERIFY_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'verify.js')
VERIFY_CONTEXTUAL_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'verify-contextual.js')
CONTEXTUAL_DIR = 'tiny-contextual-paraformer'

TINY_PARAFORMER_SEED = 8404
TINY_PUNCTUATION_SEED = 272727
TINY_REALTIME_SEED = 272728
TINY_TIMESTAMP_SEED = 8405
# About 1.2 s and 2.2 s.
TINY_TIMESTAMP_LENGTHS = [20, 37]
TINY_CONTEXTUAL_SEED = 8405
TINY_SENSEVOICE_SEED = 25055
# About 1.4 s and 2.4 s.
TINY_SENSEVOICE_LENGTHS = [23, 40]
LARGE_SENSEVOICE_SEED = 222
LARGE_PARAFORMER_SEED = 220
LARGE_CONTEXTUAL_SEED = 221
# LFR frames (60 ms each): about 3.4 s and 6.2 s of speech.
TINY_LENGTHS = [57, 103]
# About 0.8 s and 1.4 s: the hotword stand-in stays a few hundred kB.
TINY_CONTEXTUAL_LENGTHS = [14, 23]
# About 7.2 s and 10 s.
LARGE_LENGTHS = [120, 167]


def default_large_dir(name='paraformer-large'):
	cache = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
	return os.path.join(cache, 'rtmp-asr', 'stand-ins', name)


def megabytes(path):
	return os.path.getsize(path) / 1e6


def build_paraformer_dir(directory, sizes, seed, lengths):
	started = time.monotonic()
	model = build_paraformer(sizes, seed)
	write_paraformer_files(directory, sizes)
	model_path = os.path.join(directory, 'model.onnx')
	export_paraformer(model, model_path)
	add_sherpa_metadata(model_path, sizes, os.path.join(directory, 'am.mvn'))
	exported = time.monotonic()
	quantized = quantize_model(model_path, os.path.join(directory, 'model_quant.onnx'))
	reference = paraformer_reference(model, directory, read_paraformer_tokens(), seed, lengths)
	write_json(os.path.join(directory, 'reference.json'), reference)
	batch = reference['runs'][0]
	print(f'  parameters {parameter_count(model):,}; {flops_per_audio_second(sizes) / 1e9:.2f} GFLOPs per second of audio (10 s utterances)')
	print(f'  model.onnx {megabytes(model_path):.1f} MB, model_quant.onnx {megabytes(os.path.join(directory, "model_quant.onnx")):.1f} MB ({quantized} MatMuls int8)')
	print(f'  reference: token_num {batch["token_num"]} for lengths {lengths}; min top-2 margin {reference["min_top2_margin"]:.3f}')
	print(f'  built and exported in {exported - started:.1f} s, quantised and referenced in {time.monotonic() - exported:.1f} s')


def build_timestamp_dir(directory):
	"""FunASR's timestamp export (BiCif Paraformer, four outputs) in miniature, with the toy vocabulary to stay small."""
	sizes = TINY_TIMESTAMP_PARAFORMER
	vocabulary = punctuation_vocabulary()
	if len(vocabulary) != sizes.vocab_size:
		raise ValueError(f'the timestamp stand-in expects {sizes.vocab_size} tokens, the vocabulary has {len(vocabulary)}')
	model = build_timestamp_paraformer(sizes, TINY_TIMESTAMP_SEED)
	write_paraformer_files(directory, sizes)
	config = paraformer_config(sizes)
	config['model'] = 'bicif_paraformer'
	config['predictor'] = 'cif_predictor_v3'
	config['predictor_conf']['upsample_times'] = UPSAMPLE_TIMES
	write_yaml(os.path.join(directory, 'config.yaml'), config)
	write_json(os.path.join(directory, 'tokens.json'), vocabulary)
	model_path = os.path.join(directory, 'model.onnx')
	export_timestamp_paraformer(model, model_path)
	reference = timestamp_reference(model, directory, vocabulary, TINY_TIMESTAMP_SEED, TINY_TIMESTAMP_LENGTHS)
	write_json(os.path.join(directory, 'reference.json'), reference)
	for run in reference['runs']:
		print(f'  {run["name"]}: token_num {run["token_num"]}; ' + '; '.join(f'{t["peaks_fired"]} peaks for {t["token_count"]} tokens' + (' (rebuilt)' if t['rebuilt'] else '') for t in run['timestamps']))
	print(f'  parameters {parameter_count(model):,}; model.onnx {megabytes(model_path) * 1000:.0f} KB')


def build_punctuation_dir(directory, seed, realtime):
	vocabulary = punctuation_vocabulary()
	sizes = PunctuationSizes(vocab_size=len(vocabulary), shift=5 if realtime else 0)
	model = build_punctuation_model(sizes, seed, realtime)
	write_punctuation_files(directory, sizes, vocabulary, realtime)
	model_path = os.path.join(directory, 'model.onnx')
	export_punctuation(model, model_path, realtime)
	quantize_model(model_path, os.path.join(directory, 'model_quant.onnx'))
	reference = punctuation_reference(model, vocabulary, seed, realtime)
	write_json(os.path.join(directory, 'reference.json'), reference)
	print(f'  vocabulary {len(vocabulary)}, model.onnx {megabytes(model_path):.2f} MB, label counts {label_counts(reference)}')


def build_large_dir(directory):
	build_paraformer_dir(directory, PARAFORMER_LARGE, LARGE_PARAFORMER_SEED, LARGE_LENGTHS)
	write_sherpa_tokens(directory)


def verify(directories):
	"""Runs every directory's reference through onnxruntime-node: the runtime the project ships."""
	contextual = [directory for directory in directories if os.path.basename(directory).startswith(CONTEXTUAL_DIR)]
	others = [directory for directory in directories if directory not in contextual]
	if others:
		subprocess.run([NODE, VERIFY_SCRIPT, *others], check=True)
	if contextual:
		subprocess.run([NODE, VERIFY_CONTEXTUAL_SCRIPT, *contextual], check=True)


def main():
	parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
	what = parser.add_mutually_exclusive_group(required=True)
	what.add_argument('--tiny', action='store_true', help=f'write the committed fixtures tiny-* under {FIXTURES_DIR}')
	what.add_argument('--large', action='store_true', help='write a Paraformer-large-sized stand-in (about 880 MB + 230 MB int8)')
	what.add_argument('--large-contextual', action='store_true', help='write a Paraformer-large-sized contextual (hotword) stand-in, fp32, without reference (for the benchmark)')
	what.add_argument('--large-sensevoice', action='store_true', help='write a SenseVoiceSmall-sized stand-in (about 234 M parameters; FunASR export fp32 + int8, and sherpa-onnx\'s re-export in sherpa-onnx/), without reference (for the benchmark)')
	parser.add_argument('--out', help=f'directory for --large (default {default_large_dir()}), or the folder of the tiny-* directories for --tiny')
	parser.add_argument('--no-verify', action='store_true', help='skip the onnxruntime-node check')
	args = parser.parse_args()
	# Progress of a minutes-long --large run should show up as it happens, also when redirected.
	sys.stdout.reconfigure(line_buffering=True)
	# A terminated run unwinds like an interrupted one, so that it removes what it staged.
	signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
	started = time.monotonic()
	if args.tiny:
		folder = os.path.abspath(args.out or FIXTURES_DIR)
		builds = {
			os.path.join(folder, 'tiny-paraformer'): lambda directory: build_paraformer_dir(directory, TINY_PARAFORMER, TINY_PARAFORMER_SEED, TINY_LENGTHS),
			os.path.join(folder, 'tiny-punc'): lambda directory: build_punctuation_dir(directory, TINY_PUNCTUATION_SEED, realtime=False),
			os.path.join(folder, 'tiny-punc-realtime'): lambda directory: build_punctuation_dir(directory, TINY_REALTIME_SEED, realtime=True),
			os.path.join(folder, 'tiny-paraformer-timestamps'): build_timestamp_dir,
			os.path.join(folder, CONTEXTUAL_DIR): lambda directory: build_contextual_dir(directory, TINY_CONTEXTUAL_SEED, TINY_CONTEXTUAL_LENGTHS),
			os.path.join(folder, 'tiny-sensevoice'): lambda directory: build_sensevoice_dir(directory, tiny_sizes(), tiny_vocabulary(), TINY_SENSEVOICE_SEED, TINY_SENSEVOICE_LENGTHS),
		}
	elif args.large_sensevoice:
		builds = {os.path.abspath(args.out or default_large_dir('sensevoice-small')): lambda directory: build_large_sensevoice_dir(directory, LARGE_SENSEVOICE_SEED)}
		# No reference.json: torch at this size would take minutes more.
		args.no_verify = True
	elif args.large_contextual:
		builds = {os.path.abspath(args.out or default_large_dir('paraformer-large-contextual')): lambda directory: build_large_contextual_dir(directory, LARGE_CONTEXTUAL_SEED)}
		# No reference.json to check it against: torch at this size would take minutes more.
		args.no_verify = True
	else:
		builds = {os.path.abspath(args.out or default_large_dir()): build_large_dir}
	# Every model is written and checked beside its target and only then renamed into place.
	with staged_directories(builds) as staged:
		for target, directory in staged.items():
			print(f'{target}:')
			builds[target](directory)
		if not args.no_verify:
			verify(list(staged.values()))
	print(f'done in {time.monotonic() - started:.1f} s')


if __name__ == '__main__':
	main()
