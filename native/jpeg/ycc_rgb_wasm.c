/*
 * YCbCr -> RGB(A/X) colour conversion (jdcolor.c ycc_rgb_convert) in WebAssembly SIMD128,
 * bit-exact with the C code for all 2^24 inputs (the unit test checks every one).
 *
 * The C code adds table entries to Y and clamps through range_limit:
 *   R = clamp(Y + ((91881 x_r + 2^15) >> 16))
 *   G = clamp(Y + ((-22554 x_b - 46802 x_r + 2^15) >> 16))
 *   B = clamp(Y + ((116130 x_b + 2^15) >> 16))        with x = C - 128, FIX(k) = round(k * 2^16).
 * Here, in 16-bit lanes:
 *  - R and B: q15mulr(2x, 22970) and q15mulr(2x, 29033), i.e. (2x * c + 2^14) >> 15, equal the
 *    table entries for every x in [-128, 127] (a finite check, done exhaustively by the test);
 *  - G: the C formula itself, with i32x4.dot_i16x8_s on (x_b, 2 x_r) pairs and constants
 *    (-22554, -23401), so no 16-bit constant has to hold 46802;
 *  - Y + offset is at most 433 and at least -180, so a saturating narrow to u8 is range_limit.
 * The alpha/X byte is 255, as in C. 16 pixels per step; the last, partial step goes through a
 * buffer so that nothing past output_width is written (the rows are the caller's image).
 */

#include <wasm_simd128.h>
#include <string.h>
#define JPEG_INTERNALS
#include "jinclude.h"
#include "jpeglib.h"
#include "jsimd_wasm.h"

#define F_1_402_Q15 22970 /* (2x * F + 2^14) >> 15 == (91881 x + 2^15) >> 16 for every x in [-128, 127] */
#define F_1_772_Q15 29033 /* (2x * F + 2^14) >> 15 == (116130 x + 2^15) >> 16 */
#define F_0_344 22554     /* FIX(0.34414) */
#define F_0_714_HALF 23401 /* FIX(0.71414) / 2, applied to 2 x_r */

/* Byte positions of R, G, B and the alpha/X byte in an output pixel, per colour space. */
struct layout {
  int size, r, g, b, x;
};

static int layout_of(J_COLOR_SPACE cs, struct layout *l) {
  switch (cs) {
  case JCS_EXT_RGBX: case JCS_EXT_RGBA: *l = (struct layout){ 4, 0, 1, 2, 3 }; return 1;
  case JCS_EXT_BGRX: case JCS_EXT_BGRA: *l = (struct layout){ 4, 2, 1, 0, 3 }; return 1;
  case JCS_EXT_XBGR: case JCS_EXT_ABGR: *l = (struct layout){ 4, 3, 2, 1, 0 }; return 1;
  case JCS_EXT_XRGB: case JCS_EXT_ARGB: *l = (struct layout){ 4, 1, 2, 3, 0 }; return 1;
  case JCS_EXT_BGR: *l = (struct layout){ 3, 2, 1, 0, -1 }; return 1;
  default: *l = (struct layout){ 3, 0, 1, 2, -1 }; return 1; /* JCS_RGB, JCS_EXT_RGB */
  }
}

/* Y + offset (i16), narrowed with saturation to u8: libjpeg's range_limit. */
static inline v128_t add_clamp(v128_t y_lo, v128_t y_hi, v128_t off_lo, v128_t off_hi) {
  return wasm_u8x16_narrow_i16x8(wasm_i16x8_add(y_lo, off_lo), wasm_i16x8_add(y_hi, off_hi));
}

/* G - Y for 8 pixels: (-22554 x_b - 23401 (2 x_r) + 2^15) >> 16. */
static inline v128_t g_offset(v128_t xb, v128_t xr2, v128_t k, v128_t half) {
  v128_t lo = wasm_i32x4_dot_i16x8(wasm_i16x8_shuffle(xb, xr2, 0, 8, 1, 9, 2, 10, 3, 11), k);
  v128_t hi = wasm_i32x4_dot_i16x8(wasm_i16x8_shuffle(xb, xr2, 4, 12, 5, 13, 6, 14, 7, 15), k);
  lo = wasm_i32x4_shr(wasm_i32x4_add(lo, half), 16);
  hi = wasm_i32x4_shr(wasm_i32x4_add(hi, half), 16);
  return wasm_i16x8_narrow_i32x4(lo, hi);
}

/* The loop's constants, loaded once per call (jsimd_wasm.h, opaque()). */
struct ycc_consts {
  v128_t bias, kr, kb, kg, half;
};
static const v128_t ycc_const_table[5] = {
  (v128_t)(__u32x4){ 0x80808080u, 0x80808080u, 0x80808080u, 0x80808080u }, /* i8x16.splat(0x80) */
  (v128_t)(__i16x8){ F_1_402_Q15, F_1_402_Q15, F_1_402_Q15, F_1_402_Q15, F_1_402_Q15, F_1_402_Q15, F_1_402_Q15, F_1_402_Q15 },
  (v128_t)(__i16x8){ F_1_772_Q15, F_1_772_Q15, F_1_772_Q15, F_1_772_Q15, F_1_772_Q15, F_1_772_Q15, F_1_772_Q15, F_1_772_Q15 },
  (v128_t)(__i16x8){ -F_0_344, -F_0_714_HALF, -F_0_344, -F_0_714_HALF, -F_0_344, -F_0_714_HALF, -F_0_344, -F_0_714_HALF },
  (v128_t)(__i32x4){ 1 << 15, 1 << 15, 1 << 15, 1 << 15 },
};
static inline struct ycc_consts load_ycc_consts(void) {
  const v128_t *t = opaque(ycc_const_table);
  return (struct ycc_consts){ wasm_v128_load(t), wasm_v128_load(t + 1), wasm_v128_load(t + 2), wasm_v128_load(t + 3), wasm_v128_load(t + 4) };
}

/* 16 pixels as R, G, B, 255 bytes, in 4 vectors (returned by value so they stay in wasm locals). */
typedef struct {
  v128_t v[4];
} rgba16;

static inline rgba16 convert16(const JSAMPLE *y, const JSAMPLE *cb, const JSAMPLE *cr, const struct ycc_consts *k) {
  const v128_t bias = k->bias;
  v128_t yv = wasm_v128_load(y);
  v128_t b8 = wasm_v128_xor(wasm_v128_load(cb), bias); /* C - 128 as i8 */
  v128_t r8 = wasm_v128_xor(wasm_v128_load(cr), bias);
  v128_t y_lo = wasm_u16x8_extend_low_u8x16(yv), y_hi = wasm_u16x8_extend_high_u8x16(yv);
  v128_t xb_lo = wasm_i16x8_extend_low_i8x16(b8), xb_hi = wasm_i16x8_extend_high_i8x16(b8);
  v128_t xr_lo = wasm_i16x8_extend_low_i8x16(r8), xr_hi = wasm_i16x8_extend_high_i8x16(r8);
  v128_t xr2_lo = wasm_i16x8_shl(xr_lo, 1), xr2_hi = wasm_i16x8_shl(xr_hi, 1);
  v128_t xb2_lo = wasm_i16x8_shl(xb_lo, 1), xb2_hi = wasm_i16x8_shl(xb_hi, 1);
  const v128_t kr = k->kr, kb = k->kb;

  v128_t r = add_clamp(y_lo, y_hi, wasm_i16x8_q15mulr_sat(xr2_lo, kr), wasm_i16x8_q15mulr_sat(xr2_hi, kr));
  v128_t b = add_clamp(y_lo, y_hi, wasm_i16x8_q15mulr_sat(xb2_lo, kb), wasm_i16x8_q15mulr_sat(xb2_hi, kb));
  v128_t g = add_clamp(y_lo, y_hi, g_offset(xb_lo, xr2_lo, k->kg, k->half), g_offset(xb_hi, xr2_hi, k->kg, k->half));
  v128_t a = wasm_i8x16_splat(-1);

  v128_t rg_lo = wasm_i8x16_shuffle(r, g, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  v128_t rg_hi = wasm_i8x16_shuffle(r, g, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  v128_t ba_lo = wasm_i8x16_shuffle(b, a, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  v128_t ba_hi = wasm_i8x16_shuffle(b, a, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  return (rgba16){ { wasm_i16x8_shuffle(rg_lo, ba_lo, 0, 8, 1, 9, 2, 10, 3, 11), wasm_i16x8_shuffle(rg_lo, ba_lo, 4, 12, 5, 13, 6, 14, 7, 15),
                     wasm_i16x8_shuffle(rg_hi, ba_hi, 0, 8, 1, 9, 2, 10, 3, 11), wasm_i16x8_shuffle(rg_hi, ba_hi, 4, 12, 5, 13, 6, 14, 7, 15) } };
}

/* Writes the first n <= 16 pixels in layout l (the partial last step, and non-RGBA layouts). */
static void store_layout(const struct layout *l, rgba16 rgba, JSAMPROW out, int n) {
  uint8_t px[64];
  memcpy(px, rgba.v, 64);
  for (int i = 0; i < n; i++, out += l->size) {
    out[l->r] = px[4 * i];
    out[l->g] = px[4 * i + 1];
    out[l->b] = px[4 * i + 2];
    if (l->x >= 0) out[l->x] = 255;
  }
}

void jsimd_ycc_rgb_convert_wasm(JDIMENSION width, J_COLOR_SPACE out_color_space, JSAMPIMAGE input_buf,
                                JDIMENSION input_row, JSAMPARRAY output_buf, int num_rows) {
  struct layout l;
  layout_of(out_color_space, &l);
  const int rgba = l.size == 4 && l.r == 0 && l.g == 1 && l.b == 2;
  const struct ycc_consts k = load_ycc_consts();
  while (--num_rows >= 0) {
    const JSAMPLE *y = input_buf[0][input_row], *cb = input_buf[1][input_row], *cr = input_buf[2][input_row];
    JSAMPROW out = *output_buf++;
    input_row++;
    JDIMENSION col = 0;
    /* The input rows are libjpeg's sample arrays, padded to a multiple of 64 samples: reading a
       whole vector at the last partial step stays inside them. */
    if (rgba) {
      for (; col + 16 <= width; col += 16, out += 64) {
        rgba16 px = convert16(y + col, cb + col, cr + col, &k);
        wasm_v128_store(out, px.v[0]);
        wasm_v128_store(out + 16, px.v[1]);
        wasm_v128_store(out + 32, px.v[2]);
        wasm_v128_store(out + 48, px.v[3]);
      }
    }
    for (; col < width; col += 16, out += 16 * l.size)
      store_layout(&l, convert16(y + col, cb + col, cr + col, &k), out, width - col < 16 ? (int)(width - col) : 16);
  }
}
