#!/usr/bin/env bash
# Builds native/jpeg/jpeg-turbo.wasm (the Worker's JPEG decoder) and jpeg-turbo-test.wasm (the
# same objects plus test entry points) from Debian's libjpeg-turbo 2.1.5 source package and our
# own files in this directory, with Debian's clang 14 for wasm32-wasi (packages: clang-14,
# lld-14, wasi-libc, libclang-rt-14-dev-wasm32).
#
#   bash native/jpeg/build.sh            # fetches the source into tmp/native/ (apt-get source)
#
# libjpeg-turbo's C files are compiled as they are but for one checked patch to jdphuff.c (below:
# it includes our phuff_wasm.c, the progressive AC refinement fast path); our SIMD back end
# (jsimd_wasm.c + the *-wasm.c kernels) stands in for its simd/ directory, and api.c for
# TurboJPEG. The fetching, checking, shared flags and linking are native/build-common.sh's; a
# rebuild reproduces the committed .wasm byte for byte (the script checks nothing else changed:
# `git diff` does).
# shellcheck disable=SC2086 # (file-wide) the *_SOURCES lists are words
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../build-common.sh
. "$HERE/../build-common.sh"
WORK="${JPEG_BUILD_DIR:-$ROOT/tmp/native/libjpeg-turbo}"

VERSION=2.1.5
SRC="$WORK/libjpeg-turbo-$VERSION"
require_toolchain
debian_source "$SRC" libjpeg-turbo=1:2.1.5-2 \
  libjpeg-turbo_${VERSION}.orig.tar.gz 254f3642b04e309fee775123133c6464181addc150499561020312ec61c1bf7c

# The one patch (three edits to jdphuff.c, checked): our phuff_wasm.c's AC refinement decoder is
# declared beside jdphuff.c's forward declarations, the file is included just before
# jinit_phuff_decoder (it uses jdphuff.c's types, macros and process_restart), and
# start_pass_phuff_decoder installs it for AC refinement scans instead of libjpeg's
# decode_mcu_AC_refine (which the test build can still pick: phuff_wasm_enabled = 0). See
# phuff_wasm.c for why the result is libjpeg's, bit for bit.
perl -0pi -e 's|\n/\* Forward declarations \*/\n|\n/* Forward declarations */\nMETHODDEF(boolean) decode_mcu_AC_refine_wasm(j_decompress_ptr cinfo, JBLOCKROW *MCU_data);\nextern int phuff_wasm_enabled;\n|;
  s|\nGLOBAL\(void\)\njinit_phuff_decoder\(|\n#include "phuff_wasm.c"\n\nGLOBAL(void)\njinit_phuff_decoder(|;
  s|entropy->pub\.decode_mcu = decode_mcu_AC_refine;|entropy->pub.decode_mcu = phuff_wasm_enabled ? decode_mcu_AC_refine_wasm : decode_mcu_AC_refine;|' "$SRC/jdphuff.c"
[ "$(grep -c '^METHODDEF(boolean) decode_mcu_AC_refine_wasm(\|^#include "phuff_wasm.c"$\|decode_mcu_AC_refine_wasm : decode_mcu_AC_refine;$' "$SRC/jdphuff.c")" = 3 ] ||
  fail "the jdphuff.c patch did not apply"
# The test build's jdphuff.c: the same code plus phuff_wasm.c's lockstep check (libjpeg's function
# beside ours on every MCU, see there), which the Worker's build does not carry.
printf '#define PHUFF_WASM_LOCKSTEP 1\n#include "jdphuff.c"\n' >"$SRC/jdphuff_lockstep.c"

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
if grep -q '@\|#cmakedefine' "$GEN"/*.h; then fail "unconfigured template values left in $GEN"; fi

# Decompression only (TurboJPEG, the compressor and the file I/O are not needed).
LIB_SOURCES="jaricom.c jcomapi.c jdapimin.c jdapistd.c jdarith.c jdatasrc.c jdcoefct.c jdcolor.c jddctmgr.c
  jdhuff.c jdinput.c jdmainct.c jdmarker.c jdmaster.c jdmerge.c jdphuff.c jdpostct.c jdsample.c jerror.c
  jidctflt.c jidctfst.c jidctint.c jidctred.c jmemmgr.c jmemnobs.c jquant1.c jquant2.c jutils.c"
OUR_SOURCES="api.c jsimd_wasm.c idct_islow_wasm.c idct_reduced_wasm.c ycc_rgb_wasm.c upsample_fancy_wasm.c"
TEST_SOURCES="jdtrans.c"      # jpeg_read_coefficients, for the entropy-only timing
LIB_TEST_SOURCES="${LIB_SOURCES/jdphuff.c/jdphuff_lockstep.c}"
OUR_TEST_SOURCES="test_api.c test_phuff.c"

# -fwrapv: libjpeg relies on two's-complement wrap-around for corrupt data (its comments say so);
# defining it makes the C reference and the SIMD kernels agree on every input, not only valid ones.
# Of the shared flags, -mbulk-memory matters here because libjpeg zeroes every MCU (memset becomes
# memory.fill), and -flto because libjpeg calls every stage through function pointers in small
# wrappers (e.g. jsimd_idct_islow -> our kernel), and optimising the whole decoder as one module
# at link time made whole decodes ~10% faster, measured (bench:jpeg --baseline). With an -O flag at
# link time clang would also run binaryen's wasm-opt from PATH: measured 8% slower.
CFLAGS=(-fwrapv -DNO_GETENV -DNO_PUTENV -I"$GEN" -I"$SRC" -I"$HERE")

# Huffman decoding (jdhuff.c, and jdphuff.c, which shares its bit reader) gets a 64-bit bit
# buffer: jdhuff.h picks one when SIZEOF_SIZE_T == 8 or on x86-64 ILP32 (x32); wasm32 is ILP32, so
# defining __x86_64__ for these two files selects it (10-15% faster entropy decoding, measured).
# That is what x86-64 builds, Pillow's included, use. Below: the define changes nothing else there.
FILE_CFLAGS=([jdhuff.c]=-D__x86_64__ [jdphuff.c]=-D__x86_64__ [jdphuff_lockstep.c]=-D__x86_64__)
# The check: in everything these two files include, __x86_64__ appears only in those two tests.
H_TEST='jdhuff.h:82:#elif defined(__x86_64__) && defined(__ILP32__)'
C_TEST='jdhuff.c:409:#if SIZEOF_SIZE_T == 8 || defined(_WIN64) || (defined(__x86_64__) && defined(__ILP32__))'
for f in jdhuff.c jdphuff.c; do
  deps=$(wasm_cc -M "$SRC/$f" | tr ' \\' '\n\n' | grep -v ':$' | grep .)
  uses=$(grep -n '__x86_64__' $deps | sed "s|^$SRC/||" | sort)
  expected=$([ "$f" = jdhuff.c ] && printf '%s\n%s\n' "$C_TEST" "$H_TEST" | sort || echo "$H_TEST")
  [ "$uses" = "$expected" ] || fail "__x86_64__ is used elsewhere in what $f includes:"$'\n'"$uses"
done

# The files that run once per image (or per scan), not per block or row: header parsing, the
# memory manager, the start-up of each stage, error handling, our jd_decode. -Oz there: V8 compiles
# a function lazily on its first call with its baseline compiler (Liftoff), linear in its size, and
# drops that baseline code whenever workerd creates another isolate in the process
# (tools/repro/liftoff-flush), so after such a flush the first decode compiles these functions
# again (npm run bench:recompiles lists them). At -O3 that was ~55 KB of function bodies (jd_decode
# alone 17 KB: LTO inlines libjpeg's set-up into it); with -Oz here 35 KB (api.c's allocator then
# took dlmalloc's 9 KB out, and FORCE below 7 KB more: 19 KB), and the first request after a
# flush cost ~1 ms less CPU
# (docs/benchmarks/request.md). At -Oz, jd_decode (14 KB) is also optimised during the start-up's
# warm-up decodes, and optimised code survives a flush. The per-block and per-row code (jdhuff.c's
# decode_mcu, jdcoefct.c, jdmainct.c, jdsample.c, jdcolor.c and our kernels) stays -O3: -Oz on
# jdhuff.c made whole decodes 6-10% slower (bench:jpeg --baseline); on these files it changes
# nothing measurable.
SETUP_SOURCES="api.c jcomapi.c jdapimin.c jdapistd.c jdatasrc.c jddctmgr.c jdinput.c jdmarker.c jdmaster.c
  jdpostct.c jerror.c jmemmgr.c jmemnobs.c jutils.c"
for f in $SETUP_SOURCES; do FILE_CFLAGS[$f]="${FILE_CFLAGS[$f]:-} -Oz"; done
# Function attributes for single functions, with LLVM's -force-attribute (read while the file is
# compiled; the attribute is kept in its LTO bitcode). FORCE lists FILE:FUNCTION:ATTRIBUTE.
#  - minsize (what -Oz gives a whole file) for two once-per-image functions in files that stay
#    -O3: jdhuff.c's jpeg_make_d_derived_tbl (a Huffman table's lookup tables, once per table:
#    6.9 -> 1.0 KB) and jdmainct.c's start_pass_main (once per pass: 1.7 -> 0.5 KB).
#  - noinline for the set-up of what our decodes never or seldom use: LTO otherwise inlines each
#    (one caller) into jd_decode, which then carries them into every decode's compile. Alone they
#    are compiled only if called: colour quantization (jquant1.c, jquant2.c; we never ask for
#    it), merged upsampling (jdmerge.c; not with fancy upsampling), arithmetic and progressive
#    entropy decoding (jdarith.c, jdphuff.c), RGB -> gray (jdcolor.c; we always decode to RGBA).
FORCE="jdhuff.c:jpeg_make_d_derived_tbl:minsize jdmainct.c:start_pass_main:minsize
  jquant1.c:jinit_1pass_quantizer:noinline jquant2.c:jinit_2pass_quantizer:noinline
  jdmerge.c:jinit_merged_upsampler:noinline jdarith.c:jinit_arith_decoder:noinline
  jdphuff.c:jinit_phuff_decoder:noinline jdcolor.c:build_rgb_y_table:noinline"
for entry in $FORCE; do
  IFS=: read -r f fn attr <<<"$entry"
  FILE_CFLAGS[$f]="${FILE_CFLAGS[$f]:-} -mllvm -force-attribute=$fn:$attr"
done
# The check: in each file's IR, the function is defined with an attribute group that has the
# attribute (a renamed function would otherwise make the flag do nothing, silently).
for entry in $FORCE; do
  IFS=: read -r f fn attr <<<"$entry"
  # shellcheck disable=SC2206
  flags=(${FILE_CFLAGS[$f]})
  ir=$(wasm_cc "${flags[@]}" -S -emit-llvm -o - "$SRC/$f")
  group=$(grep -E "^define .*@$fn\(" <<<"$ir" | grep -oE '#[0-9]+' | tail -1 || true)
  [ -n "$group" ] && grep -qE "^attributes $group = \{.* $attr " <<<"$ir" || fail "$f: $fn did not get $attr"
done

compile "$SRC" $LIB_SOURCES $TEST_SOURCES jdphuff_lockstep.c
compile "$HERE" $OUR_SOURCES $OUR_TEST_SOURCES
link jpeg-turbo.wasm $LIB_SOURCES $OUR_SOURCES
link jpeg-turbo-test.wasm $LIB_TEST_SOURCES $OUR_SOURCES $TEST_SOURCES $OUR_TEST_SOURCES
cp "$SRC/LICENSE.md" "$HERE/LICENSE.libjpeg-turbo.md"
cp "$SRC/README.ijg" "$HERE/README.ijg"
report
