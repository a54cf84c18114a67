"""WebP decoder fixtures (test/node/webp.test.ts): small WebPs of every kind the Worker accepts —
lossy, lossy with an alpha plane (compressed and not), lossless, lossless with alpha — cut from the
real photos at odd sizes, written by Debian's Pillow, and the RGBA Pillow decodes from each (Pillow
links Debian's libwebp 1.2.4, the library native/webp builds; images without alpha get alpha 255).

    /usr/bin/python3 tools/reference/webp_fixtures.py test/fixtures/webp      # npm run fixtures:webp
"""
import json
import os
import sys

import numpy as np
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
PHOTOS = os.path.join(ROOT, 'test', 'fixtures', 'photos')
out = sys.argv[1]
os.makedirs(out, exist_ok=True)

rgb = Image.open(os.path.join(PHOTOS, 'coffee_600x400.png')).convert('RGB').crop((101, 57, 101 + 97, 57 + 61))
rgba = Image.open(os.path.join(PHOTOS, 'coffee_rgba_cutout_600x400.png')).convert('RGBA').crop((0, 0, 600, 400)).resize((99, 67), Image.BILINEAR)  # the cut-out's edge: alpha 0..255
cases = [
    ('lossy_q80', rgb, dict(quality=80, method=4)),
    ('lossy_q30_odd', rgb.crop((0, 0, 31, 17)), dict(quality=30)),
    ('lossy_alpha_q80', rgba, dict(quality=80, method=4)),
    ('lossy_alpha_uncompressed', rgba, dict(quality=80, alpha_quality=100, method=0)),
    ('lossless', rgb, dict(lossless=True)),
    ('lossless_alpha', rgba, dict(lossless=True, quality=100)),
]
manifest = []
for name, im, opts in cases:
    path = os.path.join(out, name + '.webp')
    im.save(path, format='WEBP', **opts)
    back = Image.open(path)
    np.save(os.path.join(out, name + '.rgba.npy'), np.asarray(back.convert('RGBA')))
    manifest.append({'file': name + '.webp', 'mode': back.mode, 'size': list(back.size), 'options': opts})
with open(os.path.join(out, 'manifest.json'), 'w') as f:
    json.dump({'generator': 'tools/reference/webp_fixtures.py', 'cases': manifest}, f, indent=1)
print(f'{len(manifest)} WebP fixtures in {out}')
