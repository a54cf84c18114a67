#!/usr/bin/python3
"""Synthetic GhostNetV2 checkpoints in the OFFICIAL release format (huawei-noah ck_ghostnetv2_*.pth.tar),
and, with --arch, GhostNetV1 and GhostNetV3 checkpoints in the official and timm layouts.

    /usr/bin/python3 tools/reference/make_checkpoint.py --width 1.0 --classes 1000 --size 224 \
        --seed 1 --out ck.pth.tar [--thop] [--wrap none|module|state_dict|model|module,state_dict] \
        [--safetensors ck.safetensors] [--init-from other.pth.tar] \
        [--arch v1|v2|v3] [--form train|deploy] [--layout timm|official] [--half]

--arch v1: GhostNetV1 (official ghostnet_pytorch = timm ghostnet_* keys: GhostNetV2's without short_conv).
--arch v3: GhostNetV3 (tools/reference/ghostnetv3.py). --form train (default) writes the training-time
  multi-branch form as distributed; --form deploy the re-parameterized one (timm's
  reparameterize_model keys). --layout timm (default) names the branch BNs `bn1`, --layout official
  names them `bn` (the huawei-noah release). The BNs of every branch get the statistics of their own
  input, like all others below.
--half rounds every weight to float16 first and stores float16 (half-size fixtures; the reference
  outputs are computed from the same rounded weights). --init-from re-exports existing weights
  (for --arch v3 from either form; --form deploy then re-parameterizes them).

The weights are random but "realistic" for quantization tests:
  * conv weights get a random per-layer and per-output-channel scale (so BN running_var vary and
    folding BN is not a no-op);
  * BN affine weight ~ U(0.5, 1.5), bias ~ N(0, 0.1), set before the statistics are collected;
  * BN running_mean/running_var are the exact per-channel statistics of each BN's input, computed
    in ONE forward pass over a single batch of natural-image-like inputs (--calib, default 256, at
    --size), layer by layer in forward order (a forward pre-hook sets the stats, then the BN runs
    in eval mode with them), so every layer downstream sees exactly what eval mode will give it.
    That is what train mode with momentum=None over that one batch stores, without the
    train-vs-eval mismatch a multi-batch pass leaves. Variances are floored at 1/100 of the
    layer median (degenerate channels, e.g. the DFC (1,5)/(5,1) depthwise convs at 1x1 spatial
    size on tiny inputs, where only the centre tap is used); num_batches_tracked = 1;
  * in that same pass, SE conv_reduce/conv_expand, conv_head and the classifier are rescaled and
    their biases set from the activations they actually receive: SE gates spread over the
    hard-sigmoid range (some saturate), conv_head units are active on roughly half the inputs,
    logits have a std across classes of about --logit-std and the top-1 varies between inputs.
    With --head random (default) conv_head's and the classifier's weights are random: their biases
    then cancel a part common to all inputs 3-4x the across-input spread they pass on, so they
    amplify white noise on their input ~10 dB more than the signal (trained heads attenuate it by
    5-8 dB; docs/v1-int8-fidelity.md). --head neutral first turns those weights toward the
    features' across-input covariance until, on the calibration batch, they gain 0 dB.
A second, independent batch then checks BN consistency and the top-1 spread (printed).

--thop adds thop's FLOP-counter buffers exactly as the released files have them. The rule (thop
>= 0.0.31.post2005: profile() registers float64 zeros(1) buffers `total_ops`/`total_params` on
EVERY module via model.apply, then pops them again only from modules that had a counting rule;
nn.Sequential, Conv2d, BatchNorm2d, ReLU, AdaptiveAvgPool2d, Linear have rules) leaves them on the
modules thop has no rule for: the root GhostNetV2 (bare keys `total_ops`, `total_params`), every
GhostBottleneckV2, every GhostModuleV2 and its `gate_fn` (nn.Sigmoid), every SqueezeExcite and the
ConvBnAct: 1 + 16 + 32 + 32 + 7 + 1 = 89 modules = 178 entries, at every width. Their values stay 0
(no hook ever wrote them). This matches the unexpected-key list reported for ck_ghostnetv2_10.pth.tar
in huawei-noah/Efficient-AI-Backbones issue #175 ("total_ops", "total_params",
"blocks.0.0.total_ops", ..., "blocks.0.0.ghost1.gate_fn.total_ops", ...).
"""
import argparse
import collections
import copy
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ghostnetv2 import (GhostNetV2, GhostModuleV2, GhostBottleneckV2, SqueezeExcite,  # noqa: E402
                        ConvBnAct, clean_state_dict)
from ghostnetv3 import official_keys  # noqa: E402
from family import ARCHS, FAMILY, make_model, load_model, round_to_half  # noqa: E402

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)

# Input streams, so calibration / check / test inputs never coincide for the same seed.
STREAM_TEST, STREAM_CALIB, STREAM_CHECK = 0, 1, 2


# ----------------------------------------------------------------------------------------------
# natural-image-like inputs
# ----------------------------------------------------------------------------------------------
def _pink(rng, s, alpha):
    """Zero-mean, unit-std 2-D noise with amplitude spectrum ~ 1/f^alpha (power ~ 1/f^(2 alpha))."""
    fy = np.fft.fftfreq(s)[:, None]
    fx = np.fft.rfftfreq(s)[None, :]
    f = np.sqrt(fx * fx + fy * fy)
    f[0, 0] = 1.0
    spec = (rng.standard_normal(f.shape) + 1j * rng.standard_normal(f.shape)) / f ** alpha
    spec[0, 0] = 0.0
    field = np.fft.irfft2(spec, s=(s, s))
    return (field - field.mean()) / (field.std() + 1e-12)


def natural_image(rng, s):
    """One [3, s, s] RGB image in [0, 1], quantized to 8 bits: 1/f texture + colour gradient +
    soft-edged shapes + low-frequency illumination + gamma. Natural-image-like statistics."""
    alpha = rng.uniform(0.9, 1.6)
    lum = _pink(rng, s, alpha)
    chroma = np.stack([_pink(rng, s, alpha + 0.2), _pink(rng, s, alpha + 0.2)])
    base = rng.uniform(0.2, 0.8, 3)
    mix = rng.normal(0.0, 1.0, (3, 2))
    img = (base[:, None, None] + rng.uniform(0.08, 0.25) * lum[None]
           + rng.uniform(0.02, 0.08) * np.tensordot(mix, chroma, axes=1))
    # linear colour gradient
    yy, xx = np.meshgrid(np.linspace(-0.5, 0.5, s), np.linspace(-0.5, 0.5, s), indexing='ij')
    th = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(th) * xx + np.sin(th) * yy
    img += rng.uniform(-0.4, 0.4, 3)[:, None, None] * ramp[None]
    # soft-edged ellipses / rectangles, each with its own colour and texture
    for _ in range(int(rng.integers(0, 7))):
        cx, cy = rng.uniform(-0.5, 0.5, 2)
        rx, ry = rng.uniform(0.05, 0.35, 2)
        rot = rng.uniform(0, np.pi)
        u = (xx - cx) * np.cos(rot) + (yy - cy) * np.sin(rot)
        v = -(xx - cx) * np.sin(rot) + (yy - cy) * np.cos(rot)
        if rng.random() < 0.5:
            d = np.sqrt((u / rx) ** 2 + (v / ry) ** 2) - 1.0
            d = d * min(rx, ry) * s
        else:
            d = np.maximum(np.abs(u) - rx, np.abs(v) - ry) * s
        edge = rng.uniform(0.4, 2.5)  # pixels
        a = 1.0 / (1.0 + np.exp(np.clip(d / edge, -50, 50)))
        col = rng.uniform(0, 1, 3)[:, None, None] + rng.uniform(0.02, 0.12) * _pink(rng, s, alpha)[None]
        img = img * (1 - a[None]) + col * a[None]
    # illumination, contrast, gamma, 8-bit quantization
    img *= 1.0 + rng.uniform(0.0, 0.35) * _pink(rng, s, 2.2)[None]
    img = (img - 0.5) * rng.uniform(0.7, 1.4) + 0.5 + rng.uniform(-0.1, 0.1)
    img = np.clip(img, 0.0, 1.0) ** rng.uniform(0.8, 1.25)
    return np.round(img * 255.0) / 255.0


def natural_images(count, size, seed, stream=STREAM_TEST):
    """[count, 3, size, size] float32, normalized with the ImageNet mean/std. Image i depends only on
    (stream, seed, i, size), so a prefix of a larger set equals a smaller set."""
    out = np.empty((count, 3, size, size), dtype=np.float32)
    for i in range(count):
        rng = np.random.default_rng([stream, seed, i, size])
        img = natural_image(rng, size).astype(np.float32)
        out[i] = (img - IMAGENET_MEAN[:, None, None]) / IMAGENET_STD[:, None, None]
    return out


# ----------------------------------------------------------------------------------------------
# randomization + calibration
# ----------------------------------------------------------------------------------------------
def randomize(model, gen):
    """Random conv scales (per layer and per output channel) and BN affine params."""
    for name, m in model.named_modules():
        if isinstance(m, nn.Conv2d):
            with torch.no_grad():
                layer = math.exp(float(torch.empty(1).uniform_(-0.7, 0.7, generator=gen)))
                chan = torch.exp(0.35 * torch.randn(m.out_channels, generator=gen))
                m.weight.mul_(layer * chan.view(-1, 1, 1, 1))
                if m.bias is not None:
                    m.bias.normal_(0.0, 0.1, generator=gen)
        elif isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5, generator=gen)
                m.bias.normal_(0.0, 0.1, generator=gen)
        elif isinstance(m, nn.Linear):
            with torch.no_grad():
                m.bias.normal_(0.0, 0.1, generator=gen)


def _center_scale(out, conv, target_rms, offset_std, gen, x):
    """Rescale conv so the per-channel-centred output has RMS target_rms over the batch, then set
    its bias to -per-channel mean + N(0, offset_std). Returns the recomputed output."""
    with torch.no_grad():
        b0 = conv.bias.clone()
        z = out.flatten(1) - b0  # [B, C] (1x1 spatial), without bias
        zc = z - z.mean(0, keepdim=True)
        tot = z - z.mean()
        # Mostly the across-input spread, but never more than 8x the plain scale: avoids huge
        # weights whose common part the bias would then have to cancel (unrealistic for int8).
        rms_c = float(zc.pow(2).mean().sqrt())
        rms_t = float(tot.pow(2).mean().sqrt())
        g = target_rms / max(rms_c, rms_t / 8.0, 1e-12)
        conv.weight.mul_(g)
        z = z * g
        conv.bias.copy_(-z.mean(0) + offset_std * torch.randn(z.shape[1], generator=gen))
        return conv._conv_forward(x, conv.weight, conv.bias)  # not conv(x): no hook recursion


@torch.no_grad()
def calibrate(model, x, gen, logit_std=4.0, head='random'):
    model.eval()
    hooks = []
    nb = 0

    def bn_pre(m, inp):
        nonlocal nb
        t = inp[0]
        var, mean = torch.var_mean(t, dim=(0, 2, 3), unbiased=True)
        # Floor degenerate channels (e.g. a DFC (1,5)/(5,1) depthwise conv at 1x1 spatial size,
        # where only its centre tap is used) at 1/100 of the layer median: keeps a realistic spread
        # without near-zero variances that would blow up the folded weights of unused taps.
        var = torch.maximum(var, 0.01 * var.median())
        m.running_mean.copy_(mean)
        m.running_var.copy_(var)
        nb += 1

    def se_reduce(m, inp, out):
        return _center_scale(out, m, 1.0, 0.5, gen, inp[0])

    def se_expand(m, inp, out):
        # hard_sigmoid(s) = clip(s/6 + 0.5, 0, 1): spread ~1.5, per-channel offsets N(0, 1.5)
        return _center_scale(out, m, 1.5, 1.5, gen, inp[0])

    def neutral(shape, f, w):
        """w turned toward rows drawn from N(0, C), C the across-input covariance of the layer's
        input features f (the directions a trained layer's weights come from), just far enough
        that white noise on f gains 0 dB against the across-input spread of f @ w.T; w as it is
        when it already does not amplify. The turn is found by bisection on the calibration batch."""
        f = f.flatten(1)
        fc = f - f.mean(0, keepdim=True)
        w = w.flatten(1)
        a = torch.randn(shape[0], fc.shape[0], generator=gen) @ fc
        a = a * (w.norm() / a.norm())
        power = float(f.pow(2).mean())

        def gain(t):
            v = math.cos(t) * w + math.sin(t) * a
            return power * float(v.pow(2).sum(1).mean()) / float((fc @ v.t()).pow(2).mean())

        if gain(0.0) <= 1.0:
            return w.view(shape)
        lo, hi = 0.0, math.pi / 2
        for _ in range(40):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if gain(mid) > 1.0 else (lo, mid)
        return (math.cos(hi) * w + math.sin(hi) * a).view(shape)

    def conv_head(m, inp, out):
        if head == 'neutral':
            m.weight.copy_(neutral(m.weight.shape, inp[0], m.weight))
            out = m._conv_forward(inp[0], m.weight, m.bias)
        return _center_scale(out, m, 1.0, 0.3, gen, inp[0])

    def classifier(m, inp, out):
        f = inp[0]
        w = torch.randn(m.weight.shape, generator=gen)
        if head == 'neutral':
            w = neutral(m.weight.shape, f, w)
        lo = f @ w.t()
        w.mul_(logit_std / float(lo.std(1).mean()))
        lo = f @ w.t()
        b = -lo.mean(0) + 0.5 * torch.randn(m.out_features, generator=gen)
        m.weight.copy_(w)
        m.bias.copy_(b)
        return torch.nn.functional.linear(f, m.weight, m.bias)

    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            hooks.append(m.register_forward_pre_hook(bn_pre))
        elif isinstance(m, SqueezeExcite):
            hooks.append(m.conv_reduce.register_forward_hook(se_reduce))
            hooks.append(m.conv_expand.register_forward_hook(se_expand))
    hooks.append(model.conv_head.register_forward_hook(conv_head))
    hooks.append(model.classifier.register_forward_hook(classifier))
    try:
        model(x)
    finally:
        for h in hooks:
            h.remove()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.num_batches_tracked.fill_(1)
    return nb


@torch.no_grad()
def check(model, x, quiet=False):
    """BN consistency (eval-mode output mean/std per channel vs beta/|gamma|) and logit spread."""
    model.eval()
    stats = []

    def bn_post(m, inp, out):
        mu = out.mean((0, 2, 3))
        sd = out.std((0, 2, 3))
        stats.append((float(((mu - m.bias) / m.weight.abs()).abs().mean()), float((sd / m.weight.abs()).mean())))

    hooks = [m.register_forward_hook(bn_post) for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    model(x)
    for h in hooks:
        h.remove()
    logits = model(x[:8])
    top1 = logits.argmax(1).tolist()
    rv = torch.cat([m.running_var for m in model.modules() if isinstance(m, nn.BatchNorm2d)])
    info = {
        'bn_layers': len(stats),
        # on fresh inputs, per layer: mean over channels of |mean - beta| / |gamma| (worst layer)
        # and of std / |gamma| (range over layers); ~0 and ~1 when the statistics are consistent
        'bn_worst_mean_dev_over_gamma': round(max(s[0] for s in stats), 4),
        'bn_std_over_gamma_range': [round(min(s[1] for s in stats), 4), round(max(s[1] for s in stats), 4)],
        'running_var_quantiles_1_50_99': [float('%.4g' % q) for q in torch.quantile(rv, torch.tensor([0.01, 0.5, 0.99]))],
        'logit_std_over_classes': round(float(logits.std(1).mean()), 3),
        'top1': top1,
        'distinct_top1': len(set(top1)),
    }
    if not quiet:
        print('check:', json.dumps(info))
    return info


def build(width, classes, size, seed, calib=256, logit_std=4.0, quiet=False, arch='v2', inputs=None, head='random'):
    """A calibrated synthetic network. inputs=(calibration batch, check batch) lets several networks
    share one set of inputs (tools/reference/large_set.py); by default both come from `seed`.
    head='neutral': conv_head and classifier that do not amplify noise (see the module doc)."""
    torch.manual_seed(seed)
    model = make_model(arch, classes, width)
    gen = torch.Generator().manual_seed(seed * 1000003 + 17)
    randomize(model, gen)
    t0 = time.time()
    if inputs is None:
        inputs = (torch.from_numpy(natural_images(calib, size, seed, STREAM_CALIB)),
                  torch.from_numpy(natural_images(32, size, seed, STREAM_CHECK)))
    x, xc = inputs
    t1 = time.time()
    nb = calibrate(model, x, gen, logit_std, head)
    t2 = time.time()
    if not quiet:
        print(f'calibration: {len(x)} images {size}x{size} ready in {t1 - t0:.1f}s, '
              f'{nb} BN layers set in one pass in {t2 - t1:.1f}s')
    info = check(model, xc, quiet)
    if info['distinct_top1'] < 2:
        raise SystemExit('logits have no spread: top-1 identical over 8 inputs')
    return model


# ----------------------------------------------------------------------------------------------
# official-format serialization
# ----------------------------------------------------------------------------------------------
# Module types thop (0.0.31.post2005 .. 0.1.x) has a counting rule for; only these lose the
# buffers again after profile(). nn.Sequential is included from thop's register_hooks
# (`nn.Sequential: zero_ops`): the released files have no `blocks.total_ops` etc.
THOP_RULE_TYPES = (nn.Conv2d, nn.BatchNorm2d, nn.ReLU, nn.ReLU6, nn.AdaptiveAvgPool2d,
                   nn.AvgPool2d, nn.Linear, nn.Dropout, nn.Sequential, nn.Upsample)


def official_tree(model):
    """Deep copy of the reference model with the official module tree: every GhostModuleV2 gets
    `gate_fn = nn.Sigmoid()` registered FIRST (as in the official __init__). Forward unchanged."""
    m2 = copy.deepcopy(model)
    for m in m2.modules():
        if isinstance(m, GhostModuleV2):
            items = list(m._modules.items())
            m._modules.clear()
            m._modules['gate_fn'] = nn.Sigmoid()
            for k, v in items:
                m._modules[k] = v
    return m2


def thop_state_dict(model):
    """state_dict with thop's surviving total_ops/total_params buffers, in natural order."""
    m2 = official_tree(model)
    for m in m2.modules():  # profile(): model.apply(add_hooks)
        m.register_buffer('total_ops', torch.zeros(1, dtype=torch.float64))
        m.register_buffer('total_params', torch.zeros(1, dtype=torch.float64))
    for m in m2.modules():  # ... then pops them from every module in handler_collection
        if isinstance(m, THOP_RULE_TYPES):
            m._buffers.pop('total_ops')
            m._buffers.pop('total_params')
    sd = m2.state_dict()
    base = [k for k in sd if not k.endswith(('total_ops', 'total_params'))]
    assert base == list(model.state_dict().keys()), 'non-thop key order changed'
    return sd


def count_thop(width=1.0):
    sd = thop_state_dict(GhostNetV2(1000, width))
    return sum(1 for k in sd if k.endswith(('total_ops', 'total_params')))


def wrap(sd, how):
    """how: comma list applied in order, e.g. 'module,state_dict'."""
    for w in [w for w in how.split(',') if w and w != 'none']:
        if w == 'module':  # what nn.DataParallel(model).state_dict() gives
            out = collections.OrderedDict(('module.' + k, v) for k, v in sd.items())
            meta = getattr(sd, '_metadata', None)
            if meta is not None:
                out._metadata = collections.OrderedDict()
                out._metadata[''] = {'version': 1}
                for k, v in meta.items():
                    out._metadata['module' + ('.' + k if k else '')] = v
            sd = out
        elif w in ('state_dict', 'model'):
            sd = {w: sd}
        else:
            raise SystemExit(f'unknown --wrap {w}')
    return sd


def write_safetensors(path, tensors, metadata=None, half=False):
    """Hand-written safetensors (like timm's files): u64 LE header length, JSON header padded with
    spaces to a multiple of 8, tensors F32 (F16 with half) little-endian, sorted by name (as the
    safetensors library orders them), metadata {'format': 'pt', ...} (string values)."""
    np_dtype, st_dtype = ('<f2', 'F16') if half else ('<f4', 'F32')
    names = sorted(tensors)
    header = collections.OrderedDict()
    header['__metadata__'] = dict({'format': 'pt'}, **(metadata or {}))
    blobs = []
    off = 0
    for n in names:
        a = np.ascontiguousarray(tensors[n].detach().cpu().float().numpy().astype(np_dtype))
        header[n] = {'dtype': st_dtype, 'shape': list(a.shape), 'data_offsets': [off, off + a.nbytes]}
        blobs.append(a.tobytes())
        off += a.nbytes
    h = json.dumps(header, separators=(',', ':')).encode('utf-8')
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    n = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop('__metadata__', {})
    base = 8 + n
    out = collections.OrderedDict()
    for k, v in header.items():
        dt = {'F32': '<f4', 'F16': '<f2'}[v['dtype']]
        b, e = v['data_offsets']
        out[k] = torch.from_numpy(np.frombuffer(data[base + b:base + e], dtype=dt).reshape(v['shape']).astype('<f4'))
    return out, meta


def load_any(path):
    if path.endswith('.safetensors'):
        return read_safetensors(path)[0]
    return torch.load(path, map_location='cpu')


def save_checkpoint(model, arch, out, *, width, classes, thop=False, wrap_how='none', layout='timm', half=False,
                    safetensors=None, meta=None):
    """Writes `model` as a checkpoint file (torch.save; thop entries, official V3 keys, wrappers as
    asked) and, with `safetensors`, also as safetensors; reads each file back through the
    reference loader and checks every tensor."""
    store = (lambda sd: type(sd)((k, v.half() if v.is_floating_point() else v) for k, v in sd.items())) if half else (lambda sd: sd)
    if thop:
        sd = thop_state_dict(model)
        n = sum(1 for k in sd if k.endswith(('total_ops', 'total_params')))
        print(f'thop entries: {n} (width {width}); at width 1.0 the rule gives {count_thop(1.0)}')
    else:
        sd = model.state_dict()
        if layout == 'official':
            sd = official_keys(sd)
    nparams = sum(p.numel() for p in model.parameters())
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    torch.save(wrap(store(sd), wrap_how), out)
    print(f'wrote {out}: {len(sd)} entries, {nparams} params, {os.path.getsize(out)} bytes, wrap={wrap_how}')

    # round trip through the reference loader
    ref = model.state_dict()
    chk = load_model(arch, torch.load(out, map_location='cpu'), width, classes)
    for k, v in chk.state_dict().items():
        assert torch.equal(v.float(), ref[k].float()), k

    if safetensors:
        st = collections.OrderedDict((k, v.float()) for k, v in ref.items() if not k.endswith('num_batches_tracked'))
        meta = dict(meta or {})
        head = {'arch': FAMILY[arch], 'width': repr(width), 'num_classes': str(classes), 'seed': meta.pop('seed', ''),
                'source': 'ghostnet-edge tools/reference/make_checkpoint.py'}
        write_safetensors(safetensors, st, {**head, **meta}, half=half)
        back, _ = read_safetensors(safetensors)
        assert list(sorted(back)) == list(sorted(st)) and all(torch.equal(back[k], st[k]) for k in st)
        print(f'wrote {safetensors}: {len(st)} tensors, {os.path.getsize(safetensors)} bytes')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--width', type=float, required=True)
    ap.add_argument('--classes', type=int, required=True)
    ap.add_argument('--size', type=int, required=True, help='input size for calibration')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', required=True)
    ap.add_argument('--thop', action='store_true', help="add thop's total_ops/total_params entries")
    ap.add_argument('--wrap', default='none', help='none | module | state_dict | model, comma-combinable '
                    '(module,state_dict = DataParallel keys inside {"state_dict": ...})')
    ap.add_argument('--safetensors', help='also write the weights (no thop, no num_batches_tracked) as safetensors')
    ap.add_argument('--calib', type=int, default=256, help='calibration images (one batch)')
    ap.add_argument('--logit-std', type=float, default=4.0)
    ap.add_argument('--init-from', help='take the weights from this checkpoint instead of generating them '
                    '(re-wrap / re-export the same weights)')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--count-thop', action='store_true', help='print the thop entry count at width 1.0 and exit')
    ap.add_argument('--arch', choices=ARCHS, default='v2')
    ap.add_argument('--form', choices=('train', 'deploy'), default='train', help='v3 only')
    ap.add_argument('--layout', choices=('timm', 'official'), default='timm', help='v3 only: branch BN keys bn1 (timm) or bn')
    ap.add_argument('--half', action='store_true', help='round weights to float16 and store float16')
    ap.add_argument('--head', choices=('random', 'neutral'), default='random', help='conv_head + classifier weights (module doc)')
    a = ap.parse_args()
    if a.arch != 'v3' and (a.form != 'train' or a.layout != 'timm'):
        raise SystemExit('--form/--layout apply to --arch v3 only')
    if a.thop and a.arch != 'v2':
        raise SystemExit('--thop reproduces the GhostNetV2 release files only')
    torch.set_num_threads(a.threads)

    if a.count_thop:
        print(f'thop entries at width 1.0: {count_thop(1.0)}')
        return

    t0 = time.time()
    if a.init_from:
        model = load_model(a.arch, load_any(a.init_from), a.width, a.classes)
    else:
        model = build(a.width, a.classes, a.size, a.seed, a.calib, a.logit_std, arch=a.arch, head=a.head)
    if a.half:
        round_to_half(model)
    if a.arch == 'v3' and a.form == 'deploy':
        model.reparameterize()
    elif a.arch == 'v3' and getattr(model.blocks[0][0], 'deployed', False):
        raise SystemExit('--form train needs training-time weights; --init-from holds re-parameterized ones')
    save_checkpoint(model, a.arch, a.out, width=a.width, classes=a.classes, thop=a.thop, wrap_how=a.wrap,
                    layout=a.layout, half=a.half, safetensors=a.safetensors,
                    meta={'seed': str(a.seed), **({'form': a.form} if a.arch == 'v3' else {})})
    print(f'done in {time.time() - t0:.1f}s')


if __name__ == '__main__':
    main()
