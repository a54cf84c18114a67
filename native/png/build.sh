#!/usr/bin/env bash
# Builds native/png/png.wasm (the Worker's PNG decoder) from our files in this directory and
# Debian's libdeflate 1.14 source package (zlib decompression, CRC-32, Adler-32), with Debian's
# clang 14 for wasm32-wasi (packages: clang-14, lld-14, wasi-libc, libclang-rt-14-dev-wasm32).
#
#   bash native/png/build.sh            # fetches the source into tmp/native/png/ (apt-get source)
#
# libdeflate is not patched: its decompression files are compiled as they are (for a target it has
# no CPU-specific code for, it uses its portable C). The fetching, checking, flags and linking are
# native/build-common.sh's; a rebuild reproduces the committed .wasm byte for byte.
# shellcheck disable=SC2086 # (file-wide) the *_SOURCES lists are words
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../build-common.sh
. "$HERE/../build-common.sh"
WORK="${PNG_BUILD_DIR:-$ROOT/tmp/native/png}"

VERSION=1.14
SRC="$WORK/libdeflate-$VERSION"
require_toolchain
debian_source "$SRC" libdeflate=1.14-1 \
  libdeflate_${VERSION}.orig.tar.gz 89e7df898c37c3427b0f39aadcf733731321a278771d20fc553f92da8d4808ac

# Decompression only, plus the two checksums (the zlib stream's Adler-32, the chunks' CRC-32).
LIB_SOURCES="lib/deflate_decompress.c lib/zlib_decompress.c lib/adler32.c lib/crc32.c lib/utils.c"
OUR_SOURCES="api.c unfilter_wasm.c expand_wasm.c"
CFLAGS=(-I"$SRC")
EXPORTS="pd_init pd_decode pd_message pd_info"

compile "$SRC" $LIB_SOURCES
compile "$HERE" $OUR_SOURCES
link png.wasm $LIB_SOURCES $OUR_SOURCES
cp "$SRC/COPYING" "$HERE/LICENSE.libdeflate"
report
