#!/usr/bin/python3
"""Held-out scores in torch from the WAVs (wav -> front end -> MODEL_DIR/am.mvn -> model, zero-padded batches of 8)
for language auto/own x textnorm woitn/withitn; checks batched == single runs; writes the held-out set's
transcripts.json (for ort-check.mjs) next to its WAVs. Usage: evaluate.py MODEL_DIR"""
import json, os, sys
import numpy as np, torch
from frontend import read_wav, features, load_cmvn
from export import load_model, D
from lexicon import LID, TEXTNORM, pieces_to_text
from scoring import greedy_tokens, score_hyp
torch.set_num_threads(1)
mdir = sys.argv[1] if len(sys.argv) > 1 else D
shift, scale = load_cmvn(os.path.join(mdir, 'am.mvn'))
net, ck = load_model()
meta = json.load(open(f'{D}/test.json'))
feats = [features(read_wav(f'{D}/test_wav/{m["name"]}.wav')[0], shift, scale) for m in meta]

def run(fs, language, itn):
    L = torch.tensor([f.shape[0] for f in fs], dtype=torch.int32)
    x = torch.zeros(len(fs), int(L.max()), 560)
    for k, f in enumerate(fs): x[k, :f.shape[0]] = torch.from_numpy(f)
    lang = torch.tensor([LID[l] for l in language], dtype=torch.int32)
    with torch.no_grad(): lg, ol = net(x, L, lang, torch.full((len(fs),), TEXTNORM[itn], dtype=torch.int32))
    return [greedy_tokens(lg[k], int(ol[k])) for k in range(len(fs))]

print('model epochs', ck['epoch'] + 1, 'training time', round(ck['train_s']), 's; held-out', len(meta), 'utterances:',
      sum(m['lang'] == 'en' for m in meta), 'en,', sum(m['lang'] == 'zh' for m in meta), 'zh,',
      sum(m['event'] == 'BGM' for m in meta), 'with background music')
for itn in ('woitn', 'withitn'):
    for language in ('auto', 'own'):
        hyps = []
        for i in range(0, len(feats), 8):
            hyps += run(feats[i:i + 8], [language if language != 'own' else m['lang'] for m in meta[i:i + 8]], itn)
        print(f'language={language} textnorm={itn}: {score_hyp(hyps, meta, itn)}', flush=True)
        if language == 'auto' and itn == 'woitn':
            single = [run([f], ['auto'], itn)[0] for f in feats[:40]]
            print('batched == single runs (first 40):', single == hyps[:40])
json.dump({m['name'] + '.wav': {'language': m['lang'], 'text': pieces_to_text(m['woitn']),
                                'textWithItn': pieces_to_text(m['withitn']), 'event': m['event']} for m in meta},
          open(f'{D}/test_wav/transcripts.json', 'w'), ensure_ascii=False, indent=0)
