#!/usr/bin/env bash
# Progressive JPEGs for test/node/jpeg-progressive.test.ts (our AC refinement decoder,
# native/jpeg/phuff_wasm.c, against libjpeg's): real photos from test/fixtures/photos made
# progressive losslessly by Debian's jpegtran (apt-get install libjpeg-turbo-progs), with
# libjpeg's default progression, restart intervals, and scan scripts of our own (more successive
# approximation levels, AC bands that end before 63, chroma refinement); and a Pillow one.
#
#   bash tools/reference/jpeg_progressive_fixtures.sh      # writes test/fixtures/jpeg/progressive/
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/test/fixtures/jpeg/progressive"
PHOTOS="$ROOT/test/fixtures/photos"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"
command -v jpegtran >/dev/null || { echo "jpegtran not found (apt-get install libjpeg-turbo-progs)" >&2; exit 1; }

# Successive approximation in three steps for every component, the luma's AC in bands that end
# at 2, 9, 30 (refined separately: Se < 63 in refinement scans), chroma refined too.
cat >"$TMP/deep.txt" <<'SCANS'
0 1 2: 0 0 0 2;
0: 1 2 0 3;
0: 3 9 0 3;
0: 10 63 0 3;
2: 1 63 0 2;
1: 1 63 0 2;
0: 1 5 3 2;
0: 6 63 3 2;
0 1 2: 0 0 2 1;
0: 1 63 2 1;
1: 1 63 2 1;
2: 1 63 2 1;
0 1 2: 0 0 1 0;
0: 1 30 1 0;
0: 31 63 1 0;
1: 1 63 1 0;
2: 1 63 1 0;
SCANS
# One component (gray): DC, then AC in two successive approximation steps.
cat >"$TMP/gray.txt" <<'SCANS'
0: 0 0 0 1;
0: 1 63 0 2;
0: 1 63 2 1;
0: 0 0 1 0;
0: 1 63 1 0;
SCANS

t() { name=$1; src=$2; shift 2; jpegtran -copy none "$@" "$PHOTOS/$src" >"$OUT/$name"; }
# 512x600 4:2:0 q~75 photo (grace_hopper): libjpeg's default progression (as Pillow's), with an
# RST marker every 7 MCUs (in AC scans an MCU is one block: EOB runs end at every marker) and
# every MCU row, and with the deep scan script.
t gh_default_512x600.jpg grace_hopper_512x600.jpg -progressive
t gh_restart7b_512x600.jpg grace_hopper_512x600.jpg -progressive -restart 7B
t gh_restart1row_256x304.jpg grace_hopper_512x600.jpg -crop 256x304+128+96 -progressive -restart 1
t gh_deep_512x600.jpg grace_hopper_512x600.jpg -scans "$TMP/deep.txt"
# 4:4:4 q95 (china_palace), a 320x216 crop, deep script; CMYK (4 components), default.
t china444_deep_320x216.jpg china_palace_640x427.jpg -crop 320x216+160+96 -scans "$TMP/deep.txt"
t coffee_cmyk_default_200x200.jpg coffee_cmyk_600x400.jpg -crop 200x200+200+100 -progressive
t gray_sa_150x103.jpg video005_gray_150x103.jpg -scans "$TMP/gray.txt"
# Pillow's encoder (libjpeg's default progression, optimized tables) at q95 4:2:0 from the flower photo.
/usr/bin/python3 - "$PHOTOS/flower_640x427.jpg" "$OUT/flower_pillow_q95_320x214.jpg" <<'PY'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert('RGB').resize((320, 214), Image.LANCZOS)
im.save(sys.argv[2], quality=95, subsampling='4:2:0', progressive=True)
PY
ls -l "$OUT"
