#!/usr/bin/python3
"""Train the default ghostnet-edge model: GhostNetV2 (width 1.0, official blocks, 10 classes)
on Fashion-MNIST at 64x64.  Run with Debian's PyTorch: /usr/bin/python3.

Preprocessing (must be replicated exactly by the inference pipeline):
  1. 28x28 uint8 gray image -> PIL.Image.fromarray(img, mode='L')
     .resize((64, 64), PIL.Image.BILINEAR)   -> 64x64 uint8 (done once, cached in --out)
  2. x = uint8 / 255.0 ; x = (x - MEAN) / STD  (MEAN/STD from the resized training set,
     same value for the 3 channels; written to result.json)
  3. gray copied to 3 channels -> tensor [N, 3, 64, 64], NCHW float32.
Training augmentation (train only): random crop 64x64 from the uint8 image zero-padded by 4
(pad value 0 = black background, before normalisation), random horizontal flip p=0.5.

Outputs in --out:
  ghostnetv2_fmnist.pth.tar  flat model.state_dict() (official GhostNetV2 keys, float32 params);
                             with --arch v1 ghostnetv1_fmnist.pth.tar (GhostNetV1 = the same net without DFC)
  result.json                seed, epochs, size, mean, std, timings, accuracies, command
  train.log                  (when started with nohup ... > train.log)
  ckpt_last.pth              resumable training state (model+optimizer+epoch), for --resume
"""
import argparse
import gzip
import json
import math
import os
import random
import sys
import time

# The 2 cores are shared with other jobs: with OpenMP's default spin-waiting, 2 threads under
# contention were measured 2-4x slower than with passive waiting. Must be set before torch loads.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'reference'))
from ghostnetv2 import GhostNetV2  # noqa: E402

DATA_DIR = '/usr/share/datasets/fashion-mnist'
CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
           'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']


# ----------------------------------------------------------------------------- data
def read_idx(path):
    """Read an idx(.gz) file (MNIST format) into a numpy array."""
    with gzip.open(path, 'rb') as f:
        data = f.read()
    zero, dtype_code, ndim = data[0] * 256 + data[1], data[2], data[3]
    assert zero == 0 and dtype_code == 0x08, 'expected unsigned-byte idx file: %s' % path
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], 'big') for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    assert arr.size == int(np.prod(dims)), path
    return arr.reshape(dims).copy()


def load_raw(split):
    prefix = 'train' if split == 'train' else 't10k'
    x = read_idx(os.path.join(DATA_DIR, '%s-images-idx3-ubyte.gz' % prefix))
    y = read_idx(os.path.join(DATA_DIR, '%s-labels-idx1-ubyte.gz' % prefix))
    return x, y.astype(np.int64)


def pil_resize_all(x, size):
    """28x28 uint8 -> size x size uint8 with PIL Image.resize(BILINEAR), image by image."""
    from PIL import Image
    out = np.empty((x.shape[0], size, size), dtype=np.uint8)
    for i in range(x.shape[0]):
        out[i] = np.asarray(Image.fromarray(x[i], mode='L').resize((size, size), Image.BILINEAR))
    return out


def load_resized(size, cache_dir, log=print):
    """Resized uint8 datasets, cached as npz in cache_dir."""
    path = os.path.join(cache_dir, 'fmnist_%d_pil_bilinear_uint8.npz' % size)
    if os.path.exists(path):
        d = np.load(path)
        return d['train_x'], d['train_y'], d['test_x'], d['test_y']
    t0 = time.time()
    trx, try_ = load_raw('train')
    tex, tey = load_raw('test')
    assert trx.shape == (60000, 28, 28) and tex.shape == (10000, 28, 28)
    trx, tex = pil_resize_all(trx, size), pil_resize_all(tex, size)
    os.makedirs(cache_dir, exist_ok=True)
    tmp = path + '.tmp.npz'
    np.savez(tmp, train_x=trx, train_y=try_, test_x=tex, test_y=tey)
    os.replace(tmp, path)
    log('cached resized dataset -> %s (%.1fs)' % (path, time.time() - t0))
    return trx, try_, tex, tey


def mean_std(x_uint8):
    """Mean/std of pixel/255 over the whole (resized) training set, float64 accumulation."""
    x = x_uint8.astype(np.float64) / 255.0
    return float(x.mean()), float(x.std())


def to_input(xb_uint8, mean, std):
    """uint8 [B,H,W] tensor -> normalised float32 [B,3,H,W] (gray copied to 3 channels)."""
    x = xb_uint8.float().div_(255.0).sub_(mean).div_(std)
    # channels_last only changes the memory layout (faster mkldnn convs on CPU), not the values
    return x.unsqueeze(1).expand(-1, 3, -1, -1).contiguous(memory_format=torch.channels_last)


def augment(xb, pad, gen):
    """Random crop (zero padding `pad`) + random horizontal flip on a uint8 [B,H,W] batch."""
    b, h, w = xb.shape
    padded = F.pad(xb, (pad, pad, pad, pad), value=0)
    ox = torch.randint(0, 2 * pad + 1, (b,), generator=gen)
    oy = torch.randint(0, 2 * pad + 1, (b,), generator=gen)
    flip = torch.rand(b, generator=gen) < 0.5
    out = torch.empty_like(xb)
    for i in range(b):
        crop = padded[i, oy[i]:oy[i] + h, ox[i]:ox[i] + w]
        out[i] = crop.flip(-1) if flip[i] else crop
    return out


@torch.no_grad()
def evaluate(model, x_uint8, y, mean, std, bs=500):
    model.eval()
    preds = []
    for i in range(0, x_uint8.shape[0], bs):
        preds.append(model(to_input(x_uint8[i:i + bs], mean, std)).argmax(1))
    pred = torch.cat(preds)
    acc = (pred == y).float().mean().item()
    per_class = {CLASSES[c]: (pred[y == c] == c).float().mean().item() for c in range(len(CLASSES))}
    return acc, per_class


# ----------------------------------------------------------------------------- train
def param_groups(model, wd):
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)  # no wd on BN weights/biases and biases
    return [{'params': decay, 'weight_decay': wd}, {'params': no_decay, 'weight_decay': 0.0}]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--arch', choices=('v1', 'v2'), default='v2', help='v1: GhostNetV1 (no DFC attention)')
    ap.add_argument('--epochs', type=int, default=5)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default=os.path.join(HERE, 'out'))
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--size', type=int, default=64)
    ap.add_argument('--batch-size', type=int, default=128)
    ap.add_argument('--lr', type=float, default=0.1, help='peak SGD lr')
    ap.add_argument('--wd', type=float, default=2e-4)
    ap.add_argument('--warmup-epochs', type=float, default=0.5)
    ap.add_argument('--label-smoothing', type=float, default=0.1)
    ap.add_argument('--dropout', type=float, default=0.2, help='model default (official)')
    ap.add_argument('--pad', type=int, default=4)
    ap.add_argument('--bench', type=int, default=0, help='time this many train batches and exit')
    ap.add_argument('--resume', action='store_true', help='resume from <out>/ckpt_last.pth')
    args = ap.parse_args()

    def log(msg):
        print('[%s] %s' % (time.strftime('%H:%M:%S'), msg), flush=True)

    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    trx, try_, tex, tey = load_resized(args.size, args.out, log)
    mean, std = mean_std(trx)
    log('data: train %s test %s, mean=%.6f std=%.6f' % (trx.shape, tex.shape, mean, std))
    trx, try_ = torch.from_numpy(trx), torch.from_numpy(try_)
    tex, tey = torch.from_numpy(tex), torch.from_numpy(tey)

    model = GhostNetV2(num_classes=10, width=1.0, dropout=args.dropout, dfc=args.arch == 'v2')
    model = model.to(memory_format=torch.channels_last)
    log(('GhostNetV2' if args.arch == 'v2' else 'GhostNetV1') + ' w=1.0: %d params, torch %s, threads %d'
        % (sum(p.numel() for p in model.parameters()), torch.__version__, torch.get_num_threads()))
    opt = torch.optim.SGD(param_groups(model, args.wd), lr=args.lr, momentum=0.9, nesterov=True)
    crit = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)

    n = trx.shape[0]
    steps_per_epoch = n // args.batch_size  # drop last partial batch
    total = args.epochs * steps_per_epoch
    warm = int(args.warmup_epochs * steps_per_epoch)

    def lr_at(step):  # linear warmup from 0.01*lr, then cosine to 0
        if step < warm:
            return args.lr * (0.01 + 0.99 * step / warm)
        return args.lr * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))

    start_epoch, train_seconds = 0, 0.0
    ckpt_path = os.path.join(args.out, 'ckpt_last.pth')
    if args.resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        model.load_state_dict(ck['model'])
        opt.load_state_dict(ck['opt'])
        gen.set_state(ck['gen'])
        torch.set_rng_state(ck['torch_rng'])
        start_epoch, train_seconds = ck['epoch'], ck['train_seconds']
        log('resumed from %s at epoch %d' % (ckpt_path, start_epoch))

    # fixed subset of the TRAINING set, un-augmented, eval mode: sanity monitor only
    mon_idx = torch.arange(0, n, n // 5000)[:5000]

    for epoch in range(start_epoch, args.epochs):
        model.train()
        t0 = time.time()
        perm = torch.randperm(n, generator=gen)
        loss_sum, correct, seen = 0.0, 0, 0
        for it in range(steps_per_epoch):
            step = epoch * steps_per_epoch + it
            for g in opt.param_groups:
                g['lr'] = lr_at(step)
            idx = perm[it * args.batch_size:(it + 1) * args.batch_size]
            xb = to_input(augment(trx[idx], args.pad, gen), mean, std)
            yb = try_[idx]
            out = model(xb)
            loss = crit(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * yb.numel()
            correct += (out.argmax(1) == yb).sum().item()
            seen += yb.numel()
            if args.bench and it + 1 == args.bench:
                dt = time.time() - t0
                log('bench: %d batches of %d in %.1fs -> %.3fs/batch, est %.1fs/epoch (%d steps)'
                    % (args.bench, args.batch_size, dt, dt / args.bench,
                       dt / args.bench * steps_per_epoch, steps_per_epoch))
                return
            if (it + 1) % 100 == 0:
                log('  ep %d it %d/%d loss %.4f acc %.4f lr %.4f (%.0fs)'
                    % (epoch + 1, it + 1, steps_per_epoch, loss_sum / seen, correct / seen,
                       lr_at(step), time.time() - t0))
        ep_time = time.time() - t0
        train_seconds += ep_time
        mon_acc, _ = evaluate(model, trx[mon_idx], try_[mon_idx], mean, std)
        log('epoch %d/%d  train_loss %.4f  train_acc(aug) %.4f  train_subset_eval_acc %.4f  '
            'epoch %.0fs  total %.0fs'
            % (epoch + 1, args.epochs, loss_sum / seen, correct / seen, mon_acc, ep_time, train_seconds))
        torch.save({'model': model.state_dict(), 'opt': opt.state_dict(), 'gen': gen.get_state(),
                    'torch_rng': torch.get_rng_state(), 'epoch': epoch + 1,
                    'train_seconds': train_seconds}, ckpt_path + '.tmp')
        os.replace(ckpt_path + '.tmp', ckpt_path)

    # final epoch only: test accuracy is reported, never used for selection
    acc, per_class = evaluate(model, tex, tey, mean, std)
    log('FINAL float test accuracy (epoch %d): %.4f' % (args.epochs, acc))
    for k, v in per_class.items():
        log('  %-12s %.4f' % (k, v))

    # plain contiguous (NCHW-strided) float32 tensors, official keys, no wrapper dict
    sd = {k: (v.float() if v.is_floating_point() else v).contiguous() for k, v in model.state_dict().items()}
    torch.save(sd, os.path.join(args.out, 'ghostnet%s_fmnist.pth.tar' % args.arch))
    result = {
        'arch': args.arch, 'seed': args.seed, 'epochs': args.epochs, 'size': args.size,
        'mean': mean, 'std': std,
        'train_seconds': round(train_seconds, 1),
        'float_test_accuracy': acc, 'per_class_accuracy': per_class,
        'torch_version': torch.__version__,
        'command': ' '.join(['/usr/bin/python3'] + sys.argv),
        'preprocessing': 'PIL.Image.fromarray(uint8 28x28, "L").resize((%d,%d), Image.BILINEAR) -> '
                         '/255 -> (x-mean)/std -> gray copied to 3 channels (NCHW)' % (args.size, args.size),
        'hyperparameters': {'batch_size': args.batch_size, 'optimizer': 'SGD momentum 0.9 nesterov',
                            'lr': args.lr, 'weight_decay': args.wd, 'wd_on': 'conv/linear weights only',
                            'schedule': 'linear warmup %.1f ep + cosine to 0 (per step)' % args.warmup_epochs,
                            'label_smoothing': args.label_smoothing, 'dropout': args.dropout,
                            'augmentation': 'random crop pad %d (zero) + hflip 0.5' % args.pad,
                            'threads': args.threads,
                            'OMP_WAIT_POLICY': os.environ.get('OMP_WAIT_POLICY')},
    }
    with open(os.path.join(args.out, 'result.json'), 'w') as f:
        json.dump(result, f, indent=2)
    log('wrote checkpoint and result.json to %s' % args.out)


if __name__ == '__main__':
    main()
