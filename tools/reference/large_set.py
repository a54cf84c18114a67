#!/usr/bin/python3
"""The full-size synthetic checkpoints (224x224, 1000 classes) and PyTorch reference outputs that
test/node/torch-parity.test.ts and torch-family.test.ts use, made in ONE process (NOT committed):

    /usr/bin/python3 tools/reference/large_set.py OUTDIR --photos DIR [--calib N] [--v1-head random]

The photos are preprocessed once; the five networks are calibrated on one shared batch of
natural-image-like inputs (make_checkpoint.build); every other layout of the same weights is
written from memory (no second build, no reload but the round-trip check). Writes:
  photos_s224.npy (+ .names.json)  the photos, Pillow/torchvision-preprocessed (reference_outputs.load_photos)
  inputs_s224.npy                  [4,3,224,224] synthetic inputs (natural_images seed 224)
  GhostNetV2, the official release format (flat state_dict + 178 thop entries):
    ck_w10.pth.tar, ck_w13.pth.tar; ck_w10_module.pth.tar ('module.' keys); ck_w10.safetensors
    logits_w10.npy, logits_w13.npy (the synthetic inputs), photos_logits_w10.npy, photos_logits_w13.npy,
    photos_top5_w10.json (PyTorch's top-5 per photo file)
  GhostNetV3, training-time multi-branch form:
    v3_w10_timm.safetensors (timm keys), v3_w10_official.pth.tar (official keys, {'state_dict': ...}),
    v3_w10_deploy.safetensors (the same weights re-parameterized, timm reparameterize_model keys),
    v3_w13_timm.safetensors; photos_logits_v3_w10.npy, photos_logits_v3_w13.npy (multi-branch network)
    reparam_v3_w10.json, reparam_v3_w13.json  re-parameterized vs multi-branch logits on the photos
  GhostNetV1: v1_w10.pth.tar (official layout, flat), v1_w10_timm.safetensors; photos_logits_v1_w10.npy
              (its conv_head and classifier made with make_checkpoint's head=--v1-head, default 'neutral')
  large_set.json  hash of the sources that made it, settings, timings. A rerun whose sources and
                  settings hash the same returns at once; anything else rebuilds the whole set.
Needs Debian's python3-torch (1.13) and torchvision: always /usr/bin/python3.
"""
import argparse
import hashlib
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCES = ('large_set.py', 'make_checkpoint.py', 'reference_outputs.py', 'ghostnetv2.py', 'ghostnetv3.py', 'family.py')
CALIB_SEED = 224  # the shared calibration / check inputs
INPUTS_SEED = 224  # the 4 synthetic test inputs (another stream: never the calibration images)
# (tag, arch, width, model seed). V1's head is --v1-head, by default 'neutral' (make_checkpoint.py):
# with random head weights this V1 draw amplifies int8 noise into a logits cosine of 0.908
# (docs/v1-int8-fidelity.md); V2 and V3 keep random heads.
NETS = (('w10', 'v2', 1.0, 10), ('w13', 'v2', 1.3, 13), ('v3_w10', 'v3', 1.0, 103), ('v3_w13', 'v3', 1.3, 133),
        ('v1_w10', 'v1', 1.0, 101))


def key_of(photos, calib, v1_head):
    h = hashlib.sha256()
    for name in SOURCES:
        with open(os.path.join(HERE, name), 'rb') as f:
            h.update(name.encode() + b'\0' + f.read())
    for name in sorted(os.listdir(photos)):
        with open(os.path.join(photos, name), 'rb') as f:
            h.update(name.encode() + b'\0' + hashlib.sha256(f.read()).digest())
    h.update(f'calib={calib} v1_head={v1_head}'.encode())
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('out')
    ap.add_argument('--photos', required=True)
    ap.add_argument('--calib', type=int, default=64, help='calibration batch of the synthetic networks (BN statistics)')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--v1-head', choices=('neutral', 'random'), default='neutral',
                    help="V1's conv_head + classifier (random: the 0.908 checkpoint of docs/v1-int8-fidelity.md)")
    a = ap.parse_args()
    out = os.path.abspath(a.out)
    marker = os.path.join(out, 'large_set.json')
    key = key_of(a.photos, a.calib, a.v1_head)
    if os.path.exists(marker):
        with open(marker) as f:
            if json.load(f).get('key') == key:
                print(f'{out}: up to date')
                return
        os.remove(marker)
    os.makedirs(out, exist_ok=True)

    import copy
    import numpy as np
    import torch
    sys.path.insert(0, HERE)
    from make_checkpoint import build, save_checkpoint, natural_images, STREAM_CALIB, STREAM_CHECK
    from reference_outputs import load_photos
    torch.set_num_threads(a.threads)
    t0 = time.time()
    cpu0 = time.process_time()
    timings = {}

    def lap(name, t):
        timings[name] = round(time.time() - t, 1)
        print(f'-- {name}: {timings[name]} s', flush=True)

    t = time.time()
    photos, names, info = load_photos(a.photos, 224)
    np.save(os.path.join(out, 'photos_s224.npy'), photos)
    with open(os.path.join(out, 'photos_s224.names.json'), 'w') as f:
        json.dump({'names': names, 'images': info, 'pipeline': 'exif_transpose -> convert(RGB) -> Resize(256, bilinear, '
                   'PIL antialias) -> CenterCrop(224) -> ToTensor -> Normalize(ImageNet mean/std)'}, f, indent=1)
    inputs = natural_images(4, 224, INPUTS_SEED)
    np.save(os.path.join(out, 'inputs_s224.npy'), inputs)
    shared = (torch.from_numpy(natural_images(a.calib, 224, CALIB_SEED, STREAM_CALIB)),
              torch.from_numpy(natural_images(32, 224, CALIB_SEED, STREAM_CHECK)))
    lap('inputs', t)
    xp = torch.from_numpy(photos)

    def logits(model, x):
        with torch.no_grad():
            return model(x).numpy().astype(np.float32)

    for tag, arch, width, seed in NETS:
        t = time.time()
        model = build(width, 1000, 224, seed, arch=arch, inputs=shared, head=a.v1_head if arch == 'v1' else 'random')
        f = lambda name: os.path.join(out, name)  # noqa: E731
        meta = {'seed': str(seed)}
        if arch == 'v2':
            save_checkpoint(model, arch, f(f'ck_{tag}.pth.tar'), width=width, classes=1000, thop=True,
                            safetensors=f(f'ck_{tag}.safetensors') if tag == 'w10' else None, meta=meta)
            if tag == 'w10':
                save_checkpoint(model, arch, f('ck_w10_module.pth.tar'), width=width, classes=1000, thop=True, wrap_how='module')
            np.save(f(f'logits_{tag}.npy'), logits(model, torch.from_numpy(inputs)))
        elif arch == 'v3':
            meta['form'] = 'train'
            save_checkpoint(model, arch, f(f'.{tag}.pth.tar'), width=width, classes=1000,
                            safetensors=f(f'{tag}_timm.safetensors'), meta=meta)
            os.remove(f(f'.{tag}.pth.tar'))
            deploy = copy.deepcopy(model).reparameterize()
            if tag == 'v3_w10':
                save_checkpoint(model, arch, f('v3_w10_official.pth.tar'), width=width, classes=1000, layout='official',
                                wrap_how='state_dict')
                save_checkpoint(deploy, arch, f('.v3_w10_deploy.pth.tar'), width=width, classes=1000,
                                safetensors=f('v3_w10_deploy.safetensors'), meta={**meta, 'form': 'deploy'})
                os.remove(f('.v3_w10_deploy.pth.tar'))
        else:
            save_checkpoint(model, arch, f(f'{tag}.pth.tar'), width=width, classes=1000,
                            safetensors=f(f'{tag}_timm.safetensors'), meta=meta)
        ref = logits(model, xp)
        np.save(f(f'photos_logits_{tag}.npy'), ref)
        if tag == 'w10':
            with open(f('photos_top5_w10.json'), 'w') as fh:
                json.dump([{'name': n, 'top5': np.argsort(-r, kind='stable')[:5].tolist()} for n, r in zip(names, ref)], fh, indent=1)
        if arch == 'v3':
            folded = logits(deploy, xp)
            rel = np.abs(ref - folded).max(1) / np.abs(ref).max(1)
            with open(f(f'reparam_{tag}.json'), 'w') as fh:
                json.dump({'inputs': len(xp), 'max_rel': float(rel.max()), 'mean_rel': float(rel.mean()),
                           'top1_equal': int((ref.argmax(1) == folded.argmax(1)).sum()),
                           'params_multi_branch': sum(p.numel() for p in model.parameters()),
                           'params_reparameterized': sum(p.numel() for p in deploy.parameters())}, fh, indent=1)
        lap(tag, t)

    with open(marker, 'w') as fh:
        json.dump({'key': key, 'calib': a.calib, 'v1_head': a.v1_head, 'seconds': round(time.time() - t0, 1),
                   'cpu_seconds': round(time.process_time() - cpu0, 1), 'load_average': open('/proc/loadavg').read().split()[:3],
                   'torch': torch.__version__, 'timings': timings}, fh, indent=1)
    print(f'{out}: done in {time.time() - t0:.0f} s (cpu {time.process_time() - cpu0:.0f} s), load {open("/proc/loadavg").read().split()[:3]}')


if __name__ == '__main__':
    main()
