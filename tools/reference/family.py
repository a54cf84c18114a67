"""The GhostNet family in one place for the reference scripts: build and load V1, V2 and V3.

  v1  GhostNetV1 (official ghostnet_pytorch, timm ghostnet_050/100/130): GhostNetV2 without DFC
  v2  GhostNetV2 (official ghostnetv2_pytorch, timm ghostnetv2_*)
  v3  GhostNetV3 (timm ghostnetv3_*, official ghostnetv3_pytorch), training-time or deploy form
"""
import torch

from ghostnetv2 import GhostNetV2, clean_state_dict
from ghostnetv3 import GhostNetV3, load_v3

ARCHS = ('v1', 'v2', 'v3')
FAMILY = {'v1': 'ghostnetv1', 'v2': 'ghostnetv2', 'v3': 'ghostnetv3'}


def make_model(arch, classes, width):
    if arch == 'v1':
        return GhostNetV2(classes, width, dfc=False)
    if arch == 'v2':
        return GhostNetV2(classes, width)
    if arch == 'v3':
        return GhostNetV3(classes, width)
    raise SystemExit(f'unknown arch {arch!r} (v1, v2, v3)')


def load_model(arch, sd, width, classes):
    """Eval-mode float32 model from a raw checkpoint object (wrappers, module., thop dropped)."""
    sd = clean_state_dict(sd)
    if arch == 'v3':
        return load_v3(sd, width, classes)
    model = make_model(arch, classes, width)
    model.load_state_dict(sd, strict=True)
    return model.float().eval()


def round_to_half(model):
    """Rounds every float parameter and buffer to float16 and back, in place, so that a checkpoint
    stored as float16 holds exactly the weights the reference outputs are computed with."""
    with torch.no_grad():
        for t in list(model.parameters()) + list(model.buffers()):
            if t.is_floating_point():
                t.copy_(t.half().float())
    return model
