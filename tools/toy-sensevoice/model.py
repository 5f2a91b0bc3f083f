"""Toy SenseVoice: SenseVoiceSmall's ONNX interface, query prefix and CTC head around a small conv encoder.

forward(speech [B,T,560] f32, speech_lengths [B] i32, language [B] i32, textnorm [B] i32)
  -> ctc_logits [B,T+4,V] f32 (raw, not softmaxed), encoder_out_lens [B] i32 (= speech_lengths + 4).

As in FunASR's SenseVoiceSmall, a 16-row embedding (7 + 7 + 2) gives four query frames
[embed(language), embed(1) (event query), embed(2) (emotion query), embed(textnorm)] that are prepended to the
projected speech before the CTC head. Differences, to train in minutes on a shared CPU:
- the speech encoder is a depthwise-separable conv stack; `stride=2` runs it at half the LFR rate (its frames
  repeated back to the LFR rate, which CTC's collapse of repeats undoes), `stride=1` at the LFR rate, which
  short English words need (at 120 ms per output frame CTC merges or drops them);
- the query frames do not run through the conv stack (a conv only sees ~4 s around a frame, but the language
  tag must depend on the whole utterance): each is its projected embedding plus the masked mean of the encoder
  output over the utterance, through a small MLP. The encoder also adds its own running global mean after
  some blocks, so the text frames know the language too, and (as SenseVoice's self-attention lets them)
  every speech frame gets the language and textnorm queries, which decide digits and punctuation."""
import torch, torch.nn as nn

class Block(nn.Module):
    def __init__(self, d, k, drop):
        super().__init__()
        self.dw = nn.Conv1d(d, d, k, padding=k // 2, groups=d)
        self.bn1 = nn.BatchNorm1d(d)
        self.pw = nn.Conv1d(d, d, 1)
        self.bn2 = nn.BatchNorm1d(d)
        self.drop = nn.Dropout(drop)

    def forward(self, x, m):                       # x [B,d,T], m [B,1,T] (1 inside, 0 padding)
        y = torch.relu(self.bn1(self.dw(x * m)))
        y = torch.relu(self.bn2(self.pw(y)))
        return x + self.drop(y)

class ToySenseVoice(nn.Module):
    def __init__(self, n_out, idim=560, d=192, n_blocks=8, k=5, drop=0.1, context_after=(3, 5), tag_ids=(3, 28), stride=2):
        super().__init__()
        self.stride = stride
        self.embed = nn.Embedding(16, idim)
        self.inp = nn.Conv1d(idim, d, 2, stride=stride)   # the same weights for either stride
        self.bn = nn.BatchNorm1d(d)
        self.blocks = nn.ModuleList([Block(d, k, drop) for _ in range(n_blocks)])
        self.context_after = list(context_after)
        self.context = nn.ModuleList([nn.Linear(d, d) for _ in context_after])
        self.condition = nn.Linear(idim, d)     # tells every speech frame the requested language and textnorm
        nn.init.zeros_(self.condition.weight); nn.init.zeros_(self.condition.bias)
        self.query_in = nn.Linear(idim, d)
        self.query_ctx = nn.Linear(d, d)
        self.query_mlp = nn.Sequential(nn.ReLU(), nn.Linear(d, d), nn.ReLU())
        self.ctc_lo = nn.Linear(d, n_out)
        # the four query frames may only emit tags, speech frames never: CTC then puts the tags on the queries
        is_tag = torch.zeros(n_out); is_tag[tag_ids[0]:tag_ids[1]] = 1
        self.register_buffer('query_bias', (1 - is_tag) * -1e4)
        self.register_buffer('speech_bias', is_tag * -1e4)

    def forward(self, speech, speech_lengths, language, textnorm):
        T = speech.shape[1]
        lens = speech_lengths.long()
        x = speech.transpose(1, 2)
        x = torch.cat([x, x[:, :, :1] * 0], 2)                       # one zero frame: odd T keeps its last frame
        st = self.stride
        n = (lens + st - 1) // st                                     # encoder frames per utterance
        Te = (T + st - 1) // st
        m = (torch.arange(Te, device=x.device)[None, :] < n[:, None]).to(x.dtype)[:, None, :]
        ones = torch.ones_like(language)
        query = self.embed(torch.stack([language, ones, ones * 2, textnorm], 1).long())   # [B,4,560]
        h = torch.relu(self.bn(self.inp(x[:, :, :st * Te + 2 - st])))   # [B,d,Te]
        h = h + self.condition(query[:, 0] + query[:, 3])[:, :, None]
        for i, b in enumerate(self.blocks):
            h = b(h, m)
            if i in self.context_after:
                g = (h * m).sum(2) / n[:, None].to(h.dtype)
                h = h + torch.tanh(self.context[self.context_after.index(i)](g))[:, :, None]
        g = (h * m).sum(2) / n[:, None].to(h.dtype)                   # [B,d] utterance summary
        q = self.query_mlp(self.query_in(query) + self.query_ctx(g)[:, None, :])          # [B,4,d]
        s = self.ctc_lo(h.transpose(1, 2))                                                  # [B,Te,V]
        if st == 2: s = torch.stack([s, s], 2).flatten(1, 2)[:, :T]                        # [B,T,V]
        logits = torch.cat([self.ctc_lo(q) + self.query_bias, s + self.speech_bias], 1)                                         # [B,T+4,V]
        return logits, (speech_lengths + 4).to(torch.int32)
