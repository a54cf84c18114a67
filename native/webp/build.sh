#!/usr/bin/env bash
# Builds native/webp/webp.wasm (the Worker's WebP decoder) from Debian's libwebp 1.2.4 source
# package (with Debian's patches: the CVE-2023-4863 fix among them) and our api.c, with Debian's
# clang 14 for wasm32-wasi (packages: clang-14, lld-14, wasi-libc, libclang-rt-14-dev-wasm32) and
# the x86 intrinsic headers of Debian's emscripten 3.1.6 package (for libwebp's SSE2/SSE4.1 code).
#
#   bash native/webp/build.sh            # fetches the source into tmp/native/webp/ (apt-get source)
#
# The orig tarball and Debian's patch tarball are checked against the SHA-256s below (the ones in
# Debian's .dsc) before use; the patches in debian/patches/series are applied in order, as
# dpkg-source does, and nothing else is changed. The flags are fixed and the output does not
# depend on the build directory, so a rebuild reproduces the committed .wasm byte for byte.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${WEBP_BUILD_DIR:-$ROOT/tmp/native/webp}"
VERSION=1.2.4
DEB_VERSION=1.2.4-0.2+deb12u1
ORIG=libwebp_${VERSION}.orig.tar.gz
ORIG_SHA256=7bf5a8a28cc69bcfa8cb214f2c3095703c6b73ac5fba4d5480c205331d9494df
DEBIAN=libwebp_${DEB_VERSION}.debian.tar.xz
DEBIAN_SHA256=69cdba4dfe2e1b34d55fa80c1b29c31cacd40dd183812d6bcca7e508a2f7afcd

CC="${CC:-clang-14}"
for tool in "$CC" wasm-ld-14 patch; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool not found (apt-get install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32 patch)" >&2; exit 1; }
done
[ -f /usr/lib/wasm32-wasi/libc.a ] || { echo "build.sh: wasi-libc not found (apt-get install wasi-libc)" >&2; exit 1; }

mkdir -p "$WORK"
cd "$WORK"
[ -f "$ORIG" ] && [ -f "$DEBIAN" ] || apt-get source --download-only "libwebp=$DEB_VERSION" >/dev/null
printf '%s  %s\n%s  %s\n' "$ORIG_SHA256" "$ORIG" "$DEBIAN_SHA256" "$DEBIAN" | sha256sum --check --quiet
SRC="$WORK/libwebp-$VERSION"
rm -rf "$SRC" "$WORK/debian" && tar xzf "$ORIG" && tar xJf "$DEBIAN"
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
LIB_SOURCES="$(for f in $DEC; do printf 'src/dec/%s ' "$f"; done; for f in $DSP; do printf 'src/dsp/%s ' "$f"; done; for f in $UTILS; do printf 'src/utils/%s ' "$f"; done)"
OUR_SOURCES="api.c"

# -flto + -Wl,--lto-O3 and no -O at link time, as in native/jpeg/build.sh (an -O flag would let
# clang run any binaryen wasm-opt on PATH). -mbulk-memory: memcpy/memset become memory.copy/fill.
CFLAGS=(-flto --target=wasm32-wasi --sysroot=/usr -O3 -msimd128 -mbulk-memory -DNDEBUG
  -I"$SRC" -I"$SRC/src" -ffile-prefix-map="$WORK"=. -ffile-prefix-map="$HERE"=native/webp -Wall -Wno-unused-function)
# libwebp's SSE2/SSE4.1 code through Emscripten's x86 intrinsic headers (Debian's emscripten
# package, system/include/compat: each _mm_* as WebAssembly SIMD128, header-only): the __SSE*__
# defines select libwebp's x86 SIMD files (src/dsp/cpu.h), and EMSCRIPTEN, for cpu.c only, its
# "the compile flags say which SIMD there is" CPU check (wasmCPUInfo) instead of cpuid.
COMPAT=/usr/share/emscripten/system/include/compat
[ -f "$COMPAT/emmintrin.h" ] || { echo "build.sh: $COMPAT/emmintrin.h not found (apt-get install emscripten)" >&2; exit 1; }
CFLAGS+=(-D__SSE__ -D__SSE2__ -D__SSE3__ -D__SSSE3__ -D__SSE4_1__ -isystem "$COMPAT")

OBJ="$WORK/obj"
rm -rf "$OBJ" && mkdir -p "$OBJ"
compile() {
  local extra=()
  [ "$(basename "$1")" = cpu.c ] && extra=(-DEMSCRIPTEN)
  "$CC" "${CFLAGS[@]}" "${extra[@]}" -c "$1" -o "$OBJ/$(basename "${1%.c}").o"
}
pids=()
for f in $LIB_SOURCES; do compile "$SRC/$f" & pids+=($!); done
for f in $OUR_SOURCES; do compile "$HERE/$f" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || { echo "build.sh: compilation failed" >&2; exit 1; }; done

objs() { for f in "$@"; do printf '%s ' "$OBJ/$(basename "${f%.c}").o"; done; }
LDFLAGS=(-flto -Wl,--lto-O3 --target=wasm32-wasi --sysroot=/usr -nostartfiles -Wl,--no-entry -Wl,--export=malloc -Wl,--export=free
  -Wl,--export=wd_decode -Wl,--export=wd_message -Wl,--export=wd_info
  -Wl,-z,stack-size=65536 -Wl,--initial-memory=131072 -Wl,--strip-debug)

# shellcheck disable=SC2046
"$CC" "${LDFLAGS[@]}" $(objs $LIB_SOURCES $OUR_SOURCES) -o "$HERE/webp.wasm"

cp "$SRC/COPYING" "$HERE/LICENSE.libwebp"
cp "$SRC/PATENTS" "$HERE/PATENTS.libwebp"
ls -l "$HERE"/*.wasm | awk '{print "build.sh: " $NF " " $5 " bytes"}'
