#!/usr/bin/env bash
# Builds native/png/png.wasm (the Worker's PNG decoder) from our files in this directory and
# Debian's libdeflate 1.14 source package (zlib decompression, CRC-32, Adler-32), with Debian's
# clang 14 for wasm32-wasi (packages: clang-14, lld-14, wasi-libc, libclang-rt-14-dev-wasm32).
#
#   bash native/png/build.sh            # fetches the source into tmp/native/png/ (apt-get source)
#
# libdeflate is not patched: its decompression files are compiled as they are (for a target it has
# no CPU-specific code for, it uses its portable C). The orig tarball is checked against the
# SHA-256 below (the one in Debian's .dsc) before use. The flags are fixed and the output does not
# depend on the build directory, so a rebuild reproduces the committed .wasm byte for byte.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${PNG_BUILD_DIR:-$ROOT/tmp/native/png}"
VERSION=1.14
DEB_VERSION=1.14-1
ORIG=libdeflate_${VERSION}.orig.tar.gz
ORIG_SHA256=89e7df898c37c3427b0f39aadcf733731321a278771d20fc553f92da8d4808ac

CC="${CC:-clang-14}"
for tool in "$CC" wasm-ld-14; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool not found (apt-get install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32)" >&2; exit 1; }
done
[ -f /usr/lib/wasm32-wasi/libc.a ] || { echo "build.sh: wasi-libc not found (apt-get install wasi-libc)" >&2; exit 1; }

mkdir -p "$WORK"
cd "$WORK"
[ -f "$ORIG" ] || apt-get source --download-only "libdeflate=$DEB_VERSION" >/dev/null
echo "$ORIG_SHA256  $ORIG" | sha256sum --check --quiet
SRC="$WORK/libdeflate-$VERSION"
rm -rf "$SRC" && tar xzf "$ORIG"

# Decompression only, plus the two checksums (the zlib stream's Adler-32, the chunks' CRC-32).
LIB_SOURCES="lib/deflate_decompress.c lib/zlib_decompress.c lib/adler32.c lib/crc32.c lib/utils.c"
OUR_SOURCES="api.c unfilter_wasm.c expand_wasm.c"

# -flto + -Wl,--lto-O3 and no -O at link time, as in native/jpeg/build.sh (an -O flag would let
# clang run any binaryen wasm-opt on PATH). -mbulk-memory: memcpy/memset become memory.copy/fill.
CFLAGS=(-flto --target=wasm32-wasi --sysroot=/usr -O3 -msimd128 -mbulk-memory
  -I"$SRC" -ffile-prefix-map="$WORK"=. -ffile-prefix-map="$HERE"=native/png -Wall -Wno-unused-function)

OBJ="$WORK/obj"
rm -rf "$OBJ" && mkdir -p "$OBJ"
compile() { "$CC" "${CFLAGS[@]}" -c "$1" -o "$OBJ/$(basename "${1%.c}").o"; }
pids=()
for f in $LIB_SOURCES; do compile "$SRC/$f" & pids+=($!); done
for f in $OUR_SOURCES; do compile "$HERE/$f" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || { echo "build.sh: compilation failed" >&2; exit 1; }; done

objs() { for f in "$@"; do printf '%s ' "$OBJ/$(basename "${f%.c}").o"; done; }
LDFLAGS=(-flto -Wl,--lto-O3 --target=wasm32-wasi --sysroot=/usr -nostartfiles -Wl,--no-entry -Wl,--export=malloc -Wl,--export=free
  -Wl,--export=pd_init -Wl,--export=pd_decode -Wl,--export=pd_message -Wl,--export=pd_info
  -Wl,-z,stack-size=65536 -Wl,--initial-memory=131072 -Wl,--strip-debug)

# shellcheck disable=SC2046
"$CC" "${LDFLAGS[@]}" $(objs $LIB_SOURCES $OUR_SOURCES) -o "$HERE/png.wasm"

cp "$SRC/COPYING" "$HERE/LICENSE.libdeflate"
ls -l "$HERE"/*.wasm | awk '{print "build.sh: " $NF " " $5 " bytes"}'
