#!/usr/bin/python3
"""GhostNetV3 in PyTorch: the re-parameterized network against the multi-branch one it was folded
from, on the same inputs. Writes {"max_rel": max over inputs of max|Δlogit| / max|logit|, ...}.

    /usr/bin/python3 tools/reference/check_v3_reparam.py --checkpoint v3.safetensors --width 1.0 \
        --inputs photos_s224.npy --out reparam.json
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from family import load_model  # noqa: E402
from make_checkpoint import load_any  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--checkpoint', required=True)
    ap.add_argument('--width', type=float, required=True)
    ap.add_argument('--classes', type=int, default=1000)
    ap.add_argument('--inputs', required=True)
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    torch.set_num_threads(2)
    model = load_model('v3', load_any(a.checkpoint), a.width, a.classes)
    x = torch.from_numpy(np.load(a.inputs))
    with torch.no_grad():
        multi = model(x).numpy()
        model.reparameterize()
        folded = model(x).numpy()
    rel = np.abs(multi - folded).max(1) / np.abs(multi).max(1)
    result = {'checkpoint': os.path.basename(a.checkpoint), 'inputs': int(len(x)), 'max_rel': float(rel.max()),
              'mean_rel': float(rel.mean()), 'top1_equal': int((multi.argmax(1) == folded.argmax(1)).sum()),
              'params_multi_branch': None, 'params_reparameterized': sum(p.numel() for p in model.parameters())}
    result['params_multi_branch'] = sum(p.numel() for p in load_model('v3', load_any(a.checkpoint), a.width, a.classes).parameters())
    with open(a.out, 'w') as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
