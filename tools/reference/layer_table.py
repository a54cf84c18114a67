#!/usr/bin/python3
"""Every conv/linear layer of a GhostNet (inference form) at 224x224 with its shapes, parameters
and MACs, measured with forward hooks on the PyTorch reference (tools/reference). For GhostNetV3
the table is of the re-parameterized network; the header also gives the training-time count.
Same columns as test/fixtures/reference/ghostnetv2_w1.0_layers.txt, read by
test/node/architecture.test.ts as independent truth for worker/model/architecture.ts.

    /usr/bin/python3 tools/reference/layer_table.py --arch v1|v2|v3 [--width 1.0] [--size 224] --out FILE
"""
import argparse
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from family import ARCHS, FAMILY, make_model  # noqa: E402


def category(name, m):
    if name == 'conv_stem':
        return 'stem'
    if '.short_conv.' in name:
        return 'dfc_depthwise' if m.groups > 1 else 'dfc_pointwise'
    if '.se.' in name:
        return 'se'
    if name in ('conv_head', 'classifier'):
        return 'head'
    return 'depthwise' if isinstance(m, nn.Conv2d) and m.groups > 1 else 'pointwise'


def kind(m):
    if isinstance(m, nn.Linear):
        return 'Linear'
    kh, kw = m.kernel_size
    s = f'Conv2d {kh}x{kw}'
    if m.stride[0] > 1:
        s += f' s{m.stride[0]}'
    if m.groups > 1:
        s += ' dw'
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--arch', choices=ARCHS, required=True)
    ap.add_argument('--width', type=float, default=1.0)
    ap.add_argument('--size', type=int, default=224)
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    model = make_model(a.arch, 1000, a.width).eval()
    train_params = sum(p.numel() for p in model.parameters())
    if a.arch == 'v3':
        model.reparameterize()
    params = sum(p.numel() for p in model.parameters())
    rows = []

    def hook(name):
        def f(m, inp, out):
            x, y = inp[0], out
            if isinstance(m, nn.Linear):
                macs = m.in_features * m.out_features
                i, o = f'{x.shape[1]}', f'{y.shape[1]}'
            else:
                kh, kw = m.kernel_size
                macs = m.out_channels * (m.in_channels // m.groups) * kh * kw * y.shape[2] * y.shape[3]
                i = f'{x.shape[1]}x{x.shape[2]}x{x.shape[3]}'
                o = f'{y.shape[1]}x{y.shape[2]}x{y.shape[3]}'
            n = sum(p.numel() for p in m.parameters())
            rows.append((name, kind(m), i, o, n, macs, category(name, m)))
        return f

    for name, m in model.named_modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            m.register_forward_hook(hook(name))
    with torch.no_grad():
        model(torch.zeros(1, 3, a.size, a.size))
    total = sum(r[5] for r in rows)
    with open(a.out, 'w') as f:
        f.write(f'{FAMILY[a.arch]} width {a.width}, input 3x{a.size}x{a.size}, num_classes 1000'
                + (' (re-parameterized)' if a.arch == 'v3' else '') + '\n')
        f.write(f'params: {params} ({params / 1e6:.3f}M)   conv+linear MACs: {total} ({total / 1e6:.2f}M)\n')
        if a.arch == 'v3':
            f.write(f'training-time params (multi-branch, as distributed): {train_params} ({train_params / 1e6:.3f}M)\n')
        f.write('Made by tools/reference/layer_table.py from the PyTorch reference; MACs of Conv2d/Linear only.\n\n')
        f.write(f'{"#":<4} {"name":<36} {"type":<20} {"in (CHW)":<12} {"out (CHW)":<14} {"params":>8} {"MACs":>12} category\n')
        for idx, (name, k, i, o, n, macs, cat) in enumerate(rows):
            f.write(f'{idx:<4} {name:<36} {k:<20} {i:<12} {o:<14} {n:>8} {macs:>12} {cat}\n')
    print(f'{a.out}: {len(rows)} layers, {params} params, {total} MACs')


if __name__ == '__main__':
    main()
