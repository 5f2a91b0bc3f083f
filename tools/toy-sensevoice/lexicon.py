"""Vocabulary (tokens.json layout) and the synthetic sentences of the toy SenseVoice recognizer.

tokens.json: 0 <unk> (the CTC blank, as in SenseVoiceSmall), 1 <s>, 2 </s>, then the tag tokens by their
SenseVoice names, then English word pieces (word-initial, so each starts with U+2581), digit pieces
(word-initial and continuation), the punctuation written with ITN, and the Mandarin characters."""
import json, os, random

HERE = os.path.dirname(os.path.abspath(__file__))
WB = '\u2581'
LANGS = ['<|zh|>', '<|en|>', '<|yue|>', '<|ja|>', '<|ko|>', '<|nospeech|>']
EMOTIONS = ['<|HAPPY|>', '<|SAD|>', '<|ANGRY|>', '<|NEUTRAL|>', '<|FEARFUL|>', '<|DISGUSTED|>', '<|SURPRISED|>',
            '<|EMO_UNKNOWN|>']
EVENTS = ['<|Speech|>', '<|BGM|>', '<|Applause|>', '<|Laughter|>', '<|Cry|>', '<|Sneeze|>', '<|Breath|>', '<|Cough|>',
          '<|Event_UNK|>']
ITN = ['<|withitn|>', '<|woitn|>']
# query-embedding rows (FunASR model.py lid_dict / textnorm_dict)
LID = {'auto': 0, 'zh': 3, 'en': 4, 'yue': 7, 'ja': 11, 'ko': 12, 'nospeech': 13}
TEXTNORM = {'withitn': 14, 'woitn': 15}

W = json.load(open(os.path.join(HERE, 'words.json')))
NUMBERS, WORDS = W['numbers'], W['words']
PLAIN_WORDS = [w for w in WORDS if w not in NUMBERS]
CH = json.load(open(os.path.join(HERE, 'chars.json')))
ZH_CHARS = list(CH['chars'])
ZH_FREE = [c for c in ZH_CHARS if c not in CH['phrase_only']]
ZH_DIGITS = '一二三四五六七八九十'

TOKENS = (['<unk>', '<s>', '</s>'] + LANGS + EMOTIONS + EVENTS + ITN + [WB + w for w in WORDS]
          + [WB + str(d) for d in range(10)] + [str(d) for d in range(10)] + ['.', '。'] + ZH_CHARS)
TID = {t: i for i, t in enumerate(TOKENS)}
assert len(TID) == len(TOKENS)

def number_words(n):
    if n < 20: return [NUMBERS[n]]
    if n < 100: return [NUMBERS[18 + n // 10]] + ([NUMBERS[n % 10]] if n % 10 else [])
    return [NUMBERS[n // 100], 'hundred'] + (number_words(n % 100) if n % 100 else [])

def number_pieces(n):
    s = str(n)
    return [WB + s[0]] + list(s[1:])

# Short words that natural sentences are full of and random word lists rarely put side by side
# ("on the", "at the"): phrase-like utterances put them around the other words.
FUNCTION_WORDS = [w for w in ('the a an is are was were at in on and of my we will this that from his her it be you '
                              'your our they he she me us i can has have had not do does did with by or but all more '
                              'some what where when who how please').split() if w in PLAIN_WORDS]

def phrase_words(r, the_share=0.0):
    """2-6 words, each after 0-2 function words ("the game starts at the door"), 3-14 words in all;
    `the_share` of the function words are "the" (English's most frequent word, and its shortest in espeak)."""
    function_word = lambda: 'the' if r.random() < the_share else r.choice(FUNCTION_WORDS)
    words = []
    for _ in range(r.randint(2, 6)):
        words += [function_word() for _ in range(r.choice([0, 1, 1, 2]))] + [r.choice(PLAIN_WORDS)]
    return words[:14]

def english(r, phrases=False, the_share=0.0):
    """-> spoken text, pieces without ITN, pieces with ITN (digits for numbers, final full stop)."""
    words = phrase_words(r, the_share) if phrases else [r.choice(PLAIN_WORDS) for _ in range(r.randint(2, 10))]
    spoken = [[w] for w in words]; woitn = [[WB + w] for w in words]; withitn = [[WB + w] for w in words]
    if r.random() < 0.35:
        n = r.choice([r.randint(0, 20), r.randint(0, 99), r.randint(0, 999)])
        k = r.randint(0, len(words))
        spoken.insert(k, number_words(n)); woitn.insert(k, [WB + w for w in number_words(n)])
        withitn.insert(k, number_pieces(n))
    flat = lambda xs: [p for x in xs for p in x]
    return ' '.join(flat(spoken)), flat(woitn), flat(withitn) + ['.']

def mandarin(r):
    """As the toy Paraformer's generator: digit strings, test phrases in random characters, random characters."""
    u = r.random()
    if u < 0.12:
        text = ''.join(r.choice(ZH_DIGITS) for _ in range(r.randint(2, 12)))
    elif u < 0.45:
        p = r.choice(CH['phrases'])
        if r.random() < 0.3 and len(p) <= 4:
            q = r.choice(CH['phrases'])
            p = p + q if len(p + q) <= 12 else p
        extra = r.randint(0, 12 - len(p)); a = r.randint(0, extra)
        text = ''.join(r.choice(ZH_FREE) for _ in range(a)) + p + ''.join(r.choice(ZH_FREE) for _ in range(extra - a))
    else:
        text = ''.join(r.choice(ZH_FREE) for _ in range(r.randint(2, 12)))
    return text, list(text), list(text) + ['。']

def target(lang, event, itn, pieces):
    """CTC target ids: <|lang|><|NEUTRAL|><|event|><|itn|> then the text pieces (FunASR's order)."""
    return [TID['<|%s|>' % lang], TID['<|NEUTRAL|>'], TID['<|%s|>' % event], TID['<|%s|>' % itn]] + [TID[p] for p in pieces]

def pieces_to_text(pieces):
    """FunASR C++ rule: a piece containing U+2581 becomes ' ' + the rest; others are appended as they are."""
    return ''.join(' ' + p[1:] if p.startswith(WB) else p for p in pieces).strip()
