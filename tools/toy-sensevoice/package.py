#!/usr/bin/python3
"""Write the model directory FunASR's runtimes read: model.onnx (export.py), am.mvn (from training),
tokens.json (lexicon.TOKENS) and config.yaml (SenseVoiceSmall's shape with the toy's sizes).
Usage: package.py OUT_DIR"""
import json, os, shutil, subprocess, sys
from export import D, load_model
from lexicon import TOKENS

CONFIG = '''encoder: ToySenseVoiceConvEncoder
encoder_conf:
    output_size: {dim}
    num_blocks: {blocks}
    kernel_size: 5
    input_layer: conv1d_stride{stride}
model: SenseVoiceSmall
model_conf:
    length_normalized_loss: true
    sos: 1
    eos: 2
    ignore_id: -1
tokenizer: SentencepiecesTokenizer
tokenizer_conf:
  bpemodel: null
  unk_symbol: <unk>
  split_with_space: true
frontend: WavFrontend
frontend_conf:
    fs: 16000
    window: hamming
    n_mels: 80
    frame_length: 25
    frame_shift: 10
    lfr_m: 7
    lfr_n: 6
    cmvn_file: null
vocab_size: {vocab}
token_list: tokens.json
version: toy-sensevoice-1
'''

if __name__ == '__main__':
    out = sys.argv[1]; os.makedirs(out, exist_ok=True)
    _, ck = load_model()
    subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'export.py'),
                    os.path.join(out, 'model.onnx')], check=True)
    shutil.copy(f'{D}/am.mvn', os.path.join(out, 'am.mvn'))
    json.dump(TOKENS, open(os.path.join(out, 'tokens.json'), 'w'), ensure_ascii=False, indent=0)
    open(os.path.join(out, 'config.yaml'), 'w').write(CONFIG.format(dim=ck['dim'], blocks=ck['blocks'], stride=ck.get('stride', 2), vocab=len(TOKENS)))
    for f in sorted(os.listdir(out)): print(f, os.path.getsize(os.path.join(out, f)))
