"""WebP images for tools/bench/codecs.ts, made with Debian's Pillow from the photos in
test/fixtures/photos. Run by the bench when they are missing:

    /usr/bin/python3 tools/bench/codecs/images.py OUT_DIR

coffee_600x400_q80.webp is the bench:request WebP (the same settings as tools/bench/request_images.py);
coffee_rgba_600x400_q80.webp is the RGBA cut-out as a lossy WebP with an alpha plane.
"""
import os
import sys

from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..')
PHOTOS = os.path.join(ROOT, 'test', 'fixtures', 'photos')
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
coffee = Image.open(os.path.join(PHOTOS, 'coffee_600x400.png')).convert('RGB')
coffee.save(os.path.join(out, 'coffee_600x400_q80.webp'), format='WEBP', quality=80, method=4)
cut = Image.open(os.path.join(PHOTOS, 'coffee_rgba_cutout_600x400.png')).convert('RGBA')
cut.save(os.path.join(out, 'coffee_rgba_600x400_q80.webp'), format='WEBP', quality=80, method=4)
