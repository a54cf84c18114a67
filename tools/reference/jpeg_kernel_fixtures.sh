#!/usr/bin/env bash
# Small JPEGs for test/node/jpeg-kernels.test.ts: one per decoder path our libjpeg-turbo build
# has (native/jpeg/), cut from a real photo and encoded by Debian's cjpeg/jpegtran
# (apt-get install libjpeg-turbo-progs; Pillow cannot set restart intervals or arithmetic coding).
#
#   bash tools/reference/jpeg_kernel_fixtures.sh      # writes test/fixtures/jpeg/
#
# Sizes are odd and not multiples of 8 or 16, so every kernel meets partial blocks, odd chroma
# widths and the last-column special cases of the upsamplers.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/test/fixtures/jpeg"
SRC="$ROOT/test/fixtures/photos/china_palace_640x427.jpg"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"
command -v cjpeg >/dev/null || { echo "cjpeg not found (apt-get install libjpeg-turbo-progs)" >&2; exit 1; }

# A 77x45 crop with detail (roof edges and sky), as PPM and PGM.
/usr/bin/python3 - "$SRC" "$TMP" <<'EOF'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert('RGB').crop((201, 93, 278, 138))
im.save(sys.argv[2] + '/crop.ppm')
im.convert('L').save(sys.argv[2] + '/crop.pgm')
EOF

enc() { name=$1; shift; cjpeg "$@" "$TMP/crop.ppm" >"$OUT/$name"; }
enc s420_77x45.jpg -quality 90 -sample 2x2
enc s422_77x45.jpg -quality 90 -sample 2x1
enc s440_77x45.jpg -quality 90 -sample 1x2
enc s444_77x45.jpg -quality 95 -sample 1x1
enc s411_77x45.jpg -quality 90 -sample 4x1
enc restart1_s420_77x45.jpg -quality 90 -sample 2x2 -restart 1B   # an RST marker after every MCU
enc restart2rows_s422_77x45.jpg -quality 90 -sample 2x1 -restart 2 # every 2 MCU rows
enc arithmetic_s420_77x45.jpg -quality 90 -sample 2x2 -arithmetic
enc progressive_s420_77x45.jpg -quality 90 -sample 2x2 -progressive
enc q100_s444_77x45.jpg -quality 100 -sample 1x1                  # quantizers of 1: large coefficients
cjpeg -quality 90 -grayscale "$TMP/crop.pgm" >"$OUT/gray_77x45.jpg"
# Non-interleaved (one scan per component) baseline: jpegtran with a scan script.
printf '0;\n1;\n2;\n' >"$TMP/scans.txt"
jpegtran -scans "$TMP/scans.txt" "$OUT/s420_77x45.jpg" >"$OUT/multiscan_s420_77x45.jpg"
ls -l "$OUT"
