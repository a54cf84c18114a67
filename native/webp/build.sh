#!/usr/bin/env bash
# Builds native/webp/webp.wasm (the Worker's WebP decoder) from Debian's libwebp 1.2.4 source
# package (with Debian's patches: the CVE-2023-4863 fix among them) and our api.c, with Debian's
# clang 14 for wasm32-wasi (packages: clang-14, lld-14, wasi-libc, libclang-rt-14-dev-wasm32) and
# the x86 intrinsic headers of Debian's emscripten 3.1.6 package (for libwebp's SSE2/SSE4.1 code).
#
#   bash native/webp/build.sh            # fetches the source into tmp/native/webp/ (apt-get source)
#
# The patches in debian/patches/series are applied in order, as dpkg-source does, and nothing else
# is changed. The fetching, checking, flags and linking are native/build-common.sh's; a rebuild
# reproduces the committed .wasm byte for byte.
# shellcheck disable=SC2086 # (file-wide) the source lists are words
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../build-common.sh
. "$HERE/../build-common.sh"
WORK="${WEBP_BUILD_DIR:-$ROOT/tmp/native/webp}"

VERSION=1.2.4
DEB_VERSION=1.2.4-0.2+deb12u1
SRC="$WORK/libwebp-$VERSION"
require_toolchain patch
debian_source "$SRC" libwebp=$DEB_VERSION \
  libwebp_${VERSION}.orig.tar.gz 7bf5a8a28cc69bcfa8cb214f2c3095703c6b73ac5fba4d5480c205331d9494df \
  libwebp_${DEB_VERSION}.debian.tar.xz 69cdba4dfe2e1b34d55fa80c1b29c31cacd40dd183812d6bcca7e508a2f7afcd
while read -r p; do
  [ -n "$p" ] && patch -d "$SRC" -p1 -s --no-backup-if-mismatch <"$WORK/debian/patches/$p"
done <"$WORK/debian/patches/series"

# Decoding only: src/dec, the decoder's DSP (the C versions, and the SSE2/SSE4.1 ones, see below)
# and utils. No threads (WEBP_USE_THREAD unset).
DEC="alpha_dec.c buffer_dec.c frame_dec.c idec_dec.c io_dec.c quant_dec.c tree_dec.c vp8_dec.c vp8l_dec.c webp_dec.c"
DSP="alpha_processing.c cpu.c dec.c dec_clip_tables.c filters.c lossless.c rescaler.c upsampling.c yuv.c
  alpha_processing_sse2.c alpha_processing_sse41.c dec_sse2.c dec_sse41.c filters_sse2.c lossless_sse2.c lossless_sse41.c
  rescaler_sse2.c upsampling_sse2.c upsampling_sse41.c yuv_sse2.c yuv_sse41.c"
UTILS="bit_reader_utils.c color_cache_utils.c filters_utils.c huffman_utils.c quant_levels_dec_utils.c
  random_utils.c rescaler_utils.c thread_utils.c utils.c"
OUR_SOURCES="api.c"
CFLAGS=(-DNDEBUG -I"$SRC" -I"$SRC/src")
EXPORTS="wd_decode wd_message wd_info"

# libwebp's SSE2/SSE4.1 code through Emscripten's x86 intrinsic headers (Debian's emscripten
# package, system/include/compat: each _mm_* as WebAssembly SIMD128, header-only): the __SSE*__
# defines select libwebp's x86 SIMD files (src/dsp/cpu.h), and EMSCRIPTEN, for cpu.c only, its
# "the compile flags say which SIMD there is" CPU check (wasmCPUInfo) instead of cpuid.
COMPAT=/usr/share/emscripten/system/include/compat
[ -f "$COMPAT/emmintrin.h" ] || fail "$COMPAT/emmintrin.h not found (apt-get install emscripten)"
CFLAGS+=(-D__SSE__ -D__SSE2__ -D__SSE3__ -D__SSSE3__ -D__SSE4_1__ -isystem "$COMPAT")
FILE_CFLAGS=([cpu.c]=-DEMSCRIPTEN)

compile "$SRC/src/dec" $DEC
compile "$SRC/src/dsp" $DSP
compile "$SRC/src/utils" $UTILS
compile "$HERE" $OUR_SOURCES
link webp.wasm $DEC $DSP $UTILS $OUR_SOURCES
cp "$SRC/COPYING" "$HERE/LICENSE.libwebp"
cp "$SRC/PATENTS" "$HERE/PATENTS.libwebp"
report
