"""GhostNetV2 (and, with dfc=False, GhostNetV1) in PyTorch, written from the paper (Han et al., NeurIPS 2022) and the
official code (huawei-noah/Efficient-AI-Backbones, ghostnetv2_pytorch/model/ghostnetv2_torch.py).

This is the golden reference for ghostnet-edge. Module names, and so the state_dict keys,
are the official ones, so an official checkpoint loads with load_state_dict(strict=True)
once the thop `total_ops`/`total_params` entries are dropped.
Runs on Debian's python3-torch: /usr/bin/python3.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# k, expansion, out channels, SE ratio, stride — one list per stage, as in the official cfgs.
CFGS = [
    [[3, 16, 16, 0, 1]],
    [[3, 48, 24, 0, 2]],
    [[3, 72, 24, 0, 1]],
    [[5, 72, 40, 0.25, 2]],
    [[5, 120, 40, 0.25, 1]],
    [[3, 240, 80, 0, 2]],
    [[3, 200, 80, 0, 1],
     [3, 184, 80, 0, 1],
     [3, 184, 80, 0, 1],
     [3, 480, 112, 0.25, 1],
     [3, 672, 112, 0.25, 1]],
    [[5, 672, 160, 0.25, 2]],
    [[5, 960, 160, 0, 1],
     [5, 960, 160, 0.25, 1],
     [5, 960, 160, 0, 1],
     [5, 960, 160, 0.25, 1]],
]


def make_divisible(v, divisor, min_value=None):
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def hard_sigmoid(x):
    return F.relu6(x + 3.0) / 6.0


class SqueezeExcite(nn.Module):
    def __init__(self, in_chs, se_ratio=0.25, divisor=4):
        super().__init__()
        reduced = make_divisible(in_chs * se_ratio, divisor)
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.conv_reduce = nn.Conv2d(in_chs, reduced, 1, bias=True)
        self.act1 = nn.ReLU(inplace=True)
        self.conv_expand = nn.Conv2d(reduced, in_chs, 1, bias=True)

    def forward(self, x):
        s = self.conv_expand(self.act1(self.conv_reduce(self.avg_pool(x))))
        return x * hard_sigmoid(s)


class ConvBnAct(nn.Module):
    def __init__(self, in_chs, out_chs, kernel_size, stride=1):
        super().__init__()
        self.conv = nn.Conv2d(in_chs, out_chs, kernel_size, stride, kernel_size // 2, bias=False)
        self.bn1 = nn.BatchNorm2d(out_chs)
        self.act1 = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.act1(self.bn1(self.conv(x)))


class GhostModuleV2(nn.Module):
    """Ghost module; mode 'attn' adds the DFC attention branch (short_conv)."""

    def __init__(self, inp, oup, kernel_size=1, ratio=2, dw_size=3, stride=1, relu=True, mode='original'):
        super().__init__()
        self.mode = mode
        self.oup = oup
        init_channels = math.ceil(oup / ratio)
        new_channels = init_channels * (ratio - 1)
        self.primary_conv = nn.Sequential(
            nn.Conv2d(inp, init_channels, kernel_size, stride, kernel_size // 2, bias=False),
            nn.BatchNorm2d(init_channels),
            nn.ReLU(inplace=True) if relu else nn.Sequential(),
        )
        self.cheap_operation = nn.Sequential(
            nn.Conv2d(init_channels, new_channels, dw_size, 1, dw_size // 2, groups=init_channels, bias=False),
            nn.BatchNorm2d(new_channels),
            nn.ReLU(inplace=True) if relu else nn.Sequential(),
        )
        if mode == 'attn':
            self.short_conv = nn.Sequential(
                nn.Conv2d(inp, oup, kernel_size, stride, kernel_size // 2, bias=False),
                nn.BatchNorm2d(oup),
                nn.Conv2d(oup, oup, kernel_size=(1, 5), stride=1, padding=(0, 2), groups=oup, bias=False),
                nn.BatchNorm2d(oup),
                nn.Conv2d(oup, oup, kernel_size=(5, 1), stride=1, padding=(2, 0), groups=oup, bias=False),
                nn.BatchNorm2d(oup),
            )

    def forward(self, x):
        x1 = self.primary_conv(x)
        x2 = self.cheap_operation(x1)
        out = torch.cat([x1, x2], dim=1)[:, :self.oup, :, :]
        if self.mode != 'attn':
            return out
        res = self.short_conv(F.avg_pool2d(x, kernel_size=2, stride=2))
        gate = torch.sigmoid(res)
        return out * F.interpolate(gate, size=(out.shape[-2], out.shape[-1]), mode='nearest')


class GhostBottleneckV2(nn.Module):
    def __init__(self, in_chs, mid_chs, out_chs, dw_kernel_size=3, stride=1, se_ratio=0.0, layer_id=0, dfc=True):
        super().__init__()
        self.stride = stride
        # GhostNetV1 (dfc=False) is this block without the DFC attention branch.
        self.ghost1 = GhostModuleV2(in_chs, mid_chs, relu=True, mode='attn' if dfc and layer_id > 1 else 'original')
        if stride > 1:
            self.conv_dw = nn.Conv2d(mid_chs, mid_chs, dw_kernel_size, stride=stride,
                                     padding=(dw_kernel_size - 1) // 2, groups=mid_chs, bias=False)
            self.bn_dw = nn.BatchNorm2d(mid_chs)
        self.se = SqueezeExcite(mid_chs, se_ratio=se_ratio) if se_ratio and se_ratio > 0 else None
        self.ghost2 = GhostModuleV2(mid_chs, out_chs, relu=False, mode='original')
        if in_chs == out_chs and stride == 1:
            self.shortcut = nn.Sequential()
        else:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_chs, in_chs, dw_kernel_size, stride=stride,
                          padding=(dw_kernel_size - 1) // 2, groups=in_chs, bias=False),
                nn.BatchNorm2d(in_chs),
                nn.Conv2d(in_chs, out_chs, 1, stride=1, padding=0, bias=False),
                nn.BatchNorm2d(out_chs),
            )

    def forward(self, x):
        residual = x
        x = self.ghost1(x)
        if self.stride > 1:
            x = self.bn_dw(self.conv_dw(x))
        if self.se is not None:
            x = self.se(x)
        x = self.ghost2(x)
        return x + self.shortcut(residual)


class GhostNetV2(nn.Module):
    """dfc=False builds GhostNetV1 (official ghostnet_pytorch/ghostnet.py, timm ghostnet_050/100/130):
    the same network and module names without any short_conv."""

    def __init__(self, num_classes=1000, width=1.0, dropout=0.2, cfgs=CFGS, dfc=True):
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
                layers.append(GhostBottleneckV2(in_c, hidden, out_c, k, s, se_ratio=se_ratio, layer_id=layer_id, dfc=dfc))
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
        """The 1280-d embedding after conv_head + ReLU."""
        x = self.act1(self.bn1(self.conv_stem(x)))
        x = self.blocks(x)
        x = self.act2(self.conv_head(self.global_pool(x)))
        return x.flatten(1)

    def forward(self, x):
        x = self.features(x)
        if self.dropout > 0.0:
            x = F.dropout(x, p=self.dropout, training=self.training)
        return self.classifier(x)


def clean_state_dict(sd):
    """Unwrap {'state_dict'|'model': ...}, strip 'module.' and drop thop's total_ops/total_params."""
    for k in ('state_dict', 'model'):
        if isinstance(sd, dict) and k in sd and isinstance(sd[k], dict):
            sd = sd[k]
    out = {}
    for k, v in sd.items():
        if k.startswith('module.'):
            k = k[len('module.'):]
        if 'total' in k:
            continue
        out[k] = v
    return out
