#!/usr/bin/python3
"""Float test accuracy of a GhostNetV2 Fashion-MNIST checkpoint (double-check of result.json).

  /usr/bin/python3 tools/train/eval_float.py [--ckpt models/fashion-mnist/ghostnetv2_fmnist.pth.tar]

Loads the flat state_dict into GhostNetV2(num_classes=10, width=1.0) with strict=True and
reports the 10,000-image test accuracy for three ways of producing the 64x64 input:
  pil      (the product pipeline) the raw 28x28 uint8 test images read from the idx.gz files and
           resized here, afresh, with PIL Image.resize((64,64), Image.BILINEAR) -> uint8
  cache    the uint8 arrays cached by the training script (must equal `pil`), if present
  torch    F.interpolate(float 28x28, 64x64, bilinear, align_corners=False, antialias=True),
           no uint8 rounding -- shows how sensitive the model is to small resize differences
then /255, (x-mean)/std with mean/std from result.json, gray copied to 3 channels.
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'reference'))
sys.path.insert(0, HERE)
from ghostnetv2 import GhostNetV2  # noqa: E402
from train_fashion_mnist import CLASSES, evaluate, load_raw, mean_std, pil_resize_all  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--ckpt', default=os.path.join(ROOT, 'models', 'fashion-mnist', 'ghostnetv2_fmnist.pth.tar'))
    ap.add_argument('--result', default=None, help='result.json with mean/std (default: beside --ckpt)')
    ap.add_argument('--size', type=int, default=64)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--limit', type=int, default=0, help='only the first N test images (smoke test)')
    ap.add_argument('--skip-torch', action='store_true', help='skip the torch-interpolate variant')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    res_path = args.result or os.path.join(os.path.dirname(os.path.abspath(args.ckpt)), 'result.json')
    if os.path.exists(res_path):
        with open(res_path) as f:
            res = json.load(f)
        mean, std = res['mean'], res['std']
        print('mean/std from %s: %.6f / %.6f (recorded float_test_accuracy %.4f)'
              % (res_path, mean, std, res.get('float_test_accuracy', float('nan'))))
    else:
        mean, std = mean_std(pil_resize_all(load_raw('train')[0], args.size))
        print('no result.json; mean/std recomputed from the PIL-resized train set: %.6f / %.6f' % (mean, std))

    sd = torch.load(args.ckpt, map_location='cpu')
    model = GhostNetV2(num_classes=10, width=1.0, dropout=0.2)
    model.load_state_dict(sd, strict=True)
    model = model.to(memory_format=torch.channels_last).eval()
    n_f32 = sum(v.dtype == torch.float32 for v in sd.values())
    print('loaded %s: %d tensors (%d float32), strict=True OK' % (args.ckpt, len(sd), n_f32))

    x28, y = load_raw('test')
    if args.limit:
        x28, y = x28[:args.limit], y[:args.limit]
    y = torch.from_numpy(y)

    variants = [('pil', pil_resize_all(x28, args.size))]
    cache = os.path.join(HERE, 'out', 'fmnist_%d_pil_bilinear_uint8.npz' % args.size)
    if os.path.exists(cache):
        cx = np.load(cache)['test_x'][:len(y)]
        same = np.array_equal(cx, variants[0][1])
        print('cached uint8 test set identical to fresh PIL resize: %s' % same)
        if not same:
            variants.append(('cache', cx))
    if not args.skip_torch:
        t = F.interpolate(torch.from_numpy(x28).float()[:, None], size=(args.size, args.size),
                          mode='bilinear', align_corners=False, antialias=True)[:, 0]
        d = (t - torch.from_numpy(variants[0][1]).float()).abs()
        print('torch float bilinear vs PIL uint8: max |diff| %.3f, mean %.4f (grey levels)'
              % (d.max().item(), d.mean().item()))
        variants.append(('torch', t))

    for name, xs in variants:
        xs = torch.as_tensor(xs)
        t0 = time.time()
        if xs.dtype == torch.uint8:
            acc, per_class = evaluate(model, xs, y, mean, std)
        else:  # float 0..255 images: same normalisation without uint8 rounding
            acc, per_class = evaluate_float_images(model, xs, y, mean, std)
        print('%-5s test accuracy: %.4f  (%d images, %.0fs)' % (name, acc, len(y), time.time() - t0))
        if name == 'pil':
            for k, v in per_class.items():
                print('        %-12s %.4f' % (k, v))


@torch.no_grad()
def evaluate_float_images(model, x, y, mean, std, bs=500):
    model.eval()
    pred = []
    for i in range(0, x.shape[0], bs):
        xb = x[i:i + bs].div(255.0).sub(mean).div(std)
        xb = xb.unsqueeze(1).expand(-1, 3, -1, -1).contiguous(memory_format=torch.channels_last)
        pred.append(model(xb).argmax(1))
    pred = torch.cat(pred)
    return (pred == y).float().mean().item(), None


if __name__ == '__main__':
    main()
