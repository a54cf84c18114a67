"""The images of `npm run bench:request`, made at bench time from the real photos with Debian's Pillow.

    /usr/bin/python3 tools/bench/request_images.py <photos dir> <out dir>

Writes the files listed in IMAGES (the ones the photos folder lacks) and prints one JSON line per
file with what it is. Deterministic: the same Pillow gives the same bytes.
"""
import io
import json
import os
import sys

from PIL import Image


def save(img, path, **kw):
    buf = io.BytesIO()
    img.save(buf, **kw)
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def main(src, out):
    os.makedirs(out, exist_ok=True)
    china = Image.open(os.path.join(src, "china_palace_640x427.jpg")).convert("RGB")
    # A web photo as most encoders write it: baseline, 4:2:0 (the original china.jpg is 4:4:4).
    save(china, os.path.join(out, "china_640x427_420.jpg"), format="JPEG", quality=90, subsampling="4:2:0")
    save(china, os.path.join(out, "china_640x427_420_progressive.jpg"), format="JPEG", quality=90, subsampling="4:2:0", progressive=True)
    # A 12 Mpx phone photo: 4000x3000 baseline 4:2:0 q92, from the 5312x2988 photo cropped to 4:3.
    dandelions = Image.open(os.path.join(src, "dandelions_5312x2988.jpg")).convert("RGB")
    w, h = dandelions.size
    cw = h * 4 // 3
    left = (w - cw) // 2
    phone = dandelions.crop((left, 0, left + cw, h)).resize((4000, 3000), Image.LANCZOS)
    save(phone, os.path.join(out, "phone_4000x3000.jpg"), format="JPEG", quality=92, subsampling="4:2:0")
    # A lossy WebP of the same picture as the PNG.
    coffee = Image.open(os.path.join(src, "coffee_600x400.png")).convert("RGB")
    save(coffee, os.path.join(out, "coffee_600x400_q80.webp"), format="WEBP", quality=80, method=4)
    for name in sorted(os.listdir(out)):
        print(json.dumps({"file": name, "bytes": os.path.getsize(os.path.join(out, name))}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
