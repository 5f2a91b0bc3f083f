#!/usr/bin/python3
"""Held-out test audio for the TypeScript pipeline: short English WAVs (one over background music), one Mandarin
WAV and a ~35 s stream (English sentences and one Mandarin sentence, ~1 s of silence between), with
transcripts.json. Sentences are checked against the training texts. Usage: make_audio.py OUT_DIR"""
import json, os, sys, random
import numpy as np
from frontend import write_wav
from gen_data import espeak, music, speech_power, OUT as DATA
from lexicon import WORDS, ZH_CHARS, number_words, pieces_to_text

def en(text):
    """Spoken words -> (text, text with ITN): number words become digits, a full stop ends the sentence."""
    words, out, i = text.split(), [], 0
    while i < len(words):
        for length in (4, 3, 2, 1):
            chunk = words[i:i + length]
            n = next((n for n in range(1000) if number_words(n) == chunk), None)
            if n is not None:
                out.append(str(n)); i += length; break
        else:
            out.append(words[i]); i += 1
    return text, ' '.join(out) + '.'

SHORT = [('en_01_meeting', 'en', 'the meeting starts at ten in the morning', 'en-us', 150, 50, False),
         ('en_02_door', 'en', 'please open the door and close the window', 'en-gb+f3', 140, 60, False),
         ('en_03_people', 'en', 'we have twenty five people in the room', 'en-us+m3', 160, 40, False),
         ('en_04_friend', 'en', 'my friend will call you tomorrow evening', 'en-gb-x-rp+f2', 150, 55, False),
         ('en_05_alarm_bgm', 'en', 'the fire alarm is ringing in the building', 'en-us+m1', 150, 45, True),
         ('zh_01_wang', 'zh', '老王今天去海口', 'cmn-latn-pinyin+f1', 140, 70, False)]
STREAM = [('en', 'hello this is the evening news', 'en-us'), ('en', 'the weather today is warm and clear', 'en-gb+f2'),
          ('en', 'the police check every car on the bridge', 'en-us+m3'), ('zh', '明天会议开始请注意', 'cmn-latn-pinyin+f4'),
          ('en', 'the train from the airport is late', 'en-gb-x-rp'), ('en', 'we need more water and food', 'en-us+f3'),
          ('en', 'the game starts at eight tonight', 'en-gb+m1'), ('en', 'please keep the kitchen clean', 'en-us+f1'),
          ('en', 'my family will visit the island next year', 'en-029'), ('en', 'the doctor is busy this morning', 'en-gb-scotland+m2')]

if __name__ == '__main__':
    out = sys.argv[1]; os.makedirs(out, exist_ok=True)
    trained = {m['spoken'] for m in json.load(open(os.path.join(DATA, 'train.json')))}
    for lang, text in [(s[1], s[2]) for s in SHORT] + [(s[0], s[1]) for s in STREAM]:
        assert text not in trained, text
        assert all(w in WORDS for w in text.split()) if lang == 'en' else all(c in ZH_CHARS for c in text), text
    r = random.Random(4242); rs = np.random.RandomState(4242)
    sil = lambda s: np.zeros(int(s * 16000), np.float32)
    entry = lambda lang, text: {'language': lang, 'text': text,
                                'textWithItn': en(text)[1] if lang == 'en' else text + '。'}
    trans = {}
    for name, lang, text, voice, speed, pitch, bgm in SHORT:
        x = np.concatenate([sil(0.3), espeak(text, voice, speed, pitch, 100), sil(0.4)])
        if bgm:
            m = music(len(x), rs); x = x + m * np.sqrt(speech_power(x) / 10 ** (10 / 10) / np.mean(m ** 2))
        x = x + rs.randn(len(x)).astype(np.float32) * 20
        write_wav(os.path.join(out, name + '.wav'), x)
        trans[name + '.wav'] = {**entry(lang, text), 'event': 'BGM' if bgm else 'Speech'}
    parts, sentences, t = [sil(0.8)], [], 0.8
    for lang, text, voice in STREAM:
        x = espeak(text, voice, r.randint(140, 170), r.randint(35, 65), 100)
        sentences.append({**entry(lang, text), 'startS': round(t, 3), 'endS': round(t + len(x) / 16000, 3)})
        gap = r.uniform(1.0, 1.4); parts += [x, sil(gap)]; t += len(x) / 16000 + gap
    x = np.concatenate(parts); x = x + rs.randn(len(x)).astype(np.float32) * 20
    write_wav(os.path.join(out, 'stream.wav'), x)
    trans['stream.wav'] = {'durationS': round(len(x) / 16000, 3), 'sentences': sentences}
    json.dump(trans, open(os.path.join(out, 'transcripts.json'), 'w'), ensure_ascii=False, indent=1)
    print('stream', round(len(x) / 16000, 1), 's;', sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out)), 'bytes')
