/*
 * PNG's row filters reversed (PNG spec, section 9 "Filtering"), in place.
 *
 * Up is one vector add per 16 bytes. Sub, Average and Paeth depend on the pixel to the left, so
 * a row is a chain of pixels; for 3- and 4-byte pixels (8-bit RGB and RGBA, the photos) each
 * pixel is one SIMD128 vector (bytes in 16-bit lanes for Paeth) and the chain costs a handful of
 * vector instructions per pixel instead of the same scalar work per byte. Every other pixel size
 * runs the plain per-byte loop. Results are the spec's arithmetic modulo 256, byte for byte.
 */
#include <string.h>
#include <wasm_simd128.h>

#include "png_decode.h"

static inline uint8_t paeth(int a, int b, int c)
{
    int p = a + b - c;
    int pa = p > a ? p - a : a - p;
    int pb = p > b ? p - b : b - p;
    int pc = p > c ? p - c : c - p;
    if (pa <= pb && pa <= pc) return (uint8_t)a;
    return (uint8_t)(pb <= pc ? b : c);
}

static void unfilter_scalar(int filter, uint8_t *row, const uint8_t *prev, size_t n, unsigned bpp)
{
    size_t i;
    switch (filter) {
    case 1:
        for (i = bpp; i < n; i++) row[i] = (uint8_t)(row[i] + row[i - bpp]);
        break;
    case 3:
        for (i = 0; i < bpp && i < n; i++) row[i] = (uint8_t)(row[i] + (prev[i] >> 1));
        for (; i < n; i++) row[i] = (uint8_t)(row[i] + ((row[i - bpp] + prev[i]) >> 1));
        break;
    case 4:
        for (i = 0; i < bpp && i < n; i++) row[i] = (uint8_t)(row[i] + prev[i]);
        for (; i < n; i++) row[i] = (uint8_t)(row[i] + paeth(row[i - bpp], prev[i], prev[i - bpp]));
        break;
    }
}

static inline v128_t load_px(const uint8_t *p) { return wasm_v128_load32_zero(p); }

/* Stores the low `bpp` (3 or 4) bytes of v: a 3-byte pixel must not touch the next pixel's byte. */
static inline void store_px(uint8_t *p, v128_t v, unsigned bpp)
{
    if (bpp == 4) {
        wasm_v128_store32_lane(p, v, 0);
    } else {
        wasm_v128_store16_lane(p, v, 0);
        wasm_v128_store8_lane(p + 2, v, 2);
    }
}

/*
 * Sub/Average/Paeth for bpp 3 or 4, one pixel per step. Loads read 4 bytes: for bpp 3 that is one
 * byte of the next pixel (or, at the row's end, of the next row or the slack), never stored.
 */
/* i8x16.splat(1) and i16x8.splat(0xff), from memory (pd_opaque, png_decode.h). */
static const v128_t unfilter_const[2] = { { 0x01010101, 0x01010101, 0x01010101, 0x01010101 }, { 0x00ff00ff, 0x00ff00ff, 0x00ff00ff, 0x00ff00ff } };

static inline void unfilter_px(int filter, uint8_t *row, const uint8_t *prev, size_t n, unsigned bpp)
{
    v128_t a = wasm_i32x4_splat(0); /* the unfiltered pixel to the left (zero before the first) */
    size_t i;
    switch (filter) {
    case 1:
        for (i = 0; i + bpp <= n; i += bpp) {
            a = wasm_i8x16_add(load_px(row + i), a);
            store_px(row + i, a, bpp);
        }
        break;
    case 3: {
        const v128_t one = wasm_v128_load(pd_opaque(&unfilter_const[0]));
        for (i = 0; i + bpp <= n; i += bpp) {
            v128_t b = load_px(prev + i);
            /* floor((a + b) / 2) = avgr(a, b) - ((a ^ b) & 1), in 8 bits without overflow */
            v128_t avg = wasm_i8x16_sub(wasm_u8x16_avgr(a, b), wasm_v128_and(wasm_v128_xor(a, b), one));
            a = wasm_i8x16_add(load_px(row + i), avg);
            store_px(row + i, a, bpp);
        }
        break;
    }
    case 4: {
        const v128_t lo8 = wasm_v128_load(pd_opaque(&unfilter_const[1]));
        v128_t a16 = wasm_i16x8_splat(0), c16 = wasm_i16x8_splat(0); /* left and above-left, 16-bit lanes */
        for (i = 0; i + bpp <= n; i += bpp) {
            v128_t b16 = wasm_u16x8_extend_low_u8x16(load_px(prev + i));
            /* p = a + b - c; pa = |p - a| = |b - c|, pb = |p - b| = |a - c|, pc = |p - c| = |b - c + a - c| */
            v128_t bc = wasm_i16x8_sub(b16, c16), ac = wasm_i16x8_sub(a16, c16);
            v128_t pa = wasm_i16x8_abs(bc), pb = wasm_i16x8_abs(ac), pc = wasm_i16x8_abs(wasm_i16x8_add(bc, ac));
            /* a if pa <= pb && pa <= pc, else b if pb <= pc, else c */
            v128_t pick_a = wasm_v128_and(wasm_i16x8_le(pa, pb), wasm_i16x8_le(pa, pc));
            v128_t pick_b = wasm_i16x8_le(pb, pc);
            v128_t pred = wasm_v128_bitselect(a16, wasm_v128_bitselect(b16, c16, pick_b), pick_a);
            v128_t x16 = wasm_u16x8_extend_low_u8x16(load_px(row + i));
            a16 = wasm_v128_and(wasm_i16x8_add(x16, pred), lo8);
            store_px(row + i, wasm_u8x16_narrow_i16x8(a16, a16), bpp);
            c16 = b16;
        }
        break;
    }
    }
}

void pd_unfilter_row(int filter, uint8_t *row, const uint8_t *prev, size_t rowbytes, unsigned bpp)
{
    if (filter == 0) return;
    if (filter == 2) {
        size_t i = 0;
        for (; i + 16 <= rowbytes; i += 16)
            wasm_v128_store(row + i, wasm_i8x16_add(wasm_v128_load(row + i), wasm_v128_load(prev + i)));
        for (; i < rowbytes; i++) row[i] = (uint8_t)(row[i] + prev[i]);
        return;
    }
    /* Specialised copies so that bpp is a constant inside the loop. */
    if (bpp == 3) unfilter_px(filter, row, prev, rowbytes, 3);
    else if (bpp == 4) unfilter_px(filter, row, prev, rowbytes, 4);
    else unfilter_scalar(filter, row, prev, rowbytes, bpp);
}
