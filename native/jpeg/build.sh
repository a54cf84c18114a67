#!/usr/bin/env bash
# Builds native/jpeg/jpeg-turbo.wasm (the Worker's JPEG decoder) and jpeg-turbo-test.wasm (the
# same objects plus test entry points) from Debian's libjpeg-turbo 2.1.5 source package and our
# own files in this directory, with Debian's clang 14 for wasm32-wasi (packages: clang-14,
# lld-14, wasi-libc, libclang-rt-14-dev-wasm32).
#
#   bash native/jpeg/build.sh            # fetches the source into tmp/native/ (apt-get source)
#
# The source is not patched: libjpeg-turbo's C files are compiled as they are, our SIMD back
# end (jsimd_wasm.c + the *-wasm.c kernels) stands in for its simd/ directory, and api.c for
# TurboJPEG. The orig tarball is checked against the SHA-256 below before use. The flags are
# fixed and the output does not depend on the build directory, so a rebuild reproduces the
# committed .wasm byte for byte (the script checks nothing else changed: `git diff` does).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${JPEG_BUILD_DIR:-$ROOT/tmp/native/libjpeg-turbo}"
VERSION=2.1.5
DEB_VERSION=1:2.1.5-2
ORIG=libjpeg-turbo_${VERSION}.orig.tar.gz
ORIG_SHA256=254f3642b04e309fee775123133c6464181addc150499561020312ec61c1bf7c

CC="${CC:-clang-14}"
for tool in "$CC" wasm-ld-14; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool not found (apt-get install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32)" >&2; exit 1; }
done
[ -f /usr/lib/wasm32-wasi/libc.a ] || { echo "build.sh: wasi-libc not found (apt-get install wasi-libc)" >&2; exit 1; }

mkdir -p "$WORK"
cd "$WORK"
if [ ! -f "$ORIG" ]; then
  apt-get source --download-only "libjpeg-turbo=$DEB_VERSION" >/dev/null
fi
echo "$ORIG_SHA256  $ORIG" | sha256sum --check --quiet
SRC="$WORK/libjpeg-turbo-$VERSION"
rm -rf "$SRC" && tar xzf "$ORIG"

# The configure step CMake would do, for this one target (values, not code).
GEN="$WORK/gen"
rm -rf "$GEN" && mkdir -p "$GEN"
sed -e 's/@JPEG_LIB_VERSION@/62/' -e "s/@VERSION@/$VERSION/" -e 's/@LIBJPEG_TURBO_VERSION_NUMBER@/2001005/' \
  -e 's/@BITS_IN_JSAMPLE@/8/' \
  -e 's/#cmakedefine C_ARITH_CODING_SUPPORTED 1//' \
  -e 's/#cmakedefine \(D_ARITH_CODING_SUPPORTED\|MEM_SRCDST_SUPPORTED\|WITH_SIMD\) 1/#define \1 1/' \
  -e 's/#cmakedefine RIGHT_SHIFT_IS_UNSIGNED 1//' \
  "$SRC/jconfig.h.in" >"$GEN/jconfig.h"
sed -e 's/@BUILD@/ghostnet-edge/' -e 's/@INLINE@/inline __attribute__((always_inline))/' -e 's/@THREAD_LOCAL@//' \
  -e 's/@CMAKE_PROJECT_NAME@/libjpeg-turbo/' -e "s/@VERSION@/$VERSION/" -e 's/@SIZE_T@/4/' \
  -e 's/#cmakedefine HAVE_BUILTIN_CTZL/#define HAVE_BUILTIN_CTZL/' -e 's/#cmakedefine HAVE_INTRIN_H//' \
  "$SRC/jconfigint.h.in" >"$GEN/jconfigint.h"
sed -e 's/@COPYRIGHT_YEAR@/1991-2023/' "$SRC/jversion.h.in" >"$GEN/jversion.h"
if grep -q '@\|#cmakedefine' "$GEN"/*.h; then echo "build.sh: unconfigured template values left in $GEN" >&2; exit 1; fi

# Decompression only (TurboJPEG, the compressor and the file I/O are not needed).
LIB_SOURCES="jaricom.c jcomapi.c jdapimin.c jdapistd.c jdarith.c jdatasrc.c jdcoefct.c jdcolor.c jddctmgr.c
  jdhuff.c jdinput.c jdmainct.c jdmarker.c jdmaster.c jdmerge.c jdphuff.c jdpostct.c jdsample.c jerror.c
  jidctflt.c jidctfst.c jidctint.c jidctred.c jmemmgr.c jmemnobs.c jquant1.c jquant2.c jutils.c"
OUR_SOURCES="api.c jsimd_wasm.c idct_islow_wasm.c idct_reduced_wasm.c ycc_rgb_wasm.c upsample_fancy_wasm.c"
TEST_SOURCES="jdtrans.c"      # jpeg_read_coefficients, for the entropy-only timing
OUR_TEST_SOURCES="test_api.c"

# -mbulk-memory: memset/memcpy (libjpeg zeroes every MCU) become memory.fill/memory.copy.
# -fwrapv: libjpeg relies on two's-complement wrap-around for corrupt data (its comments say so);
# defining it makes the C reference and the SIMD kernels agree on every input, not only valid ones.
# -flto: the whole decoder is optimised as one module at link time (libjpeg calls every stage
# through function pointers in small wrappers, e.g. jsimd_idct_islow -> our kernel): ~10% faster
# whole decodes, measured (bench:jpeg --baseline). The link gets -Wl,--lto-O3 and no -O flag: with
# an -O flag clang runs binaryen's wasm-opt if one is on PATH, which made the output depend on PATH
# (and measured 8% slower).
CFLAGS=(-flto --target=wasm32-wasi --sysroot=/usr -O3 -msimd128 -mbulk-memory -fwrapv -DNO_GETENV -DNO_PUTENV
  -I"$GEN" -I"$SRC" -ffile-prefix-map="$WORK"=. -ffile-prefix-map="$HERE"=native/jpeg -Wall -Wno-unused-function)

OBJ="$WORK/obj"
rm -rf "$OBJ" && mkdir -p "$OBJ"
# Huffman decoding (jdhuff.c, and jdphuff.c, which shares its bit reader) gets a 64-bit bit
# buffer: jdhuff.h picks one when SIZEOF_SIZE_T == 8 or on x86-64 ILP32 (x32); wasm32 is ILP32, so
# defining __x86_64__ for these two files selects it (10-15% faster entropy decoding, measured).
# That is what x86-64 builds, Pillow's included, use. Below: the define changes nothing else there.
HUFFMAN_64=(-D__x86_64__)
compile() {
  local extra=()
  case "$(basename "$1")" in jdhuff.c | jdphuff.c) extra=("${HUFFMAN_64[@]}") ;; esac
  "$CC" "${CFLAGS[@]}" "${extra[@]}" -c "$1" -o "$OBJ/$(basename "${1%.c}").o"
}
# The check: in everything these two files include, __x86_64__ appears only in those two tests.
H_TEST='jdhuff.h:82:#elif defined(__x86_64__) && defined(__ILP32__)'
C_TEST='jdhuff.c:409:#if SIZEOF_SIZE_T == 8 || defined(_WIN64) || (defined(__x86_64__) && defined(__ILP32__))'
for f in jdhuff.c jdphuff.c; do
  deps=$("$CC" "${CFLAGS[@]}" -M "$SRC/$f" | tr ' \\' '\n\n' | grep -v ':$' | grep .)
  # shellcheck disable=SC2086
  uses=$(grep -n '__x86_64__' $deps | sed "s|^$SRC/||" | sort)
  expected=$([ "$f" = jdhuff.c ] && printf '%s\n%s\n' "$C_TEST" "$H_TEST" | sort || echo "$H_TEST")
  [ "$uses" = "$expected" ] || { echo "build.sh: __x86_64__ is used elsewhere in what $f includes:" >&2; echo "$uses" >&2; exit 1; }
done
pids=()
for f in $LIB_SOURCES $TEST_SOURCES; do compile "$SRC/$f" & pids+=($!); done
for f in $OUR_SOURCES $OUR_TEST_SOURCES; do compile "$HERE/$f" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || { echo "build.sh: compilation failed" >&2; exit 1; }; done

objs() { for f in "$@"; do printf '%s ' "$OBJ/$(basename "${f%.c}").o"; done; }
LDFLAGS=(-flto -Wl,--lto-O3 --target=wasm32-wasi --sysroot=/usr -nostartfiles -Wl,--no-entry -Wl,--export=malloc -Wl,--export=free
  -Wl,-z,stack-size=65536 -Wl,--initial-memory=131072 -Wl,--strip-debug)

# shellcheck disable=SC2046
"$CC" "${LDFLAGS[@]}" $(objs $LIB_SOURCES $OUR_SOURCES) -o "$HERE/jpeg-turbo.wasm"
# shellcheck disable=SC2046
"$CC" "${LDFLAGS[@]}" $(objs $LIB_SOURCES $OUR_SOURCES $TEST_SOURCES $OUR_TEST_SOURCES) -o "$HERE/jpeg-turbo-test.wasm"

cp "$SRC/LICENSE.md" "$HERE/LICENSE.libjpeg-turbo.md"
cp "$SRC/README.ijg" "$HERE/README.ijg"
ls -l "$HERE"/*.wasm | awk '{print "build.sh: " $NF " " $5 " bytes"}'
