"""Large-image fixtures for the decode memory budget and DCT-scaled decoding (worker/image/budget.ts).

Run with Debian's Python (python3-pil 9.4, python3-torchvision 0.14):

    /usr/bin/python3 tools/reference/large_fixtures.py

Writes test/fixtures/large/ (see NOTE.md there). The images are generated, not photographs, so
that 40 megapixels compress to a few hundred KB:

  rings_7745x5161.jpg               40.0 Mpx baseline JPEG (4:2:0, q70): a colour gradient with
                                    slow concentric rings, so the resize has structure to get
                                    wrong. 7745 and 5161 are 1 more than a multiple of 8, so every
                                    DCT scale leaves a partial last column and row (the fractional
                                    resize box matters).
  gradient_7745x5161_progressive.jpg the same size, progressive: its coefficient buffer alone is
                                    ~115 MiB, so it must be refused before decoding.
  flat_6000x4000.png, flat_6000x4000_lossless.webp
                                    24 Mpx, one colour (tiny files): under MAX_PIXELS, over the
                                    decode memory budget.
  golden/                           Pillow/torchvision references, listed in golden/manifest.json:
    kind "full":  Image.open -> transpose for the EXIF orientation -> convert('RGB' or 'L')
                  -> Resize(int(S / crop_pct)) -> CenterCrop(S), as uint8 HWC [S, S, 3]
                  (the same transform as preprocess_golden.py, on the full-size decode);
    kind "draft": the same with Image.draft('RGB', (W // k, H // k)) first (libjpeg's DCT scaling
                  by k, as our decoder does) and the resize over the fractional box
                  (0, 0, W / k, H / k) -- what our pipeline computes, so it must match exactly.
"""
import io
import json
import os

import numpy as np
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import InterpolationMode

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'large')
GOLD = os.path.join(OUT, 'golden')
PHOTOS = os.path.join(ROOT, 'test', 'fixtures', 'photos')
W, H = 7745, 5161
INTERP = {'bilinear': Image.BILINEAR, 'bicubic': Image.BICUBIC}
TRANSPOSE = {1: None, 3: Image.ROTATE_180, 6: Image.ROTATE_270, 8: Image.ROTATE_90}


def rings():
    y = np.arange(H, dtype=np.float32)[:, None]
    x = np.arange(W, dtype=np.float32)[None, :]
    r = np.sqrt((x - 0.37 * W) ** 2 + (y - 0.58 * H) ** 2)
    ring = np.cos(r * (2 * np.pi / 640.0))
    red = 40 + 170 * x / W + 40 * ring
    green = 60 + 150 * y / H - 40 * ring
    blue = 200 - 120 * (x / W) * (y / H) + 25 * np.sin(r * (2 * np.pi / 1500.0))
    return Image.fromarray(np.clip(np.stack([red, green, blue], -1) + 0.5, 0, 255).astype(np.uint8))


def gradient():
    y = np.linspace(0, 1, H, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, W, dtype=np.float32)[None, :]
    rgb = np.stack([40 + 170 * x + 0 * y, 60 + 150 * y + 0 * x, 200 - 120 * x * y], -1)
    return Image.fromarray(np.clip(rgb + 0.5, 0, 255).astype(np.uint8))


def resize_crop(img, size, crop_pct, interp, full_size=None, box=None):
    """torchvision Resize(int(size / crop_pct)) + CenterCrop(size); sizes from `full_size` (the
    file's size) when img is a draft, resized over `box`."""
    scale = int(size / crop_pct)
    w, h = full_size or img.size
    ow, oh = (scale, int(scale * h / w)) if w <= h else (int(scale * w / h), scale)
    r = img.resize((ow, oh), INTERP[interp], box=box)
    return np.asarray(T.CenterCrop(size)(r), dtype=np.uint8)


def golden(entries, source, *, size, crop_pct, interp, gray=False, orientation=1, draft=None):
    path = os.path.join(ROOT, source)
    im = Image.open(path)
    if draft:
        fw, fh = im.size
        im.draft('RGB', (fw // draft, fh // draft))
        assert im.size == (-(-fw // draft), -(-fh // draft)), im.size
        box = (0, 0, fw / draft, fh / draft)
        full = (fw, fh)
        assert orientation == 1
    else:
        box, full = None, None
    im = im.convert('RGB')
    if TRANSPOSE[orientation] is not None:
        im = im.transpose(TRANSPOSE[orientation])
    if gray:
        im = im.convert('L')
    arr = resize_crop(im, size, crop_pct, interp, full, box)
    if gray:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    name = f'{os.path.basename(source)}.{size}{"gray" if gray else ""}.{interp}.o{orientation}{f".draft{draft}" if draft else ""}.u8.npy'
    np.save(os.path.join(GOLD, name), np.ascontiguousarray(arr), allow_pickle=False)
    entries.append({
        'kind': 'draft' if draft else 'full',
        'source': source,
        'golden': name,
        'orientation': orientation,
        'scale': draft or 1,
        'preprocessing': {'input_size': size, 'crop_pct': crop_pct, 'interpolation': interp,
                          'mean': [0.485, 0.456, 0.406], 'std': [0.229, 0.224, 0.225], 'grayscale': gray},
    })
    print(name)


def main():
    os.makedirs(GOLD, exist_ok=True)
    rings().save(os.path.join(OUT, 'rings_7745x5161.jpg'), quality=70, optimize=True)
    gradient().save(os.path.join(OUT, 'gradient_7745x5161_progressive.jpg'), quality=75, progressive=True)
    flat = Image.new('RGB', (6000, 4000), (90, 140, 200))
    flat.save(os.path.join(OUT, 'flat_6000x4000.png'), compress_level=9)
    flat.save(os.path.join(OUT, 'flat_6000x4000_lossless.webp'), lossless=True)

    entries = []
    big = 'test/fixtures/large/rings_7745x5161.jpg'
    for o in (1, 3, 6, 8):
        golden(entries, big, size=224, crop_pct=0.875, interp='bilinear', orientation=o)
    golden(entries, big, size=224, crop_pct=0.875, interp='bilinear', draft=4)
    golden(entries, big, size=64, crop_pct=1.0, interp='bilinear', gray=True)
    golden(entries, big, size=64, crop_pct=1.0, interp='bilinear', gray=True, draft=8)
    dand = 'test/fixtures/photos/dandelions_5312x2988.jpg'
    for interp in ('bilinear', 'bicubic'):
        golden(entries, dand, size=224, crop_pct=0.875, interp=interp, draft=2)
    golden(entries, dand, size=64, crop_pct=1.0, interp='bilinear', gray=True)
    golden(entries, dand, size=64, crop_pct=1.0, interp='bilinear', gray=True, draft=8)
    with open(os.path.join(GOLD, 'manifest.json'), 'w') as f:
        json.dump({'generator': 'tools/reference/large_fixtures.py', 'entries': entries}, f, indent=1)
        f.write('\n')
    for name in sorted(os.listdir(OUT)):
        p = os.path.join(OUT, name)
        if os.path.isfile(p):
            print(f'{name}: {os.path.getsize(p)} bytes')


if __name__ == '__main__':
    main()
