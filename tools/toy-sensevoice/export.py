#!/usr/bin/python3
"""Export the trained toy SenseVoice ($TOYSV_DIR/model.pt) with FunASR SenseVoiceSmall's ONNX interface (opset 14).
Usage: export.py OUT.onnx"""
import os, sys
import torch
from model import ToySenseVoice
torch.set_num_threads(1)
D = os.environ.get('TOYSV_DIR', '/tmp/toysv')

def load_model(p=f'{D}/model.pt'):
    ck = torch.load(p)
    net = ToySenseVoice(ck['n_out'], d=ck['dim'], n_blocks=ck['blocks'], stride=ck.get('stride', 2))
    net.load_state_dict(ck['state']); net.eval()
    return net, ck

if __name__ == '__main__':
    out = sys.argv[1] if len(sys.argv) > 1 else f'{D}/model.onnx'
    net, ck = load_model()
    x = torch.randn(2, 51, 560); l = torch.tensor([51, 36], dtype=torch.int32)
    lang = torch.tensor([0, 4], dtype=torch.int32); tn = torch.tensor([15, 14], dtype=torch.int32)
    torch.onnx.export(net, (x, l, lang, tn), out, opset_version=14,
                      input_names=['speech', 'speech_lengths', 'language', 'textnorm'],
                      output_names=['ctc_logits', 'encoder_out_lens'],
                      dynamic_axes={'speech': {0: 'batch_size', 1: 'feats_length'}, 'speech_lengths': {0: 'batch_size'},
                                    'language': {0: 'batch_size'}, 'textnorm': {0: 'batch_size'},
                                    'ctc_logits': {0: 'batch_size', 1: 'logits_length'},
                                    'encoder_out_lens': {0: 'batch_size'}})
    print('exported', out, os.path.getsize(out), 'bytes; trained epochs', ck['epoch'] + 1, 'score', ck['score'])
