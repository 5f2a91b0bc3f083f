#!/usr/bin/python3
"""Train the toy SenseVoice on cached features. Writes $TOYSV_DIR/{model.pt,am.mvn} and logs held-out scores.
Each utterance is seen with a random language input (auto or its own) and a random textnorm (woitn/withitn)."""
import json, os, time, math, random
import numpy as np, torch, torch.nn as nn
from model import ToySenseVoice
from frontend import write_cmvn
from lexicon import TOKENS, TID, LID, TEXTNORM, target
from scoring import greedy_tokens, split_prefix, edit, score_hyp
torch.set_num_threads(2); torch.manual_seed(0); random.seed(0)
D = os.environ.get('TOYSV_DIR', '/tmp/toysv')
EPOCHS = int(os.environ.get('EPOCHS', 5)); BATCH_FRAMES = 3000
BUDGET_S = float(os.environ.get('BUDGET_S', 1e9))   # wall-time budget: the LR schedule anneals to 0 by then
DIM = int(os.environ.get('DIM', 192)); BLOCKS = int(os.environ.get('BLOCKS', 8)); STRIDE = int(os.environ.get('STRIDE', 1))

def load(split):
    f, l, meta = np.load(f'{D}/{split}_feats.npy'), np.load(f'{D}/{split}_lens.npy'), json.load(open(f'{D}/{split}.json'))
    off = np.concatenate([[0], np.cumsum(l)])
    return [f[off[i]:off[i + 1]] for i in range(len(l))], meta

def batches(feats, shuffle):
    idx = sorted(range(len(feats)), key=lambda i: feats[i].shape[0])
    out, cur = [], []
    for i in idx:
        if cur and (len(cur) + 1) * (feats[i].shape[0] + 4) > BATCH_FRAMES:
            out.append(cur); cur = []
        cur.append(i)
    out.append(cur)
    if shuffle: random.shuffle(out)
    return out

def collate(feats, ids):
    L = torch.tensor([feats[i].shape[0] for i in ids], dtype=torch.int32)
    x = torch.zeros(len(ids), int(L.max()), 560)
    for k, i in enumerate(ids): x[k, :L[k]] = torch.from_numpy(feats[i])
    return x, L

def evaluate(model, feats, meta, itn='woitn', language='auto'):
    """-> dict of en WER, zh CER, language/event/itn tag accuracy; hyps."""
    model.eval(); hyps = [None] * len(feats)
    with torch.no_grad():
        for ids in batches(feats, False):
            x, L = collate(feats, ids)
            lang = torch.tensor([LID[language if language != 'own' else meta[i]['lang']] for i in ids], dtype=torch.int32)
            logits, olens = model(x, L, lang, torch.full((len(ids),), TEXTNORM[itn], dtype=torch.int32))
            for k, i in enumerate(ids): hyps[i] = greedy_tokens(logits[k], int(olens[k]))
    model.train()
    return score_hyp(hyps, meta, itn), hyps

if __name__ == '__main__':
    trf, trm = [], []
    for split in os.environ.get('SPLITS', 'train').split(','):   # e.g. SPLITS=train,train2 (gen_data.py --phrases)
        f, m = load(split); trf += f; trm += m
    tef, tem = load('test')
    allf = np.concatenate(trf)
    mean, std = allf.mean(0), allf.std(0) + 1e-5
    write_cmvn(f'{D}/am.mvn', -mean, 1.0 / std)
    norm = lambda f: ((f - mean) / std).astype(np.float32)
    trf = [norm(f) for f in trf]; tef = [norm(f) for f in tef]; del allf
    model = ToySenseVoice(len(TOKENS), d=DIM, n_blocks=BLOCKS, stride=STRIDE)
    if os.environ.get('INIT'):       # continue from a checkpoint (same data, so the same am.mvn)
        print('init from', os.environ['INIT'], model.load_state_dict(torch.load(os.environ['INIT'])['state'], strict=False))
    print('params', sum(p.numel() for p in model.parameters()), 'train utts', len(trf), 'frames', sum(len(f) for f in trf), flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=float(os.environ.get('LR', 2e-3)), weight_decay=1e-2)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    nb = len(batches(trf, False)); total = EPOCHS * nb; step = 0; t0 = time.time()
    progress = lambda: min(1.0, max(step / total, (time.time() - t0) / BUDGET_S))   # steps or wall time, whichever ends first
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1, (s + 1) / 150) * 0.5 * (1 + math.cos(math.pi * progress())))
    for ep in range(EPOCHS):
        tl = 0; done = 0
        for ids in batches(trf, True):
            if progress() >= 1: break
            x, L = collate(trf, ids)
            if random.random() < 0.5:   # light SpecAugment: mask a band of each LFR sub-frame's mel bins
                f0 = random.randint(0, 70); x.view(x.shape[0], x.shape[1], 7, 80)[..., f0:f0 + random.randint(1, 10)] = 0
            lang = [random.choice(['auto', trm[i]['lang']]) for i in ids]
            itn = [random.choice(['woitn', 'withitn']) for _ in ids]
            ys = [torch.tensor(target(trm[i]['lang'], trm[i]['event'], n, trm[i][n])) for i, n in zip(ids, itn)]
            logits, olens = model(x, L, torch.tensor([LID[l] for l in lang], dtype=torch.int32),
                                  torch.tensor([TEXTNORM[n] for n in itn], dtype=torch.int32))
            lp = torch.log_softmax(logits, -1)
            loss = ctc(lp.transpose(0, 1), torch.cat(ys), olens.long(), torch.tensor([len(y) for y in ys]))
            opt.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(model.parameters(), 5.0); opt.step(); sched.step()
            tl += loss.item(); step += 1; done += 1
            if step % 100 == 0: print(f'step {step}/{total} loss {loss.item():.3f} {time.time() - t0:.0f}s', flush=True)
        s, hyps = evaluate(model, tef, tem)
        print(f'epoch {ep} ({done}/{nb} batches) loss {tl / max(done, 1):.3f} held-out(auto,woitn) {s} time {time.time() - t0:.0f}s', flush=True)
        torch.save({'state': model.state_dict(), 'dim': DIM, 'blocks': BLOCKS, 'stride': STRIDE, 'n_out': len(TOKENS), 'score': s,
                    'epoch': ep, 'train_s': time.time() - t0}, f'{D}/model.pt')
        if progress() >= 1: break
    for itn in ('woitn', 'withitn'):
        for language in ('auto', 'own'):
            s, _ = evaluate(model, tef, tem, itn, language)
            print(f'final held-out language={language} textnorm={itn}: {s}', flush=True)
