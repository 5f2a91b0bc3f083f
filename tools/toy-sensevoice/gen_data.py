#!/usr/bin/python3
"""Synthesise English and Mandarin utterances with espeak-ng (some over synthetic background music) and cache
their LFR features. Usage: gen_data.py SPLIT N_EN N_ZH SEED [--wav] [--phrases [--the-share P]]  -> /tmp/toysv/SPLIT.{json,_feats.npy,_lens.npy}"""
import json, os, sys, subprocess, random
import numpy as np
from multiprocessing import Pool
import torch
from frontend import fbank, lfr, write_wav
from lexicon import english, mandarin

OUT = os.environ.get('TOYSV_DIR', '/tmp/toysv')
VARIANTS = [''] + ['+f%d' % i for i in range(1, 6)] + ['+m%d' % i for i in range(1, 8)] + \
           ['+klatt', '+klatt2', '+klatt3', '+croak', '+steph', '+max', '+linda']
EN_VOICES = ['en-us', 'en-gb', 'en-gb-x-rp', 'en-029', 'en-gb-scotland', 'en-us-nyc', 'en-gb-x-gbclan', 'en-gb-x-gbcwmd']
BGM_SHARE = 0.12

def espeak(text, voice, speed, pitch, amp):
    wav = subprocess.run(['espeak-ng', '-v', voice, '-s', str(speed), '-p', str(pitch), '-a', str(amp), '--stdout', text],
                         capture_output=True, check=True).stdout
    raw = subprocess.run(['sox', '-t', 'wav', '-', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed', '-t', 'raw', '-'],
                         input=wav, capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype='<i2').astype(np.float32)

def music(n, rs):
    """Background music stand-in: a sequence of notes, each a chord of harmonic tones with a soft envelope."""
    out = np.zeros(n, np.float32); t = 0
    while t < n:
        d = int(rs.uniform(0.2, 0.6) * 16000); seg = np.arange(min(d, n - t)) / 16000.0
        env = np.minimum(1, seg / 0.02) * np.exp(-seg * rs.uniform(1, 5))
        for _ in range(rs.randint(1, 4)):
            f = 110 * 2 ** (rs.randint(0, 36) / 12)
            out[t:t + len(seg)] += env * (np.sin(2 * np.pi * f * seg) + 0.4 * np.sin(4 * np.pi * f * seg))
        t += d
    return out

def speech_power(x):
    loud = np.abs(x) > 100
    return float(np.mean(x[loud] ** 2)) if np.any(loud) else 1.0

def render(x, r, rs, bgm):
    """Pad with 0-0.3 s before and 0.1-0.4 s after, add music (event BGM) and/or white noise."""
    x = np.concatenate([np.zeros(r.randint(0, 4800), np.float32), x, np.zeros(r.randint(1600, 6400), np.float32)])
    p = speech_power(x)
    if bgm:
        m = music(len(x), rs); snr = r.uniform(6, 15)
        x = x + m * np.sqrt(p / 10 ** (snr / 10) / (np.mean(m ** 2) + 1e-9))
    if r.random() < 0.6:
        snr = r.uniform(20, 40)
        x = x + rs.randn(len(x)).astype(np.float32) * np.sqrt(p / 10 ** (snr / 10))
    return np.clip(np.round(x), -32768, 32767)

def synth(args):
    split, seed, i, lang, keep_wav, phrases, the_share = args
    r = random.Random(seed * 1000003 + i); rs = np.random.RandomState((seed * 7919 + i) % 2 ** 31)
    if lang == 'en':
        spoken, woitn, withitn = english(r, phrases, the_share)
        voice = r.choice(EN_VOICES) + r.choice(VARIANTS); speed = r.randint(130, 190)
    else:
        spoken, woitn, withitn = mandarin(r)
        voice = 'cmn-latn-pinyin' + r.choice(VARIANTS); speed = r.randint(120, 200)
    bgm = r.random() < BGM_SHARE
    x = render(espeak(spoken, voice, speed, r.randint(20, 80), r.randint(60, 150)), r, rs, bgm)
    name = '%s_%05d' % (split, i)
    if keep_wav: write_wav(os.path.join(OUT, split + '_wav', name + '.wav'), x)
    meta = {'name': name, 'lang': lang, 'event': 'BGM' if bgm else 'Speech', 'spoken': spoken, 'woitn': woitn,
            'withitn': withitn, 'voice': voice, 'speed': speed}
    return meta, lfr(fbank(x))

if __name__ == '__main__':
    split, n_en, n_zh, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    keep = '--wav' in sys.argv
    phrases = '--phrases' in sys.argv   # English as phrase-like word sequences (lexicon.phrase_words)
    the_share = float(sys.argv[sys.argv.index('--the-share') + 1]) if '--the-share' in sys.argv else 0.0
    torch.set_num_threads(1)
    os.makedirs(os.path.join(OUT, split + '_wav'), exist_ok=True)
    langs = ['en'] * n_en + ['zh'] * n_zh
    random.Random(seed).shuffle(langs)
    metas, feats = [], []
    with Pool(2) as pool:
        for k, (m, f) in enumerate(pool.imap(synth, [(split, seed, i, l, keep, phrases, the_share) for i, l in enumerate(langs)], chunksize=16)):
            metas.append(m); feats.append(f)
            if k % 1000 == 0: print(k, m['lang'], m['spoken'], f.shape, flush=True)
    lens = np.array([f.shape[0] for f in feats])
    np.save(os.path.join(OUT, split + '_feats.npy'), np.concatenate(feats).astype(np.float32))
    np.save(os.path.join(OUT, split + '_lens.npy'), lens)
    json.dump(metas, open(os.path.join(OUT, split + '.json'), 'w'), ensure_ascii=False)
    print('done', len(langs), 'frames', int(lens.sum()), 'mean', float(lens.mean()))
