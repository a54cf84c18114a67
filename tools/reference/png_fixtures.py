"""PNG decoder fixtures (test/node/png.test.ts): small PNGs of every colour type, bit depth and
filter, interlaced or not, with tRNS, written by this script's own encoder (zlib + struct, every
row's filter chosen in turn: None, Sub, Up, Average, Paeth), and the RGBA each must decode to,
computed here from the samples (16-bit samples keep their high byte, 1/2/4-bit gray is scaled to
8 bits, tRNS gives alpha 0). Debian's Pillow reads every file back and must agree on the RGB (the
16-bit gray file excepted: Pillow clips it, see worker/image/README.md), so the encoder is checked
against an independent decoder.

    /usr/bin/python3 tools/reference/png_fixtures.py test/fixtures/png      # npm run fixtures:png
"""
import json
import os
import struct
import sys
import zlib

import numpy as np
from PIL import Image

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(20261207)
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)


def pack_row(samples, depth):
    """One row of samples (ints) to bytes at `depth` bits, big-endian, MSB first."""
    if depth == 16:
        return b''.join(struct.pack('>H', int(v)) for v in samples)
    if depth == 8:
        return bytes(int(v) for v in samples)
    per = 8 // depth
    b = bytearray((len(samples) + per - 1) // per)
    for i, v in enumerate(samples):
        b[i // per] |= int(v) << (8 - depth * (i % per + 1))
    return bytes(b)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def filter_row(kind, row, prev, bpp):
    out = bytearray(len(row))
    for i in range(len(row)):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
        out[i] = (row[i] - pred) & 0xFF
    return bytes([kind]) + bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def encode(samples, ct, depth, interlace, extra=b'', plte=None, filter_start=0):
    h, w = samples.shape[:2]
    ch = CHANNELS[ct]
    bpp = max(1, ch * depth // 8)
    flat = samples.reshape(h, w * ch)
    raw = bytearray()
    k = filter_start

    def rows(img):
        nonlocal k
        prev = bytes(len(pack_row(img[0], depth))) if len(img) else b''
        for r in img:
            packed = pack_row(r, depth)
            raw.extend(filter_row(k % 5, packed, prev, bpp))
            k += 1
            prev = packed

    if interlace:
        for x0, y0, dx, dy in ADAM7:
            sub = samples[y0::dy, x0::dx]
            if sub.shape[0] and sub.shape[1]:
                rows(sub.reshape(sub.shape[0], sub.shape[1] * ch))
    else:
        rows(flat)
    ihdr = struct.pack('>IIBBBBB', w, h, depth, ct, 0, 0, 1 if interlace else 0)
    data = zlib.compress(bytes(raw), 9)
    # Split the stream over several IDAT chunks (the decoder must join them).
    idats = b''.join(chunk(b'IDAT', data[i:i + 500]) for i in range(0, len(data), 500))
    pl = chunk(b'PLTE', plte) if plte is not None else b''
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + pl + extra + idats + chunk(b'IEND', b'')


def expected_rgba(samples, ct, depth, trns=None, palette=None, palette_alpha=None):
    h, w = samples.shape[:2]
    s = samples.astype(np.int64)
    rgba = np.zeros((h, w, 4), np.uint8)
    eight = (s >> 8) if depth == 16 else (s * (255 // ((1 << depth) - 1)) if ct in (0, 4) else s)
    if ct == 0:
        rgba[..., :3] = eight[..., 0:1]
        rgba[..., 3] = 255 if trns is None else np.where(s[..., 0] == trns[0], 0, 255)
    elif ct == 2:
        rgba[..., :3] = eight
        rgba[..., 3] = 255 if trns is None else np.where(np.all(s == np.array(trns), axis=-1), 0, 255)
    elif ct == 3:
        table = np.array([(i, i, i, 255) for i in range(256)], np.uint8)  # entries past PLTE: Pillow's gray ramp
        table[:len(palette), :3] = palette
        if palette_alpha is not None:
            table[:len(palette_alpha), 3] = palette_alpha
        rgba[...] = table[s[..., 0]]
    elif ct == 4:
        rgba[..., :3] = eight[..., 0:1]
        rgba[..., 3] = eight[..., 1]
    else:
        rgba[...] = eight
    return rgba


cases = []


def case(name, ct, depth, w=37, h=23, interlace=False, trns=False, pal_entries=None, index_past_plte=False):
    hi = (1 << depth) - 1
    ch = CHANNELS[ct]
    extra = b''
    plte = palette = palette_alpha = tr = None
    if ct == 3:
        n = pal_entries or (1 << depth)
        palette = rng.integers(0, 256, (n, 3), dtype=np.uint8)
        plte = palette.tobytes()
        samples = rng.integers(0, min(n, hi + 1) if not index_past_plte else hi + 1, (h, w, 1))
        if trns:
            palette_alpha = rng.integers(0, 256, max(1, n // 2), dtype=np.uint8)
            extra = chunk(b'tRNS', palette_alpha.tobytes())
    else:
        # Smooth gradients plus noise: the filters see real neighbours, not only noise.
        yy, xx = np.mgrid[0:h, 0:w]
        base = (xx * hi // max(1, w - 1) + yy * hi // max(1, h - 1)) // 2
        samples = np.stack([(base + rng.integers(0, max(2, hi // 8), (h, w)) * (c + 1)) % (hi + 1) for c in range(ch)], -1)
        if trns:
            tr = [int(v) for v in samples[h // 2, w // 2, :3 if ct == 2 else 1]]
            extra = chunk(b'tRNS', b''.join(struct.pack('>H', v) for v in tr))
    png = encode(samples, ct, depth, interlace, extra, plte, filter_start=len(cases))
    rgba = expected_rgba(samples, ct, depth, tr, palette, palette_alpha)
    with open(os.path.join(out, name + '.png'), 'wb') as f:
        f.write(png)
    np.save(os.path.join(out, name + '.rgba.npy'), rgba)
    # Pillow reads the same RGB (16-bit gray: Pillow clips mode I to 255 instead, our documented divergence).
    if not (ct in (0, 4) and depth == 16):
        im = Image.open(os.path.join(out, name + '.png')).convert('RGB')
        assert np.array_equal(np.asarray(im), rgba[..., :3]), name
    cases.append({'file': name + '.png', 'color_type': ct, 'depth': depth, 'interlaced': interlace, 'trns': trns})


for d in (1, 2, 4, 8, 16):
    case(f'gray{d}', 0, d)
case('gray8_trns', 0, 8, trns=True)
case('gray16_trns', 0, 16, trns=True)
case('rgb8', 2, 8)
case('rgb8_wide', 2, 8, w=203, h=9)
case('rgb8_trns', 2, 8, trns=True)
case('rgb16', 2, 16)
case('rgb16_trns', 2, 16, trns=True)
for d in (1, 2, 4, 8):
    case(f'palette{d}', 3, d)
case('palette8_trns', 3, 8, trns=True)
case('palette4_short_plte', 3, 4, pal_entries=5, index_past_plte=True)
case('gray_alpha8', 4, 8)
case('gray_alpha16', 4, 16)
case('rgba8', 6, 8)
case('rgba16', 6, 16)
for name, ct, d in (('rgb8', 2, 8), ('rgba8', 6, 8), ('gray1', 0, 1), ('palette4', 3, 4), ('rgba16', 6, 16), ('gray_alpha8', 4, 8)):
    case(f'{name}_interlaced', ct, d, interlace=True)
case('rgb8_1x1_interlaced', 2, 8, w=1, h=1, interlace=True)
case('rgb8_3x2_interlaced', 2, 8, w=3, h=2, interlace=True)
case('rgb8_1x5', 2, 8, w=1, h=5)
with open(os.path.join(out, 'manifest.json'), 'w') as f:
    json.dump({'generator': 'tools/reference/png_fixtures.py', 'cases': cases}, f, indent=1)
print(f'{len(cases)} PNG fixtures in {out}')
