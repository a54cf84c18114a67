"""Golden values for the image pipeline (worker/image), from Pillow + torchvision.

Run with Debian's Python (python3-pil 9.4, python3-torchvision 0.14):

    /usr/bin/python3 tools/reference/preprocess_golden.py

Writes test/fixtures/preprocess-golden/:
  manifest.json             what each golden is and how it was made (the test iterates it)
  <photo>.<size>[.<interp>].u8.npy
                            uint8 HWC [S, S, 3]: the PIL image right after Resize + CenterCrop,
                            i.e. the input of ToTensor. Storing bytes instead of float tensors
                            keeps each file at S*S*3 bytes (150 KB at 224) and lets the test
                            check the resize bit-for-bit; ToTensor + Normalize are checked
                            separately on the float goldens below.
  <photo>.gray<size>.f32.npy
                            float32 CHW [3, S, S]: the full transform with Grayscale(3),
                            ToTensor and Normalize (ImageNet mean/std).
  synthetic/                small generated inputs for decode paths the photos do not cover
                            (all 8 EXIF orientations, PNG eXIf, lossy WebP with EXIF, CMYK
                            without an Adobe marker, 16-bit gray, gray+alpha, palette+tRNS),
                            each with a uint8 HWC golden of the decoded, upright RGB image.

The reference pipeline is the timm/torchvision eval transform on a PIL image:
    img = ImageOps.exif_transpose(Image.open(path)).convert('RGB')
    Resize(int(S / crop_pct), interpolation) -> CenterCrop(S) [-> ToTensor -> Normalize]
"""
import io
import json
import os
import sys

import numpy as np
from PIL import Image, ImageOps
import torchvision
from torchvision import transforms as T
from torchvision.transforms import InterpolationMode

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
FIX = os.path.join(ROOT, 'test', 'fixtures')
OUT = os.path.join(FIX, 'preprocess-golden')
SYN = os.path.join(OUT, 'synthetic')
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
INTERP = {'bilinear': InterpolationMode.BILINEAR, 'bicubic': InterpolationMode.BICUBIC}


def load_rgb(path):
    with Image.open(path) as im:
        return ImageOps.exif_transpose(im).convert('RGB')


def resize_crop(img, size, crop_pct, interp):
    return T.Compose([T.Resize(int(size / crop_pct), interpolation=INTERP[interp]), T.CenterCrop(size)])(img)


def write_npy(name, arr):
    np.save(os.path.join(OUT, name), np.ascontiguousarray(arr), allow_pickle=False)
    return name


def preprocess_entry(rel, size, crop_pct, interp, grayscale=False):
    img = load_rgb(os.path.join(FIX, rel))
    # Goldens of generated inputs sit next to them in synthetic/; the others at the top level.
    base = rel[len('preprocess-golden/'):] if rel.startswith('preprocess-golden/') else os.path.basename(rel)
    pre = {'input_size': size, 'crop_pct': crop_pct, 'interpolation': interp, 'mean': MEAN, 'std': STD, 'grayscale': grayscale}
    if grayscale:
        t = T.Compose([
            T.Grayscale(num_output_channels=3),
            T.Resize(int(size / crop_pct), interpolation=INTERP[interp]),
            T.CenterCrop(size),
            T.ToTensor(),
            T.Normalize(MEAN, STD),
        ])(img)
        golden = write_npy(f'{base}.gray{size}.f32.npy', t.numpy().astype('<f4'))
        dtype = 'float32_chw'
    else:
        arr = np.asarray(resize_crop(img, size, crop_pct, interp), dtype=np.uint8)
        assert arr.shape == (size, size, 3), arr.shape
        suffix = '' if interp == 'bilinear' else f'.{interp}'
        golden = write_npy(f'{base}.{size}{suffix}.u8.npy', arr)
        dtype = 'uint8_hwc'
    return {'kind': 'preprocess', 'source': rel, 'preprocessing': pre, 'golden': golden, 'dtype': dtype,
            'upright_size': list(img.size)}


def save_decode_golden(rel_src, arr, note):
    name = os.path.join('synthetic', os.path.basename(rel_src) + '.rgb.u8.npy')
    write_npy(name, arr)
    return {'kind': 'decode', 'source': os.path.join('preprocess-golden', rel_src), 'golden': name, 'dtype': 'uint8_hwc', 'note': note}


def exif_with_orientation(o):
    ex = Image.Exif()
    ex[0x0112] = o
    return ex.tobytes()


def synthetic_entries():
    os.makedirs(SYN, exist_ok=True)
    entries = []
    src = load_rgb(os.path.join(FIX, 'photos', 'grace_hopper_512x600.jpg')).resize((60, 44), Image.BILINEAR)

    def reference(path):
        return np.asarray(load_rgb(path), dtype=np.uint8)

    # All eight EXIF orientations on a JPEG (the stored pixels are the same; only the tag differs).
    for o in range(1, 9):
        rel = f'synthetic/orient{o}.jpg'
        src.save(os.path.join(OUT, rel), 'JPEG', quality=90, exif=exif_with_orientation(o))
        entries.append(save_decode_golden(rel, reference(os.path.join(OUT, rel)), f'JPEG, EXIF orientation {o}, exif_transpose'))
        e = preprocess_entry(os.path.join('preprocess-golden', rel), 32, 0.875, 'bilinear')
        e['note'] = f'orientation {o} through preprocess'
        entries.append(e)

    # Orientation from a PNG eXIf chunk and from a WebP EXIF chunk (lossy VP8 inside VP8X).
    rel = 'synthetic/orient6.png'
    src.save(os.path.join(OUT, rel), 'PNG', exif=exif_with_orientation(6))
    entries.append(save_decode_golden(rel, reference(os.path.join(OUT, rel)), 'PNG eXIf orientation 6'))
    rel = 'synthetic/orient6_lossy.webp'
    src.save(os.path.join(OUT, rel), 'WEBP', quality=80, exif=exif_with_orientation(6))
    entries.append(save_decode_golden(rel, reference(os.path.join(OUT, rel)), 'lossy WebP with EXIF orientation 6'))

    # CMYK JPEG without an Adobe APP14 marker: Pillow still reads it as inverted CMYK.
    buf = io.BytesIO()
    src.convert('CMYK').save(buf, 'JPEG', quality=92)
    data = buf.getvalue()
    i = data.find(b'\xff\xee')
    assert i > 0, 'libjpeg should have written an Adobe marker'
    seg_len = int.from_bytes(data[i + 2:i + 4], 'big')
    stripped = data[:i] + data[i + 2 + seg_len:]
    rel = 'synthetic/cmyk_no_adobe.jpg'
    with open(os.path.join(OUT, rel), 'wb') as f:
        f.write(stripped)
    entries.append(save_decode_golden(rel, reference(os.path.join(OUT, rel)), 'CMYK JPEG without Adobe marker'))

    # 16-bit grayscale PNG. Pillow opens it as mode "I" and convert('RGB') CLIPS the 16-bit values
    # to 255 (an all-white image). We deliberately keep the high byte instead (what Pillow does for
    # 16-bit RGB); the golden encodes our choice, not Pillow's, and the manifest says so.
    g = (np.add.outer(np.arange(44) * 1400, np.arange(60) * 300) % 65536).astype(np.uint16)
    rel = 'synthetic/gray16.png'
    Image.fromarray(g).save(os.path.join(OUT, rel), 'PNG')
    hi = (g >> 8).astype(np.uint8)
    e = save_decode_golden(rel, np.stack([hi, hi, hi], axis=-1), 'DIVERGES from Pillow on purpose: high byte, not Pillow\'s clip to 255')
    e['pillow_differs'] = True
    entries.append(e)

    # Gray + alpha (LA) and palette with transparency: convert('RGB') drops alpha.
    rel = 'synthetic/gray_alpha.png'
    la = Image.merge('LA', (src.convert('L'), Image.fromarray((np.arange(44 * 60) % 256).astype(np.uint8).reshape(44, 60))))
    la.save(os.path.join(OUT, rel), 'PNG')
    entries.append(save_decode_golden(rel, reference(os.path.join(OUT, rel)), 'PNG gray+alpha, alpha dropped'))
    rel = 'synthetic/palette_trns.png'
    p = src.convert('P', palette=Image.ADAPTIVE, colors=64)
    p.info['transparency'] = 0
    p.save(os.path.join(OUT, rel), 'PNG', transparency=0)
    entries.append(save_decode_golden(rel, reference(os.path.join(OUT, rel)), 'PNG palette with tRNS, alpha dropped'))
    return entries


def main():
    os.makedirs(OUT, exist_ok=True)
    photos = json.load(open(os.path.join(FIX, 'photos', 'manifest.json')))
    hostile = json.load(open(os.path.join(FIX, 'hostile', 'manifest.json')))
    entries = []
    for p in photos:
        entries.append(preprocess_entry(os.path.join('photos', p['file']), 224, 0.875, 'bilinear'))
    entries.append(preprocess_entry('photos/flower_640x427.jpg', 224, 0.875, 'bicubic'))
    entries.append(preprocess_entry('photos/dandelions_5312x2988.jpg', 224, 0.875, 'bicubic'))
    for rel in ('photos/chelsea_cat_451x300.png', 'photos/camera_gray_512x512.png', 'photos/grace_hopper_exif_orient6_600x512.jpg'):
        entries.append(preprocess_entry(rel, 64, 1.0, 'bilinear', grayscale=True))
    for h in hostile:
        if h['expected_status'] == 200 and os.path.exists(os.path.join(FIX, 'hostile', h['file'])):
            entries.append(preprocess_entry(os.path.join('hostile', h['file']), 64, 0.875, 'bilinear'))
    entries += synthetic_entries()
    manifest = {
        'generated_by': 'tools/reference/preprocess_golden.py',
        'pillow': Image.__version__,
        'torchvision': torchvision.__version__,
        'numpy': np.__version__,
        'reference': "ImageOps.exif_transpose(Image.open(f)).convert('RGB') -> Resize(int(S/crop_pct)) -> CenterCrop(S) [-> ToTensor -> Normalize]",
        'entries': entries,
    }
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')
    total = sum(os.path.getsize(os.path.join(dp, n)) for dp, _, ns in os.walk(OUT) for n in ns)
    print(f'{len(entries)} entries, {total / 1024:.0f} KiB in {os.path.relpath(OUT, ROOT)}', file=sys.stderr)


if __name__ == '__main__':
    main()
