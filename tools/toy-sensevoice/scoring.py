"""Greedy CTC decoding as FunASR's runtimes and the held-out scores (English WER, Mandarin CER, tag accuracy)."""
from lexicon import TOKENS, pieces_to_text

def greedy_tokens(logits, n):
    """argmax over the first n frames, collapse repeats, drop blank 0 -> token ids."""
    out, prev = [], -1
    for t in logits[:n].argmax(-1).tolist():
        if t != prev and t != 0: out.append(t)
        prev = t
    return out

def split_prefix(ids):
    """-> (language, emotion, event, itn tag names, text) as the FunASR C++ runtime reads tokens[0..3] and the rest."""
    names = [TOKENS[i] for i in ids]
    return names[:4], pieces_to_text(names[4:])

def edit(a, b):
    d = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        p, d[0] = d[0], i
        for j in range(1, len(b) + 1):
            p, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, p + (a[i - 1] != b[j - 1]))
    return d[len(b)]

def score_hyp(hyps, meta, itn):
    we = wn = ce = cn = lang_ok = tags_ok = 0
    for ids, m in zip(hyps, meta):
        tags, text = split_prefix(ids)
        ref = pieces_to_text(m[itn])
        lang_ok += tags[:1] == ['<|%s|>' % m['lang']]
        tags_ok += tags == ['<|%s|>' % m['lang'], '<|NEUTRAL|>', '<|%s|>' % m['event'], '<|%s|>' % itn]
        if m['lang'] == 'en':
            we += edit(ref.split(), text.split()); wn += len(ref.split())
        else:
            ce += edit(ref, text); cn += len(ref)
    return {'en_WER%': round(100 * we / max(wn, 1), 2), 'zh_CER%': round(100 * ce / max(cn, 1), 2),
            'lang_acc%': round(100 * lang_ok / len(meta), 2), 'all4tags_acc%': round(100 * tags_ok / len(meta), 2),
            'en_words': wn, 'zh_chars': cn}
