#!/usr/bin/python3
"""PyTorch reference outputs (float32, eval mode) of a GhostNet checkpoint (--arch v2 default; v1; v3
in its training-time or re-parameterized form, timm or official keys).

Inputs, one of:
  --npy-in inputs.npy                      [C,3,S,S] float32, already normalized
  --size S --count C --seed K              synthetic natural-image-like inputs (seeded, normalized
                                           with the ImageNet mean/std; make_checkpoint.natural_images)
  --photos DIR [--photo-size 224]          every image file in DIR (sorted by name), see PHOTO PIPELINE
Outputs:
  --out-logits logits.npy [C,N] float32   --out-features feats.npy [C,1280] float32
  --write-inputs inputs.npy  the exact input tensor [C,3,S,S] float32 (and, for --photos,
                             <same stem>.names.json unless --names-out is given)
  --out-top5 top5.json       per input: name, top-5 class ids and logits
  --dump-dir DIR             intermediate tensors as DIR/<official module path>.npy plus
                             DIR/manifest.json (execution order, shapes); --dump-count K keeps
                             only the first K inputs (default: all)

PHOTO PIPELINE (torchvision 0.14 on PIL images, the timm/torchvision ImageNet eval transform):
  PIL.Image.open -> PIL.ImageOps.exif_transpose (EXIF Orientation applied, e.g. 6 = rotate 90 CW)
  -> .convert('RGB') (alpha DROPPED, not composited: transparent pixels keep their stored RGB;
     L/LA/P -> replicated grey/palette colours; CMYK -> Pillow's naive conversion; ICC profiles
     ignored, no colour management)
  -> Resize(floor(size/0.875) = 256, InterpolationMode.BILINEAR) on the shorter side (PIL's
     antialiased bilinear; long side = int(256 * long / short), truncated)
  -> CenterCrop(size) -> ToTensor() (/255) -> Normalize(mean=(0.485,0.456,0.406), std=(0.229,0.224,0.225)).

Loads with clean_state_dict + load_state_dict(strict=True). .safetensors checkpoints also load.
"""
import argparse
import collections
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ghostnetv2 import (GhostNetV2, GhostModuleV2, GhostBottleneckV2, SqueezeExcite, ConvBnAct,  # noqa: E402
                        clean_state_dict, hard_sigmoid)
from make_checkpoint import natural_images, load_any, IMAGENET_MEAN, IMAGENET_STD  # noqa: E402
from family import ARCHS, load_model as load_family_model  # noqa: E402

PHOTO_EXT = ('.jpg', '.jpeg', '.png', '.webp', '.bmp', '.gif', '.tif', '.tiff')


def load_model(path, width, classes, arch='v2'):
    return load_family_model(arch, load_any(path), width, classes)


def photo_transform(size):
    import torchvision.transforms as T
    resize = int(math.floor(size / 0.875))
    return T.Compose([
        T.Resize(resize, interpolation=T.InterpolationMode.BILINEAR),
        T.CenterCrop(size),
        T.ToTensor(),
        T.Normalize(mean=IMAGENET_MEAN.tolist(), std=IMAGENET_STD.tolist()),
    ])


def load_photos(folder, size):
    from PIL import Image, ImageOps
    tf = photo_transform(size)
    names, tensors, info = [], [], []
    for n in sorted(os.listdir(folder)):
        if not n.lower().endswith(PHOTO_EXT):
            continue
        with Image.open(os.path.join(folder, n)) as im:
            mode, fmt, wh = im.mode, im.format, im.size
            im = ImageOps.exif_transpose(im)
            rgb = im.convert('RGB')
        tensors.append(tf(rgb))
        names.append(n)
        # what torchvision 0.14 computed (for re-implementations): shorter side -> resize, the
        # other int(resize * long / short); crop offsets int(round((d - size) / 2)) (Python round,
        # half to even: 117/2 -> 58)
        w, h = rgb.size
        r = int(math.floor(size / 0.875))
        nw, nh = (r, int(r * h / w)) if w <= h else (int(r * w / h), r)
        info.append({'file': n, 'format': fmt, 'mode': mode, 'size': list(wh), 'oriented_size': [w, h],
                     'resized': [nw, nh], 'crop_left_top': [int(round((nw - size) / 2.0)), int(round((nh - size) / 2.0))]})
    if not names:
        raise SystemExit(f'no images in {folder}')
    return torch.stack(tensors).numpy().astype(np.float32), names, info


class Dumper:
    """Forward hooks saving the tensors of interest under their official module paths:
    conv_stem, bn1, act1 (stem output), blocks.i.j (block outputs, also blocks.9.0 = ConvBnAct),
    blocks.i.j.ghost1 / .ghost2 (+ .primary_conv, .cheap_operation, .short_conv),
    blocks.i.j.ghost1.gate_fn (DFC gate = sigmoid(short_conv(avg_pool2d(x))) at the pooled size,
    i.e. what the official nn.Sigmoid gate_fn outputs, before the nearest upsampling),
    blocks.i.j.bn_dw, blocks.i.j.shortcut (non-identity), blocks.i.j.se (SE output),
    blocks.i.j.se.conv_reduce, .se.conv_expand, blocks.i.j.se.gate (hard_sigmoid(conv_expand);
    'gate' is not an official module: official SE uses the function hard_sigmoid),
    global_pool, conv_head, features (= act2 output flattened, [C,1280]), classifier (logits)."""

    def __init__(self, model, keep):
        self.keep = keep
        self.t = collections.OrderedDict()
        self.hooks = []
        for name, m in model.named_modules():
            if name in ('conv_stem', 'bn1', 'act1', 'global_pool', 'conv_head', 'classifier'):
                self._add(m, name)
            elif name == 'act2':
                self._add(m, 'features', post=lambda o: o.flatten(1))
            elif isinstance(m, (GhostBottleneckV2, GhostModuleV2, SqueezeExcite, ConvBnAct)):
                self._add(m, name)
            elif name.endswith(('.primary_conv', '.cheap_operation', '.bn_dw', '.conv_reduce')):
                self._add(m, name)
            elif name.endswith('.short_conv'):
                self._add(m, name)
                self._add(m, name[:-len('short_conv')] + 'gate_fn', post=torch.sigmoid)
            elif name.endswith('.conv_expand'):
                self._add(m, name)
                self._add(m, name[:-len('conv_expand')] + 'gate', post=hard_sigmoid)
            elif name.endswith('.shortcut') and len(m) > 0:
                self._add(m, name)

    def _add(self, m, name, post=None):
        def hook(mod, inp, out):
            o = out if post is None else post(out)
            # clone: in-place ReLUs later modify tensors we have seen
            self.t[name] = o[:self.keep].detach().clone().float().numpy()
        self.hooks.append(m.register_forward_hook(hook))

    def save(self, d):
        os.makedirs(d, exist_ok=True)
        manifest = []
        for i, (k, v) in enumerate(self.t.items()):
            np.save(os.path.join(d, k + '.npy'), np.ascontiguousarray(v, dtype=np.float32))
            manifest.append({'order': i, 'name': k, 'shape': list(v.shape)})
        with open(os.path.join(d, 'manifest.json'), 'w') as f:
            f.write('[\n' + ',\n'.join(json.dumps(e) for e in manifest) + '\n]\n')
        return len(manifest)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--checkpoint', required=True)
    ap.add_argument('--width', type=float, required=True)
    ap.add_argument('--classes', type=int, required=True)
    ap.add_argument('--npy-in')
    ap.add_argument('--size', type=int)
    ap.add_argument('--count', type=int, default=4)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--photos')
    ap.add_argument('--photo-size', type=int, default=224)
    ap.add_argument('--write-inputs')
    ap.add_argument('--names-out')
    ap.add_argument('--out-logits', required=True)
    ap.add_argument('--out-features')
    ap.add_argument('--out-top5')
    ap.add_argument('--dump-dir')
    ap.add_argument('--dump-count', type=int)
    ap.add_argument('--threads', type=int, default=2, choices=(1, 2))
    ap.add_argument('--arch', choices=ARCHS, default='v2')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    names = None
    if a.photos:
        x, names, info = load_photos(a.photos, a.photo_size)
    elif a.npy_in:
        x = np.load(a.npy_in).astype(np.float32)
    elif a.size:
        x = natural_images(a.count, a.size, a.seed)
    else:
        raise SystemExit('give --npy-in, --size/--count/--seed or --photos')
    assert x.ndim == 4 and x.shape[1] == 3, x.shape

    if a.write_inputs:
        np.save(a.write_inputs, x)
        if names is not None:
            p = a.names_out or os.path.splitext(a.write_inputs)[0] + '.names.json'
            with open(p, 'w') as f:
                json.dump({'names': names, 'images': info, 'pipeline': 'exif_transpose -> convert(RGB) -> '
                           f'Resize({int(math.floor(a.photo_size / 0.875))}, bilinear, PIL antialias) -> '
                           f'CenterCrop({a.photo_size}) -> ToTensor -> Normalize(ImageNet mean/std)'}, f, indent=1)

    model = load_model(a.checkpoint, a.width, a.classes, a.arch)
    with torch.no_grad():
        xt = torch.from_numpy(x)
        feats = model.features(xt)
        logits = model.classifier(feats)
        if a.dump_dir:
            dumper = Dumper(model, a.dump_count or len(x))
            model(xt)  # same batch, so the dumped tensors are bit-identical to the outputs above
            for h in dumper.hooks:
                h.remove()
            n = dumper.save(a.dump_dir)
            assert np.array_equal(dumper.t['classifier'], logits[:dumper.keep].numpy())
            assert np.array_equal(dumper.t['features'], feats[:dumper.keep].numpy())
            print(f'dumped {n} tensors to {a.dump_dir}')
    logits = logits.numpy().astype(np.float32)
    feats = feats.numpy().astype(np.float32)
    np.save(a.out_logits, logits)
    if a.out_features:
        np.save(a.out_features, feats)
    top5 = []
    for i in range(len(logits)):
        idx = np.argsort(-logits[i], kind='stable')[:5]
        top5.append({'name': names[i] if names else f'input{i}', 'top5': idx.tolist(),
                     'logits': [round(float(logits[i, j]), 5) for j in idx]})
    if a.out_top5:
        with open(a.out_top5, 'w') as f:
            json.dump(top5, f, indent=1)
    print(f'{a.checkpoint}: inputs {list(x.shape)} -> logits {list(logits.shape)}; '
          f'top-1 {[t["top5"][0] for t in top5]}')


if __name__ == '__main__':
    main()
