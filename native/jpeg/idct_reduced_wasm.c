/*
 * libjpeg's reduced-size inverse DCTs (jidctred.c), used when a JPEG is decoded at 1/2 (4x4
 * outputs per block) or 1/4 (2x2) of its size, in WebAssembly SIMD128 — bit-exact with the C
 * code for every input, by the same rules as idct_islow_wasm.c: 32-bit wrapping arithmetic in
 * i32 lanes, the C code's all-zero short cuts reproduced per lane, and libjpeg's range-limit
 * table as a sign-extended 10-bit field clamped to [0, 255].
 *
 * These IDCTs read only some coefficients: 4x4 ignores row and column 4, 2x2 uses rows and
 * columns 0, 1, 3, 5, 7. Computing unused lanes costs nothing extra and they are never stored.
 */

#include <wasm_simd128.h>
#define JPEG_INTERNALS
#include "jinclude.h"
#include "jpeglib.h"
#include "jdct.h"
#include "jsimd_wasm.h"
#include "idct_wasm.h"

/* FIX(x) = round(x * 2^13) (CONST_BITS = 13; PASS1_BITS = 2). */
#define F_0_211 1730
#define F_0_509 4176
#define F_0_601 4926
#define F_0_720 5906
#define F_0_765 6270
#define F_0_850 6967
#define F_0_899 7373
#define F_1_061 8697
#define F_1_272 10426
#define F_1_451 11893
#define F_1_847 15137
#define F_2_172 17799
#define F_2_562 20995
#define F_3_624 29692

static inline v128_t mul(v128_t a, int32_t c) { return wasm_i32x4_mul(a, wasm_i32x4_splat(c)); }
static inline v128_t add(v128_t a, v128_t b) { return wasm_i32x4_add(a, b); }
static inline v128_t sub(v128_t a, v128_t b) { return wasm_i32x4_sub(a, b); }
static inline v128_t is_zero(v128_t a) { return wasm_i32x4_eq(a, wasm_i32x4_splat(0)); }

/* Dequantized coefficients of row r, columns 4h..4h+3. */
static inline v128_t dequant(JCOEFPTR coef, const int16_t *q, int r, int h) {
  v128_t c = wasm_v128_load(coef + 8 * r), k = wasm_v128_load(q + 8 * r);
  return h ? wasm_i32x4_extmul_high_i16x8(c, k) : wasm_i32x4_extmul_low_i16x8(c, k);
}

/* range_limit[DESCALE(v, s) & 1023] as a range field (idct_wasm.h). */
#define LIMIT(v, s) range_field(wasm_i32x4_add((v), wasm_i32x4_splat(RANGE_BIAS(s))), (s))

/* 4-point odd part shared by both passes of the 4x4 IDCT: inputs 7, 5, 3, 1. */
static inline void odd4(v128_t z1, v128_t z2, v128_t z3, v128_t z4, v128_t *tmp0, v128_t *tmp2) {
  *tmp0 = add(add(mul(z1, -F_0_211), mul(z2, F_1_451)), add(mul(z3, -F_2_172), mul(z4, F_1_061)));
  *tmp2 = add(add(mul(z1, -F_0_509), mul(z2, -F_0_601)), add(mul(z3, F_0_899), mul(z4, F_2_562)));
}

/* Raw coefficients of rows r, as i16x8 (the C short cuts test these, before dequantization). */
static inline v128_t row(JCOEFPTR coef, int r) { return wasm_v128_load(coef + 8 * r); }

/* Per-lane mask (i32) of columns 4h..4h+3 whose i16 lanes in `any` are zero. */
static inline v128_t zero_cols(v128_t any, int h) {
  v128_t z = wasm_i16x8_eq(any, wasm_i16x8_splat(0));
  return h ? wasm_i32x4_extend_high_i16x8(z) : wasm_i32x4_extend_low_i16x8(z);
}

void jsimd_idct_4x4_wasm(void *dct_table, JCOEFPTR coef_block, JSAMPARRAY output_buf, JDIMENSION output_col) {
  const int16_t *q = (const int16_t *)dct_table;
  /* Pass 1: columns (lane = column) from rows 0, 1, 2, 3, 5, 6, 7; w[r][h] = workspace row r
     (0..3), columns 4h..4h+3 (column 4 is computed but never read, as in C). */
  v128_t any_ac = wasm_v128_or(wasm_v128_or(wasm_v128_or(row(coef_block, 1), row(coef_block, 2)), row(coef_block, 3)),
                               wasm_v128_or(wasm_v128_or(row(coef_block, 5), row(coef_block, 6)), row(coef_block, 7)));
  const v128_t bias1 = wasm_i32x4_splat(1 << 11); /* DESCALE(., CONST_BITS - PASS1_BITS + 1) */
  v128_t w[4][2];
  UNROLL for (int h = 0; h < 2; h++) {
    v128_t d0 = dequant(coef_block, q, 0, h);
    v128_t tmp0 = add(wasm_i32x4_shl(d0, 14), bias1);
    v128_t tmp2 = add(mul(dequant(coef_block, q, 2, h), F_1_847), mul(dequant(coef_block, q, 6, h), -F_0_765));
    v128_t tmp10 = add(tmp0, tmp2), tmp12 = sub(tmp0, tmp2), o0, o2;
    odd4(dequant(coef_block, q, 7, h), dequant(coef_block, q, 5, h), dequant(coef_block, q, 3, h),
         dequant(coef_block, q, 1, h), &o0, &o2);
    v128_t shortcut = zero_cols(any_ac, h), dc = wasm_i32x4_shl(d0, 2);
    w[0][h] = wasm_v128_bitselect(dc, wasm_i32x4_shr(add(tmp10, o2), 12), shortcut);
    w[3][h] = wasm_v128_bitselect(dc, wasm_i32x4_shr(sub(tmp10, o2), 12), shortcut);
    w[1][h] = wasm_v128_bitselect(dc, wasm_i32x4_shr(add(tmp12, o0), 12), shortcut);
    w[2][h] = wasm_v128_bitselect(dc, wasm_i32x4_shr(sub(tmp12, o0), 12), shortcut);
  }

  /* Pass 2: rows (lane = row); t[k] = workspace column k of rows 0..3. */
  v128_t t[8];
  UNROLL for (int h = 0; h < 2; h++) {
    v128_t a = w[0][h], b = w[1][h], c = w[2][h], d = w[3][h];
    transpose4(&a, &b, &c, &d);
    t[4 * h] = a, t[4 * h + 1] = b, t[4 * h + 2] = c, t[4 * h + 3] = d;
  }
  v128_t shortcut = is_zero(wasm_v128_or(wasm_v128_or(wasm_v128_or(t[1], t[2]), t[3]), wasm_v128_or(wasm_v128_or(t[5], t[6]), t[7])));
  v128_t dc = LIMIT(t[0], 5); /* range_limit[DESCALE(w0, PASS1_BITS + 3)] */
  v128_t tmp0 = wasm_i32x4_shl(t[0], 14);
  v128_t tmp2 = add(mul(t[2], F_1_847), mul(t[6], -F_0_765));
  v128_t tmp10 = add(tmp0, tmp2), tmp12 = sub(tmp0, tmp2), o0, o2;
  odd4(t[7], t[5], t[3], t[1], &o0, &o2);
  v128_t x0 = wasm_v128_bitselect(dc, LIMIT(add(tmp10, o2), 19), shortcut);
  v128_t x3 = wasm_v128_bitselect(dc, LIMIT(sub(tmp10, o2), 19), shortcut);
  v128_t x1 = wasm_v128_bitselect(dc, LIMIT(add(tmp12, o0), 19), shortcut);
  v128_t x2 = wasm_v128_bitselect(dc, LIMIT(sub(tmp12, o0), 19), shortcut);

  /* Bytes: columns 0..3 x rows 0..3, then to row-major. */
  v128_t b = range_limit_u8(wasm_i16x8_narrow_i32x4(x0, x1), wasm_i16x8_narrow_i32x4(x2, x3));
  b = wasm_i8x16_shuffle(b, b, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  wasm_v128_store32_lane(output_buf[0] + output_col, b, 0);
  wasm_v128_store32_lane(output_buf[1] + output_col, b, 1);
  wasm_v128_store32_lane(output_buf[2] + output_col, b, 2);
  wasm_v128_store32_lane(output_buf[3] + output_col, b, 3);
}

void jsimd_idct_2x2_wasm(void *dct_table, JCOEFPTR coef_block, JSAMPARRAY output_buf, JDIMENSION output_col) {
  const int16_t *q = (const int16_t *)dct_table;
  /* Pass 1: columns (lane = column) from rows 0, 1, 3, 5, 7; w[r][h] = workspace row r (0..1). */
  v128_t any_ac = wasm_v128_or(wasm_v128_or(row(coef_block, 1), row(coef_block, 3)), wasm_v128_or(row(coef_block, 5), row(coef_block, 7)));
  const v128_t bias1 = wasm_i32x4_splat(1 << 12); /* DESCALE(., CONST_BITS - PASS1_BITS + 2) */
  v128_t w[2][2];
  UNROLL for (int h = 0; h < 2; h++) {
    v128_t d0 = dequant(coef_block, q, 0, h);
    v128_t tmp10 = add(wasm_i32x4_shl(d0, 15), bias1);
    v128_t tmp0 = add(add(mul(dequant(coef_block, q, 7, h), -F_0_720), mul(dequant(coef_block, q, 5, h), F_0_850)),
                      add(mul(dequant(coef_block, q, 3, h), -F_1_272), mul(dequant(coef_block, q, 1, h), F_3_624)));
    v128_t shortcut = zero_cols(any_ac, h), dc = wasm_i32x4_shl(d0, 2);
    w[0][h] = wasm_v128_bitselect(dc, wasm_i32x4_shr(add(tmp10, tmp0), 13), shortcut);
    w[1][h] = wasm_v128_bitselect(dc, wasm_i32x4_shr(sub(tmp10, tmp0), 13), shortcut);
  }

  /* Pass 2: rows 0 and 1 in lanes 0 and 1; t_k = workspace column k. */
  v128_t t0 = wasm_i32x4_shuffle(w[0][0], w[1][0], 0, 4, 0, 4);
  v128_t t1 = wasm_i32x4_shuffle(w[0][0], w[1][0], 1, 5, 1, 5);
  v128_t t3 = wasm_i32x4_shuffle(w[0][0], w[1][0], 3, 7, 3, 7);
  v128_t t5 = wasm_i32x4_shuffle(w[0][1], w[1][1], 1, 5, 1, 5);
  v128_t t7 = wasm_i32x4_shuffle(w[0][1], w[1][1], 3, 7, 3, 7);
  v128_t shortcut = is_zero(wasm_v128_or(wasm_v128_or(t1, t3), wasm_v128_or(t5, t7)));
  v128_t dc = LIMIT(t0, 5);
  v128_t tmp10 = wasm_i32x4_shl(t0, 15);
  v128_t tmp0 = add(add(mul(t7, -F_0_720), mul(t5, F_0_850)), add(mul(t3, -F_1_272), mul(t1, F_3_624)));
  v128_t x0 = wasm_v128_bitselect(dc, LIMIT(add(tmp10, tmp0), 20), shortcut);
  v128_t x1 = wasm_v128_bitselect(dc, LIMIT(sub(tmp10, tmp0), 20), shortcut);
  /* x0 = column 0 of rows 0, 1; x1 = column 1. Bytes r0c0 r0c1 r1c0 r1c1. */
  v128_t b = range_limit_u8(wasm_i16x8_narrow_i32x4(x0, x1), wasm_i16x8_narrow_i32x4(x0, x1));
  b = wasm_i8x16_shuffle(b, b, 0, 4, 1, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  wasm_v128_store16_lane(output_buf[0] + output_col, b, 0);
  wasm_v128_store16_lane(output_buf[1] + output_col, b, 1);
}
