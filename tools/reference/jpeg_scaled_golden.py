#!/usr/bin/env python3
"""Goldens for DCT-scaled JPEG decoding at every M/8 (M = 1..8): SHA-256 of the RGB pixels that
Debian's own libjpeg-turbo decodes (`djpeg -scale M/8`, libjpeg-turbo-progs 2.1.5: the library
Pillow links, natively built with its x86 SIMD), for test/node/jpeg-scaled.test.ts.

Pillow's draft() offers only 1/1, 1/2, 1/4 and 1/8, so djpeg is the independent reference for the
other eighths. Defaults as in our decoder and Pillow: islow IDCT, fancy upsampling. Gray files are
expanded to three equal channels (our decoder outputs RGBA). CMYK files are left out (djpeg
cannot write them as PPM).

    python3 tools/reference/jpeg_scaled_golden.py > test/fixtures/jpeg/djpeg-scaled.json
"""
import glob
import hashlib
import json
import os
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
FIX = os.path.join(ROOT, 'test', 'fixtures')
FILES = sorted(glob.glob(os.path.join(FIX, 'jpeg', '*.jpg'))) + [
    os.path.join(FIX, 'photos', f)
    for f in ['china_palace_640x427.jpg', 'flower_640x427.jpg', 'raccoon_face_1024x768.jpg', 'grace_hopper_512x600.jpg',
              'video001_410_progressive_150x103.jpg', 'video005_gray_150x103.jpg']
]


def pnm(data):
    """(width, height, channels, pixel bytes) of a binary P5/P6 file with maxval 255."""
    fields, pos = [], 2
    magic = data[:2]
    while len(fields) < 3:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b'#':
            pos = data.index(b'\n', pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(int(data[pos:end]))
        pos = end
    w, h, maxval = fields
    assert maxval == 255 and magic in (b'P5', b'P6'), (magic, maxval)
    c = 3 if magic == b'P6' else 1
    px = data[pos + 1:pos + 1 + w * h * c]
    assert len(px) == w * h * c
    return w, h, c, px


def main():
    version = subprocess.run(['dpkg-query', '-W', '-f=${Version}', 'libjpeg-turbo-progs'], capture_output=True, text=True, check=True).stdout
    out = {'tool': f'djpeg (libjpeg-turbo-progs {version}) -scale M/8 -pnm; SHA-256 of RGB bytes (gray as 3 equal channels)', 'files': {}}
    for path in FILES:
        rel = os.path.relpath(path, FIX)
        entry = {}
        for m in range(1, 9):
            data = subprocess.run(['djpeg', '-scale', f'{m}/8', '-pnm', path], capture_output=True, check=True).stdout
            w, h, c, px = pnm(data)
            if c == 1:
                px = bytes(b for v in px for b in (v, v, v))
            entry[str(m)] = {'width': w, 'height': h, 'sha256': hashlib.sha256(px).hexdigest()}
        out['files'][rel] = entry
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
