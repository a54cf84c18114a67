#!/usr/bin/python3
"""How much each conv+BN pair of a GhostNet amplifies white noise on its input (such as per-tensor
int8 rounding) relative to the signal, in dB:
    10 log10( E[x^2] * mean_c(gamma_c^2 |w_c|^2 / (running_var_c + eps)) / E[bn_out^2] )
0 dB for a layer that treats noise and signal alike (random weights on white inputs); negative
when the weights follow the signal (trained layers), positive when they favour directions the
signal lacks. Per layer, then the mean per kind (stem kxk, 1x1, depthwise, DFC branch).
The head has no BN: conv_head and the classifier get the same ratio against their (pre-ReLU)
output, 10 log10( E[x^2] * mean_c |w_c|^2 / E[y^2] ), and against the output's spread across the
inputs (y minus its mean over the inputs), which is all their biases leave of the signal.
    /usr/bin/python3 tools/reference/noise_gain.py v1|v2|v3 CHECKPOINT INPUTS [CLASSES] [WIDTH]
INPUTS: a normalized .npy [N,3,S,S], or the Fashion-MNIST cache .npz of tools/train (its first
test images, normalized as train_fashion_mnist.py does). N=count in the environment limits the
inputs; default 17.)"""
import sys, os, numpy as np, torch, torch.nn as nn
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from family import load_model
from make_checkpoint import load_any
torch.set_num_threads(1)
arch, ck, xs = sys.argv[1:4]
classes = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
width = float(sys.argv[5]) if len(sys.argv) > 5 else 1.0
m = load_model(arch, load_any(ck), width, classes)
if arch == 'v3':
    m.reparameterize()
count = int(os.environ.get('N', '17'))
if xs.endswith('.npz'):
    d = np.load(xs)
    mean, std = float((d['train_x'] / 255.0).mean()), float((d['train_x'] / 255.0).std())
    a = (d['test_x'][:count].astype(np.float32) / 255.0 - mean) / std
    x = torch.from_numpy(np.repeat(a[:, None], 3, 1).astype(np.float32))
else:
    x = torch.from_numpy(np.load(xs))[:count]
pairs = []  # (name, conv, bn)
mods = list(m.named_modules())
for i, (n, mod) in enumerate(mods):
    if isinstance(mod, nn.BatchNorm2d):
        # previous conv in module order
        for j in range(i - 1, -1, -1):
            if isinstance(mods[j][1], nn.Conv2d):
                pairs.append((mods[j][0], mods[j][1], mod)); break
rec = {}
hooks = []
for n, conv, bn in pairs:
    def pre(mod, inp, n=n): rec.setdefault(n, {})['px'] = float(inp[0].pow(2).mean())
    def post(mod, inp, out, n=n): rec.setdefault(n, {})['py'] = float(out.pow(2).mean())
    hooks.append(conv.register_forward_pre_hook(pre)); hooks.append(bn.register_forward_hook(post))
head = {}
for n in ('conv_head', 'classifier'):
    mod = getattr(m, n)
    def hpre(mod, inp, n=n): head.setdefault(n, {})['x'] = inp[0].flatten(1)
    def hpost(mod, inp, out, n=n): head.setdefault(n, {})['y'] = out.flatten(1).clone()  # before the in-place ReLU
    hooks.append(mod.register_forward_pre_hook(hpre)); hooks.append(mod.register_forward_hook(hpost))
with torch.no_grad():
    m(x)
tot = {}
for n, conv, bn in pairs:
    w2 = conv.weight.detach().flatten(1).pow(2).sum(1)
    g = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
    gain = rec[n]['px'] * float((g.pow(2) * w2).mean()) / rec[n]['py']
    kind = 'dw' if conv.groups > 1 else ('1x1' if conv.kernel_size == (1, 1) else 'kxk')
    if 'short_conv' in n: kind = 'dfc-' + kind
    tot.setdefault(kind, []).append(10 * np.log10(gain))
    print(f'{10*np.log10(gain):7.2f} dB  {kind:8s} {n}')
print('mean per kind:', {k: (round(float(np.mean(v)), 2), len(v)) for k, v in tot.items()})
for n, r in head.items():
    noise = float(r['x'].pow(2).mean()) * float(getattr(m, n).weight.detach().flatten(1).pow(2).sum(1).mean())
    spread = float((r['y'] - r['y'].mean(0)).pow(2).mean())
    print(f"{10*np.log10(noise / float(r['y'].pow(2).mean())):7.2f} dB  head     {n} "
          f"(against its spread across the inputs: {10*np.log10(noise / spread):+.2f} dB)")
