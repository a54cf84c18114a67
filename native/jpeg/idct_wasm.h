/*
 * What the IDCT kernels (idct_islow_wasm.c, idct_reduced_wasm.c) share: libjpeg's output range
 * limit and a 4x4 transpose.
 *
 * libjpeg's IDCTs end with range_limit[(x >> s) & 1023] (x rounded first), where range_limit is
 * IDCT_range_limit(cinfo), built by jdmaster.c prepare_range_limit_table: for an index i,
 *   i in [0, 127]: i + 128;  [128, 511]: 255;  [512, 895]: 0;  [896, 1023]: i - 896.
 * That is clamp(y, 0, 255) with y = ((i + 512) & 1023) - 384: the 10-bit field of x + 512 * 2^s
 * above bit s, minus 384. Here: range_field() extracts the field from x already rounded and
 * biased (RANGE_BIAS), and the 384 is subtracted in 16-bit lanes before the saturating narrow
 * to bytes (range_limit_u8), which is the clamp.
 */
#ifndef IDCT_WASM_H
#define IDCT_WASM_H

#include <wasm_simd128.h>

/* Rounding for DESCALE(., s) plus the table's 512 << s. */
#define RANGE_BIAS(s) ((1 << ((s) - 1)) + (512 << (s)))

/* The 10 bits of x above bit s, as an unsigned value in [0, 1023]. */
static inline v128_t range_field(v128_t x, int s) { return wasm_u32x4_shr(wasm_i32x4_shl(x, 22 - s), 22); }

/* Bytes from fields (i16 lanes): clamp(field - 384, 0, 255). */
static inline v128_t range_limit_u8(v128_t f0, v128_t f1) {
  const v128_t k = wasm_i16x8_splat(384);
  return wasm_u8x16_narrow_i16x8(wasm_i16x8_sub(f0, k), wasm_i16x8_sub(f1, k));
}

/* The same for one value x (already rounded and biased by RANGE_BIAS(s)). */
static inline uint8_t range_limit_scalar(uint32_t x, int s) {
  int y = (int)((x << (22 - s)) >> 22) - 384;
  return (uint8_t)(y < 0 ? 0 : y > 255 ? 255 : y);
}

/* 4x4 transpose of i32 lanes. */
static inline void transpose4(v128_t *a, v128_t *b, v128_t *c, v128_t *d) {
  v128_t ab0 = wasm_i32x4_shuffle(*a, *b, 0, 4, 1, 5), ab1 = wasm_i32x4_shuffle(*a, *b, 2, 6, 3, 7);
  v128_t cd0 = wasm_i32x4_shuffle(*c, *d, 0, 4, 1, 5), cd1 = wasm_i32x4_shuffle(*c, *d, 2, 6, 3, 7);
  *a = wasm_i64x2_shuffle(ab0, cd0, 0, 2);
  *b = wasm_i64x2_shuffle(ab0, cd0, 1, 3);
  *c = wasm_i64x2_shuffle(ab1, cd1, 0, 2);
  *d = wasm_i64x2_shuffle(ab1, cd1, 1, 3);
}

#endif
