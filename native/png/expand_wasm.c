/*
 * One unfiltered PNG row to 8-bit RGBA, for every colour type and bit depth:
 *  - gray 1/2/4 bits scaled to 8 (x255, x85, x17, as Pillow's unpackers), 16 bits keep the high
 *    byte (our documented choice for 16-bit gray; for 16-bit colour it is Pillow's);
 *  - tRNS: the matching gray or RGB sample value (compared at full depth) gets alpha 0;
 *  - palette: through the 256-entry RGBA table api.c filled.
 * 8-bit RGB, RGBA, gray and gray+alpha (nearly all photos) use SIMD128 shuffles; the rest are
 * plain loops.
 */
#include <string.h>
#include <wasm_simd128.h>

#include "png_decode.h"

static inline uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Sample x of a row of 1/2/4/8-bit samples. */
static inline unsigned sample(const uint8_t *row, uint32_t x, unsigned depth)
{
    if (depth == 8) return row[x];
    unsigned per_byte = 8 / depth;
    unsigned shift = 8 - depth * (x % per_byte + 1);
    return (row[x / per_byte] >> shift) & ((1u << depth) - 1);
}

/* Alpha 255 as i32 lanes 0xff000000 (from memory: pd_opaque, png_decode.h). */
static const v128_t alpha_lanes = { (int32_t)0xff000000, (int32_t)0xff000000, (int32_t)0xff000000, (int32_t)0xff000000 };

static void rgb8(const uint8_t *in, uint32_t w, uint8_t *out)
{
    const v128_t alpha = wasm_v128_load(pd_opaque(&alpha_lanes));
    uint32_t x = 0;
    /* 4 pixels per step: 12 bytes in (16 loaded; the row is followed by PD_SLACK readable bytes) */
    for (; x + 4 <= w; x += 4) {
        v128_t v = wasm_v128_load(in + 3 * x);
        /* bytes 12-15 land in the alpha bytes, which the or sets to 255 whatever they were */
        v = wasm_i8x16_shuffle(v, v, 0, 1, 2, 12, 3, 4, 5, 13, 6, 7, 8, 14, 9, 10, 11, 15);
        wasm_v128_store(out + 4 * x, wasm_v128_or(v, alpha));
    }
    for (; x < w; x++) {
        out[4 * x] = in[3 * x];
        out[4 * x + 1] = in[3 * x + 1];
        out[4 * x + 2] = in[3 * x + 2];
        out[4 * x + 3] = 255;
    }
}

static void gray8(const uint8_t *in, uint32_t w, uint8_t *out)
{
    const v128_t alpha = wasm_v128_load(pd_opaque(&alpha_lanes));
    uint32_t x = 0;
    for (; x + 16 <= w; x += 16) {
        v128_t g = wasm_v128_load(in + x);
        v128_t q0 = wasm_i8x16_shuffle(g, g, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
        v128_t q1 = wasm_i8x16_shuffle(g, g, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7);
        v128_t q2 = wasm_i8x16_shuffle(g, g, 8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11);
        v128_t q3 = wasm_i8x16_shuffle(g, g, 12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15);
        wasm_v128_store(out + 4 * x, wasm_v128_or(q0, alpha));
        wasm_v128_store(out + 4 * x + 16, wasm_v128_or(q1, alpha));
        wasm_v128_store(out + 4 * x + 32, wasm_v128_or(q2, alpha));
        wasm_v128_store(out + 4 * x + 48, wasm_v128_or(q3, alpha));
    }
    for (; x < w; x++) {
        out[4 * x] = out[4 * x + 1] = out[4 * x + 2] = in[x];
        out[4 * x + 3] = 255;
    }
}

static void gray_alpha8(const uint8_t *in, uint32_t w, uint8_t *out)
{
    uint32_t x = 0;
    for (; x + 8 <= w; x += 8) {
        v128_t v = wasm_v128_load(in + 2 * x);
        wasm_v128_store(out + 4 * x, wasm_i8x16_shuffle(v, v, 0, 0, 0, 1, 2, 2, 2, 3, 4, 4, 4, 5, 6, 6, 6, 7));
        wasm_v128_store(out + 4 * x + 16, wasm_i8x16_shuffle(v, v, 8, 8, 8, 9, 10, 10, 10, 11, 12, 12, 12, 13, 14, 14, 14, 15));
    }
    for (; x < w; x++) {
        out[4 * x] = out[4 * x + 1] = out[4 * x + 2] = in[2 * x];
        out[4 * x + 3] = in[2 * x + 1];
    }
}

void pd_expand_row(const struct pd_format *f, const uint8_t *row, uint32_t w, uint8_t *out)
{
    uint32_t x;
    const unsigned d = f->depth;
    switch (f->color_type) {
    case 0:
        if (d == 8 && !f->has_trns) {
            gray8(row, w, out);
            return;
        }
        for (x = 0; x < w; x++) {
            unsigned v = d == 16 ? be16(row + 2 * x) : sample(row, x, d);
            uint8_t g = d == 16 ? (uint8_t)(v >> 8) : (uint8_t)(v * (255u / ((1u << d) - 1)));
            out[4 * x] = out[4 * x + 1] = out[4 * x + 2] = g;
            out[4 * x + 3] = f->has_trns && v == f->trns[0] ? 0 : 255;
        }
        return;
    case 2:
        if (d == 8 && !f->has_trns) {
            rgb8(row, w, out);
            return;
        }
        for (x = 0; x < w; x++) {
            unsigned r, g, b;
            if (d == 16) {
                r = be16(row + 6 * x), g = be16(row + 6 * x + 2), b = be16(row + 6 * x + 4);
                out[4 * x] = (uint8_t)(r >> 8), out[4 * x + 1] = (uint8_t)(g >> 8), out[4 * x + 2] = (uint8_t)(b >> 8);
            } else {
                r = row[3 * x], g = row[3 * x + 1], b = row[3 * x + 2];
                out[4 * x] = (uint8_t)r, out[4 * x + 1] = (uint8_t)g, out[4 * x + 2] = (uint8_t)b;
            }
            out[4 * x + 3] = f->has_trns && r == f->trns[0] && g == f->trns[1] && b == f->trns[2] ? 0 : 255;
        }
        return;
    case 3:
        for (x = 0; x < w; x++) memcpy(out + 4 * x, &f->palette[sample(row, x, d)], 4);
        return;
    case 4:
        if (d == 8) {
            gray_alpha8(row, w, out);
            return;
        }
        for (x = 0; x < w; x++) {
            out[4 * x] = out[4 * x + 1] = out[4 * x + 2] = row[4 * x];
            out[4 * x + 3] = row[4 * x + 2];
        }
        return;
    case 6:
        if (d == 8) {
            memcpy(out, row, (size_t)w * 4);
            return;
        }
        for (x = 0; x < w; x++) {
            out[4 * x] = row[8 * x], out[4 * x + 1] = row[8 * x + 2], out[4 * x + 2] = row[8 * x + 4];
            out[4 * x + 3] = row[8 * x + 6];
        }
        return;
    }
}
