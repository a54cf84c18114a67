#!/usr/bin/python3
"""Export a GhostNetV2 checkpoint to ONNX (opset 13, batch 1, float32) for speed comparisons
against onnxruntime.

    /usr/bin/python3 tools/reference/export_onnx.py --checkpoint ck.pth.tar --width 1.0 \
        --classes 1000 --size 224 --out model.onnx

Input 'input' [1,3,S,S] (ImageNet-normalized), output 'logits' [1,N]. Eval mode with constant
folding, so torch.onnx folds every BatchNorm into the preceding Conv (no BatchNormalization
nodes). The DFC gate's F.interpolate and the ghost [:, :oup] slice are traced with Shape/Gather
ops (shapes are static in practice). The file is checked with onnx.checker.check_model
(full_check, i.e. with shape inference). Not run numerically here (no onnxruntime installed).
"""
import argparse
import os
import sys
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_outputs import load_model  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--checkpoint', required=True)
    ap.add_argument('--width', type=float, required=True)
    ap.add_argument('--classes', type=int, required=True)
    ap.add_argument('--size', type=int, default=224)
    ap.add_argument('--out', required=True)
    ap.add_argument('--opset', type=int, default=13)
    a = ap.parse_args()
    torch.set_num_threads(2)

    model = load_model(a.checkpoint, a.width, a.classes)
    x = torch.zeros(1, 3, a.size, a.size)
    warnings.filterwarnings('ignore', category=UserWarning)  # torch 1.13 prim::Constant shape-inference noise
    with torch.no_grad():
        torch.onnx.export(model, x, a.out, opset_version=a.opset, input_names=['input'],
                          output_names=['logits'], do_constant_folding=True,
                          training=torch.onnx.TrainingMode.EVAL)

    import onnx
    m = onnx.load(a.out)
    onnx.checker.check_model(m, full_check=True)
    ops = {}
    for n in m.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    print(f'wrote {a.out}: {os.path.getsize(a.out)} bytes, opset {m.opset_import[0].version}, '
          f'{len(m.graph.node)} nodes {dict(sorted(ops.items()))}; onnx.checker OK')


if __name__ == '__main__':
    main()
