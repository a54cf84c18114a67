"""Model inputs as Pillow + torchvision make them, for comparing our image pipeline against.

    /usr/bin/python3 tools/reference/pillow_inputs.py OUT.npy PREPROCESSING_JSON IMAGE...

Writes [N, S, S, 3] (the byte values 0..255, stored as float32 for tools/io/npy.ts): for each
image, the PIL image right before ToTensor in the timm/torchvision eval transform (the same
reference as preprocess_golden.py):

    img = ImageOps.exif_transpose(Image.open(path)).convert('RGB')
    [Grayscale(3)]  if preprocessing.grayscale
    Resize(int(S / crop_pct), interpolation) -> CenterCrop(S)

PREPROCESSING_JSON is a model header's `preprocessing` object (input_size, crop_pct,
interpolation, grayscale). Used by tools/eval/decode-fast.ts (DECODE=fast vs Pillow).
"""
import json
import sys

import numpy as np
from PIL import Image, ImageOps
from torchvision import transforms as T
from torchvision.transforms import InterpolationMode

INTERP = {'bilinear': InterpolationMode.BILINEAR, 'bicubic': InterpolationMode.BICUBIC}


def model_input(path, p):
    with Image.open(path) as im:
        img = ImageOps.exif_transpose(im).convert('RGB')
    steps = [T.Grayscale(num_output_channels=3)] if p.get('grayscale') else []
    size = p['input_size']
    steps += [T.Resize(int(size / p['crop_pct']), interpolation=INTERP[p['interpolation']]), T.CenterCrop(size)]
    arr = np.asarray(T.Compose(steps)(img), dtype=np.uint8)
    assert arr.shape == (size, size, 3), arr.shape
    return arr


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    out, p, images = argv[0], json.loads(argv[1]), argv[2:]
    np.save(out, np.stack([model_input(f, p) for f in images]).astype('<f4'), allow_pickle=False)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
