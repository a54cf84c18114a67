"""Images for tools/bench/jpeg.ts, made with Debian's Pillow from the real photos in test/fixtures/photos
(the same files as /work/shared/data/photos). Run by the bench when they are missing:

    /usr/bin/python3 tools/bench/jpeg/images.py OUT_DIR

The issue's set (#10): a 640x427 baseline 4:2:0 JPEG, a 1024x768 JPEG, a 4:4:4 JPEG, a
progressive JPEG, a 12 Mpx baseline phone photo, a PNG and a WebP (here also at 640x427, so the
formats compare at one size).
"""
import os
import sys

from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..')
PHOTOS = os.path.join(ROOT, 'test', 'fixtures', 'photos')
out = sys.argv[1]
os.makedirs(out, exist_ok=True)

china = Image.open(os.path.join(PHOTOS, 'china_palace_640x427.jpg')).convert('RGB')
# Pillow's defaults for quality < 95 are 4:2:0 and baseline, like most cameras and web JPEGs.
china.save(os.path.join(out, 'china_420_q90_640x427.jpg'), quality=90, subsampling='4:2:0')
china.save(os.path.join(out, 'china_420_q90_progressive_640x427.jpg'), quality=90, subsampling='4:2:0', progressive=True)
china.save(os.path.join(out, 'china_640x427.png'))
china.save(os.path.join(out, 'china_q80_640x427.webp'), quality=80)
# A 12 Mpx phone photo: the 15.9 Mpx dandelions photo cut to 4:3 (3984x2988 = 11.9 Mpx) and
# saved as phones do, baseline 4:2:0 q92.
d = Image.open(os.path.join(PHOTOS, 'dandelions_5312x2988.jpg')).convert('RGB')
left = (d.width - 3984) // 2
d.crop((left, 0, left + 3984, 2988)).save(os.path.join(out, 'dandelions_phone_3984x2988.jpg'), quality=92, subsampling='4:2:0')
