"""GhostNetV3 in PyTorch, written from the paper (Liu et al., 2024, arXiv 2404.11202) and the
module layout of timm's ghostnet.py (ghostnetv3_050/100/130/160) and the official
huawei-noah/Efficient-AI-Backbones ghostnetv3_pytorch/ghostnetv3.py.

GhostNetV3 is GhostNetV2's network trained with re-parameterizable branches. At training time
three convs are sums of branches, each with its own BatchNorm:
  * a Ghost module's primary 1x1 conv: 3 conv-BN branches (`primary_rpr_conv.{0,1,2}`);
  * its cheap depthwise 3x3: 3 conv-BN branches (`cheap_rpr_conv.*`), a depthwise 1x1 conv-BN
    (`cheap_rpr_scale`) and a BN on the identity (`cheap_rpr_skip`);
  * a stride-2 block's depthwise kxk: 3 conv-BN branches (`dw_rpr_conv.*`) and a depthwise 1x1
    stride-2 conv-BN (`dw_rpr_scale`); no identity (the stride changes the size).
`reparameterize()` folds every branch into one conv with a bias (RepVGG): conv-BN → kernel·γ/σ
and β − μγ/σ, the 1x1 kernel zero-padded to kxk at the centre, the identity BN as a centred
one-hot (diagonal) kernel. Afterwards the network is exactly GhostNetV2's: DFC attention in the
first Ghost module of every block from layer 2 on (timm's mode='shortcut'), the same SE, the same
shortcuts, stem and head. The deploy keys are timm's after `timm.utils.reparameterize_model`:
`primary_conv.0.{weight,bias}`, `cheap_operation.0.{weight,bias}`, `conv_dw.{weight,bias}`.

Key names are timm's (`ConvBnAct` → `.conv` / `.bn1`); the official code names the branch BN
`.bn` (timm's checkpoint_filter_fn renames it): official_keys() gives that layout.
Runs on Debian's python3-torch: /usr/bin/python3.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from ghostnetv2 import CFGS, ConvBnAct, SqueezeExcite, make_divisible

CONV_BRANCHES = 3


class ConvBn(nn.Module):
    """One re-parameterizable branch: conv (no bias) + BN, no activation (timm ConvBnAct, act_layer=None)."""

    def __init__(self, cin, cout, k, stride=1, groups=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.bn1(self.conv(x))


def _bn_scale(bn):
    std = (bn.running_var + bn.eps).sqrt()
    t = bn.weight / std
    return t, bn.bias - bn.running_mean * t


def fold(convs, scale=None, skip=None, k=1, groups=1):
    """Kernel and bias of the sum of branches: conv-BN `convs` (kxk), an optional 1x1 conv-BN
    `scale` (padded to kxk at the centre) and an optional BN on the identity `skip`."""
    kernel, bias = 0, 0
    for b in convs:
        t, b0 = _bn_scale(b.bn1)
        kernel = kernel + b.conv.weight * t.reshape(-1, 1, 1, 1)
        bias = bias + b0
    if scale is not None:
        t, b0 = _bn_scale(scale.bn1)
        p = k // 2
        kernel = kernel + F.pad(scale.conv.weight * t.reshape(-1, 1, 1, 1), [p, p, p, p])
        bias = bias + b0
    if skip is not None:
        c = skip.num_features
        per_group = c // groups
        ident = torch.zeros(c, per_group, k, k, dtype=skip.weight.dtype)
        for i in range(c):
            ident[i, i % per_group, k // 2, k // 2] = 1.0
        t, b0 = _bn_scale(skip)
        kernel = kernel + ident * t.reshape(-1, 1, 1, 1)
        bias = bias + b0
    return kernel.detach(), bias.detach()


def _conv_with(kernel, bias, stride, groups):
    kh, kw = kernel.shape[-2:]
    conv = nn.Conv2d(kernel.shape[1] * groups, kernel.shape[0], (kh, kw), stride, (kh // 2, kw // 2), groups=groups, bias=True)
    with torch.no_grad():
        conv.weight.copy_(kernel)
        conv.bias.copy_(bias)
    return conv


class GhostModuleV3(nn.Module):
    def __init__(self, inp, oup, relu=True, dfc=False, dw_size=3):
        super().__init__()
        self.oup = oup
        self.dfc = dfc
        self.relu = relu
        self.dw_size = dw_size
        self.deployed = False
        init = math.ceil(oup / 2)
        self.init = init
        # Registration order = timm's, so state_dict keys come in timm's order.
        self.primary_conv = nn.Identity()
        self.cheap_operation = nn.Identity()
        self.primary_rpr_conv = nn.ModuleList([ConvBn(inp, init, 1) for _ in range(CONV_BRANCHES)])
        self.cheap_rpr_skip = nn.BatchNorm2d(init)
        self.cheap_rpr_conv = nn.ModuleList([ConvBn(init, init, dw_size, groups=init) for _ in range(CONV_BRANCHES)])
        self.cheap_rpr_scale = ConvBn(init, init, 1, groups=init)
        if dfc:
            self.short_conv = nn.Sequential(
                nn.Conv2d(inp, oup, 1, 1, 0, bias=False),
                nn.BatchNorm2d(oup),
                nn.Conv2d(oup, oup, kernel_size=(1, 5), stride=1, padding=(0, 2), groups=oup, bias=False),
                nn.BatchNorm2d(oup),
                nn.Conv2d(oup, oup, kernel_size=(5, 1), stride=1, padding=(2, 0), groups=oup, bias=False),
                nn.BatchNorm2d(oup),
            )

    def _act(self, x):
        return F.relu(x) if self.relu else x

    def forward(self, x):
        if self.deployed:
            x1 = self.primary_conv(x)
            x2 = self.cheap_operation(x1)
        else:
            x1 = self._act(sum(b(x) for b in self.primary_rpr_conv))
            x2 = self.cheap_rpr_scale(x1) + self.cheap_rpr_skip(x1)
            for b in self.cheap_rpr_conv:
                x2 = x2 + b(x1)
            x2 = self._act(x2)
        out = torch.cat([x1, x2], dim=1)[:, :self.oup]
        if not self.dfc:
            return out
        gate = torch.sigmoid(self.short_conv(F.avg_pool2d(x, kernel_size=2, stride=2)))
        return out * F.interpolate(gate, size=out.shape[-2:], mode='nearest')

    def reparameterize(self):
        if self.deployed:
            return
        act = nn.ReLU(inplace=True) if self.relu else nn.Identity()
        k, b = fold(self.primary_rpr_conv)
        self.primary_conv = nn.Sequential(_conv_with(k, b, 1, 1), act)
        k, b = fold(self.cheap_rpr_conv, self.cheap_rpr_scale, self.cheap_rpr_skip, self.dw_size, self.init)
        self.cheap_operation = nn.Sequential(_conv_with(k, b, 1, self.init), act)
        del self.primary_rpr_conv, self.cheap_rpr_skip, self.cheap_rpr_conv, self.cheap_rpr_scale
        self.deployed = True


class GhostBottleneckV3(nn.Module):
    def __init__(self, in_chs, mid_chs, out_chs, dw_kernel_size=3, stride=1, se_ratio=0.0, layer_id=0):
        super().__init__()
        self.stride = stride
        self.k = dw_kernel_size
        self.mid = mid_chs
        self.deployed = False
        self.conv_dw = nn.Identity()
        self.ghost1 = GhostModuleV3(in_chs, mid_chs, relu=True, dfc=layer_id > 1)
        if stride > 1:
            self.dw_rpr_conv = nn.ModuleList([ConvBn(mid_chs, mid_chs, dw_kernel_size, stride, groups=mid_chs) for _ in range(CONV_BRANCHES)])
            self.dw_rpr_scale = ConvBn(mid_chs, mid_chs, 1, stride, groups=mid_chs)
        self.se = SqueezeExcite(mid_chs, se_ratio=se_ratio) if se_ratio and se_ratio > 0 else None
        self.ghost2 = GhostModuleV3(mid_chs, out_chs, relu=False, dfc=False)
        if in_chs == out_chs and stride == 1:
            self.shortcut = nn.Sequential()
        else:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_chs, in_chs, dw_kernel_size, stride=stride, padding=(dw_kernel_size - 1) // 2, groups=in_chs, bias=False),
                nn.BatchNorm2d(in_chs),
                nn.Conv2d(in_chs, out_chs, 1, stride=1, padding=0, bias=False),
                nn.BatchNorm2d(out_chs),
            )

    def forward(self, x):
        residual = x
        x = self.ghost1(x)
        if self.stride > 1:
            if self.deployed:
                x = self.conv_dw(x)
            else:
                y = self.dw_rpr_scale(x)
                for b in self.dw_rpr_conv:
                    y = y + b(x)
                x = y
        if self.se is not None:
            x = self.se(x)
        x = self.ghost2(x)
        return x + self.shortcut(residual)

    def reparameterize(self):
        if self.deployed or self.stride == 1:
            self.deployed = True
            return
        k, b = fold(self.dw_rpr_conv, self.dw_rpr_scale, None, self.k, self.mid)
        self.conv_dw = _conv_with(k, b, self.stride, self.mid)
        del self.dw_rpr_conv, self.dw_rpr_scale
        self.deployed = True


class GhostNetV3(nn.Module):
    def __init__(self, num_classes=1000, width=1.0, dropout=0.2, cfgs=CFGS):
        super().__init__()
        self.dropout = dropout
        out_c = make_divisible(16 * width, 4)
        self.conv_stem = nn.Conv2d(3, out_c, 3, 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_c)
        self.act1 = nn.ReLU(inplace=True)
        in_c = out_c
        stages = []
        layer_id = 0
        for cfg in cfgs:
            layers = []
            for k, exp_size, c, se_ratio, s in cfg:
                out_c = make_divisible(c * width, 4)
                hidden = make_divisible(exp_size * width, 4)
                layers.append(GhostBottleneckV3(in_c, hidden, out_c, k, s, se_ratio=se_ratio, layer_id=layer_id))
                in_c = out_c
                layer_id += 1
            stages.append(nn.Sequential(*layers))
        out_c = make_divisible(exp_size * width, 4)
        stages.append(nn.Sequential(ConvBnAct(in_c, out_c, 1)))
        self.blocks = nn.Sequential(*stages)
        self.global_pool = nn.AdaptiveAvgPool2d((1, 1))
        self.conv_head = nn.Conv2d(out_c, 1280, 1, 1, 0, bias=True)
        self.act2 = nn.ReLU(inplace=True)
        self.classifier = nn.Linear(1280, num_classes)

    def features(self, x):
        x = self.act1(self.bn1(self.conv_stem(x)))
        x = self.blocks(x)
        x = self.act2(self.conv_head(self.global_pool(x)))
        return x.flatten(1)

    def forward(self, x):
        x = self.features(x)
        if self.dropout > 0.0:
            x = F.dropout(x, p=self.dropout, training=self.training)
        return self.classifier(x)

    @torch.no_grad()
    def reparameterize(self):
        """In place, like timm.utils.reparameterize_model(model, inplace=True)."""
        for m in list(self.modules()):
            if isinstance(m, (GhostModuleV3, GhostBottleneckV3)):
                m.reparameterize()
        return self


def is_train_form(sd):
    return any('_rpr_' in k for k in sd)


def official_keys(sd):
    """timm's V3 keys → the official release's (branch BN named `bn`, not `bn1`)."""
    return type(sd)((k.replace('.bn1.', '.bn.') if '_rpr_' in k else k, v) for k, v in sd.items())


def timm_keys(sd):
    """The inverse of official_keys (what timm's checkpoint_filter_fn does)."""
    return type(sd)((k.replace('.bn.', '.bn1.') if '_rpr_' in k else k, v) for k, v in sd.items())


def load_v3(sd, width, classes):
    """A GhostNetV3 from a state_dict in any of the three layouts (timm train, official train, deploy)."""
    model = GhostNetV3(classes, width)
    sd = timm_keys(sd)
    if not is_train_form(sd):
        model.reparameterize()
    model.load_state_dict(sd, strict=True)
    return model.float().eval()
