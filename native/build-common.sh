# What native/{jpeg,png,webp}/build.sh share: a Debian source package fetched and checked, C
# compiled for wasm32-wasi with Debian's clang 14 and one set of flags, one .wasm linked.
# Sourced, not run: the build.sh sets HERE (its own directory) first, then WORK (where the source
# is extracted and compiled) after sourcing. Each build.sh says what it builds from:
#
#   CFLAGS        its own compile flags (defines, include directories), after the shared ones
#   FILE_CFLAGS   flags for single files, by file name: FILE_CFLAGS=([cpu.c]=-DEMSCRIPTEN)
#   EXPORTS       the functions the .wasm exports besides malloc and free
#
# Reproducible: the flags are fixed and the output does not depend on the build directory
# (-ffile-prefix-map), so a rebuild gives the committed .wasm byte for byte.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CC="${CC:-clang-14}"
CFLAGS=()
declare -A FILE_CFLAGS=()
EXPORTS=""

fail() {
  echo "build.sh: $*" >&2
  exit 1
}

# require_toolchain [TOOL...]: clang, wasm-ld and wasi-libc, and the build's own extra tools.
require_toolchain() {
  local tool packages="clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32${*:+ $*}"
  for tool in "$CC" wasm-ld-14 "$@"; do
    command -v "$tool" >/dev/null || fail "$tool not found (apt-get install $packages)"
  done
  [ -f /usr/lib/wasm32-wasi/libc.a ] || fail "wasi-libc not found (apt-get install wasi-libc)"
}

# debian_source SRC PACKAGE=DEB_VERSION FILE SHA256 [FILE SHA256]...: downloads the source
# package into WORK unless its FILEs are there (apt-get source --download-only), checks each
# FILE against its SHA-256 (the ones in Debian's .dsc), and extracts them afresh (SRC, the orig
# tarball's directory, and debian/ of a Debian tarball), with no objects of an earlier build.
# Debian's patches are not applied here (a build that wants them applies debian/patches/series).
debian_source() {
  local src="$1" package="$2" files=() sums="" missing="" file
  shift 2
  mkdir -p "$WORK"
  cd "$WORK"
  while [ $# -gt 0 ]; do
    files+=("$1")
    sums+="$2  $1"$'\n'
    [ -f "$1" ] || missing=1
    shift 2
  done
  [ -z "$missing" ] || apt-get source --download-only "$package" >/dev/null
  printf '%s' "$sums" | sha256sum --check --quiet
  rm -rf "$src" "$WORK/debian" "$WORK/obj"
  for file in "${files[@]}"; do tar xf "$file"; done
}

# wasm_cc ARG...: the C compiler with the shared flags, then CFLAGS. -mbulk-memory: memset and
# memcpy become memory.fill/memory.copy. -flto: each module is optimised whole at link time.
wasm_cc() {
  "$CC" -flto --target=wasm32-wasi --sysroot=/usr -O3 -msimd128 -mbulk-memory \
    -ffile-prefix-map="$WORK"=. -ffile-prefix-map="$HERE"=native/"$(basename "$HERE")" \
    -Wall -Wno-unused-function "${CFLAGS[@]}" "$@"
}

# obj FILE: where FILE's object goes.
obj() { printf '%s/obj/%s.o' "$WORK" "$(basename "${1%.c}")"; }

# compile DIR FILE...: compiles DIR/FILE for each FILE (in parallel) into WORK/obj, with its FILE_CFLAGS.
compile() {
  local dir="$1" f p pids=()
  shift
  mkdir -p "$WORK/obj"
  for f in "$@"; do
    # shellcheck disable=SC2206
    local extra=(${FILE_CFLAGS[$(basename "$f")]:-})
    wasm_cc "${extra[@]}" -c "$dir/$f" -o "$(obj "$f")" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || fail "compilation failed"; done
}

# link OUT FILE...: links the objects of the FILEs into HERE/OUT. -Wl,--lto-O3 and no -O flag:
# with an -O flag clang runs binaryen's wasm-opt if one is on PATH, and the output would depend on
# PATH. No entry point, 64 KiB stack, 128 KiB initial memory, no debug information.
link() {
  local out="$1" objs=() exports=() f
  shift
  for f in "$@"; do objs+=("$(obj "$f")"); done
  for f in malloc free $EXPORTS; do exports+=("-Wl,--export=$f"); done
  "$CC" -flto -Wl,--lto-O3 --target=wasm32-wasi --sysroot=/usr -nostartfiles -Wl,--no-entry "${exports[@]}" \
    -Wl,-z,stack-size=65536 -Wl,--initial-memory=131072 -Wl,--strip-debug "${objs[@]}" -o "$HERE/$out"
}

# report: the size of each .wasm in HERE.
report() {
  ls -l "$HERE"/*.wasm | awk '{print "build.sh: " $NF " " $5 " bytes"}'
}
