/*
 * Our PNG decoder (native/png/): the container walk and row loop are api.c, the per-row hot loops
 * are unfilter_wasm.c (PNG's five filters, WebAssembly SIMD128 for 3- and 4-byte pixels) and
 * expand_wasm.c (every PNG pixel format to 8-bit RGBA). zlib inflate is libdeflate's.
 */
#ifndef PNG_DECODE_H
#define PNG_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* Bytes readable past the end of any row buffer: the SIMD loops load 16 bytes at a time. */
#define PD_SLACK 32

/*
 * Reverses the filter of one row in place. `filter` is the row's filter byte (0..4, checked by
 * the caller), `bpp` the bytes per complete pixel rounded up to 1 (PNG's "bpp"), `prev` the
 * previous row of the same (sub)image already unfiltered, or a row of zeros for the first.
 */
void pd_unfilter_row(int filter, uint8_t *row, const uint8_t *prev, size_t rowbytes, unsigned bpp);

/* What a row of the image is: PNG's colour type and bit depth, tRNS and PLTE. */
struct pd_format {
    unsigned color_type; /* 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA */
    unsigned depth; /* 1, 2, 4, 8 or 16 */
    int has_trns; /* tRNS for colour types 0 and 2: this sample value is transparent */
    uint16_t trns[3];
    uint32_t palette[256]; /* RGBA, little-endian bytes R, G, B, A; see api.c for the entries past PLTE */
};

/* Converts `width` pixels of an unfiltered row to 8-bit RGBA at `out` (which may read PD_SLACK past `row`). */
void pd_expand_row(const struct pd_format *f, const uint8_t *row, uint32_t width, uint8_t *out);

/* A kernel's vector constants read from memory rather than written as v128.const: the table's
   address through an empty asm, so clang cannot fold the loads back into constants. V8 13.6+
   (Node 24, workerd) rebuilds a v128.const at every use inside a loop (3 x64 instructions); a
   value loaded before the loop stays in a register. (native/jpeg/README.md, 2026-12-08.) */
static inline const void *pd_opaque(const void *p)
{
    __asm__("" : "+r"(p));
    return p;
}

#endif
