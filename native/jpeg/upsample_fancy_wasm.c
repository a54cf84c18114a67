/*
 * "Fancy" (triangle-filter) chroma upsampling, h2v1 (4:2:2) and h2v2 (4:2:0), as in jdsample.c,
 * in WebAssembly SIMD128 — bit-exact with the C code (integer arithmetic only, no overflow in
 * 16-bit lanes: at most 4 * 1020 + 8).
 *
 * h2v1, per input sample s[i]:  out[2i] = (3 s[i] + s[i-1] + 1) >> 2,  out[2i+1] = (3 s[i] + s[i+1] + 2) >> 2
 * h2v2, with column sums c[i] = 3 * nearer row + further row (the row above for the upper output
 * row, below for the lower):  out[2i] = (3 c[i] + c[i-1] + 8) >> 4,  out[2i+1] = (3 c[i] + c[i+1] + 7) >> 4
 * At the edges the C code outputs s[0] (c[0] * 4 >> 4) and s[w-1]: the same formulas with the
 * missing neighbour replaced by the edge sample itself, which is how the vectors are built here.
 *
 * 16 input samples per step. Input rows are libjpeg's sample arrays (padded to a multiple of 64
 * samples) and are only read at 16-aligned offsets below round_up(w, 16); the neighbours come from
 * the previous/next step's vectors, never from unaligned loads past the row. Output rows are
 * libjpeg's upsampling buffers, padded likewise: the last step may write up to 2 * round_up(w, 16).
 */

#include <wasm_simd128.h>
#define JPEG_INTERNALS
#include "jinclude.h"
#include "jpeglib.h"
#include "jsimd_wasm.h"

/* The loops' i16 constants 1, 2, 3, 7, 8, loaded once per call through opaque() (jsimd_wasm.h). */
enum { K_ONE, K_TWO, K_THREE, K_SEVEN, K_EIGHT };
#define SPLAT16(v) ((v128_t)(__i16x8){ v, v, v, v, v, v, v, v })
static const v128_t upsample_const[5] = { SPLAT16(1), SPLAT16(2), SPLAT16(3), SPLAT16(7), SPLAT16(8) };

/* prev[k] = s[i+k-1]: lane 15 of the previous vector, then lanes 0..14 of this one. */
static inline v128_t shift_in_prev(v128_t prev, v128_t cur) {
  return wasm_i8x16_shuffle(prev, cur, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30);
}
/* next[k] = s[i+k+1]: lanes 1..15 of this vector, then lane 0 of the next one. */
static inline v128_t shift_in_next(v128_t cur, v128_t next) {
  return wasm_i8x16_shuffle(cur, next, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
}
/* Lanes >= n of `v` replaced by lane n - 1 (the last real sample), for the last, partial step. */
static inline v128_t clamp_tail_u8(v128_t v, int n) {
  const v128_t iota = wasm_i8x16_make(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  v128_t last = wasm_i8x16_swizzle(v, wasm_i8x16_splat((int8_t)(n - 1)));
  return wasm_v128_bitselect(v, last, wasm_i8x16_lt(iota, wasm_i8x16_splat((int8_t)n)));
}
static inline v128_t interleave_lo(v128_t a, v128_t b) {
  return wasm_i8x16_shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}
static inline v128_t interleave_hi(v128_t a, v128_t b) {
  return wasm_i8x16_shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
}

/*
 * Loads step `col` (a multiple of 16) of a row of `w` samples; lanes past the row's end repeat
 * its last sample, which makes the right edge come out as the C code's special case.
 */
static inline v128_t load_step(const JSAMPLE *row, JDIMENSION col, JDIMENSION w) {
  v128_t v = wasm_v128_load(row + col);
  return col + 16 > w ? clamp_tail_u8(v, (int)(w - col)) : v;
}

void jsimd_h2v1_fancy_upsample_wasm(int max_v_samp_factor, JDIMENSION w, JSAMPARRAY input_data, JSAMPARRAY output_data) {
  const v128_t *K = opaque(upsample_const);
  const v128_t one = wasm_v128_load(K + K_ONE), two = wasm_v128_load(K + K_TWO), three = wasm_v128_load(K + K_THREE);
  for (int row = 0; row < max_v_samp_factor; row++) {
    const JSAMPLE *in = input_data[row];
    JSAMPROW out = output_data[row];
    v128_t cur = load_step(in, 0, w);
    v128_t prev = wasm_i8x16_shuffle(cur, cur, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0); /* s[-1] := s[0] */
    for (JDIMENSION col = 0; col < w; col += 16, out += 32) {
      v128_t nxt = col + 16 < w ? load_step(in, col + 16, w) : wasm_i8x16_shuffle(cur, cur, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15);
      v128_t left = shift_in_prev(prev, cur), right = shift_in_next(cur, nxt);
      v128_t c3_lo = wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(cur), three);
      v128_t c3_hi = wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(cur), three);
      v128_t even_lo = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(c3_lo, wasm_u16x8_extend_low_u8x16(left)), one), 2);
      v128_t even_hi = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(c3_hi, wasm_u16x8_extend_high_u8x16(left)), one), 2);
      v128_t odd_lo = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(c3_lo, wasm_u16x8_extend_low_u8x16(right)), two), 2);
      v128_t odd_hi = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(c3_hi, wasm_u16x8_extend_high_u8x16(right)), two), 2);
      v128_t even = wasm_u8x16_narrow_i16x8(even_lo, even_hi), odd = wasm_u8x16_narrow_i16x8(odd_lo, odd_hi);
      wasm_v128_store(out, interleave_lo(even, odd));
      wasm_v128_store(out + 16, interleave_hi(even, odd));
      prev = cur;
      cur = nxt;
    }
  }
}

/* Column sums 3 * near + far for 8 samples (i16), from u8 vectors. */
static inline v128_t colsum_lo(v128_t near, v128_t far, v128_t three) {
  return wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(near), three), wasm_u16x8_extend_low_u8x16(far));
}
static inline v128_t colsum_hi(v128_t near, v128_t far, v128_t three) {
  return wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(near), three), wasm_u16x8_extend_high_u8x16(far));
}

/* Outputs 32 samples of h2v2 from the column sums c[i..i+15] (c_lo, c_hi), c[i-1] (lane 7 of
   prev_hi) and c[i+16] (lane 0 of next_lo). */
static inline void h2v2_step(v128_t prev_hi, v128_t c_lo, v128_t c_hi, v128_t next_lo, JSAMPROW out, const v128_t k[5]) {
  const v128_t eight = k[K_EIGHT], seven = k[K_SEVEN], three = k[K_THREE];
  v128_t left_lo = wasm_i16x8_shuffle(prev_hi, c_lo, 7, 8, 9, 10, 11, 12, 13, 14);
  v128_t left_hi = wasm_i16x8_shuffle(c_lo, c_hi, 7, 8, 9, 10, 11, 12, 13, 14);
  v128_t right_lo = wasm_i16x8_shuffle(c_lo, c_hi, 1, 2, 3, 4, 5, 6, 7, 8);
  v128_t right_hi = wasm_i16x8_shuffle(c_hi, next_lo, 1, 2, 3, 4, 5, 6, 7, 8);
  v128_t t_lo = wasm_i16x8_mul(c_lo, three), t_hi = wasm_i16x8_mul(c_hi, three);
  v128_t even = wasm_u8x16_narrow_i16x8(wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(t_lo, left_lo), eight), 4),
                                        wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(t_hi, left_hi), eight), 4));
  v128_t odd = wasm_u8x16_narrow_i16x8(wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(t_lo, right_lo), seven), 4),
                                       wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(t_hi, right_hi), seven), 4));
  wasm_v128_store(out, interleave_lo(even, odd));
  wasm_v128_store(out + 16, interleave_hi(even, odd));
}

/* One output row of h2v2: `near` is the input row at the same height, `far` the one above or below. */
static void h2v2_row(const JSAMPLE *near, const JSAMPLE *far, JSAMPROW out, JDIMENSION w, const v128_t k[5]) {
  v128_t n = load_step(near, 0, w), f = load_step(far, 0, w);
  v128_t c_lo = colsum_lo(n, f, k[K_THREE]), c_hi = colsum_hi(n, f, k[K_THREE]);
  v128_t prev_hi = wasm_i16x8_shuffle(c_lo, c_lo, 0, 0, 0, 0, 0, 0, 0, 0); /* c[-1] := c[0] */
  for (JDIMENSION col = 0;; col += 16, out += 32) {
    if (col + 16 >= w) {
      /* c[w] := c[w-1]: load_step repeated the last sample in the lanes past w; if w is a
         multiple of 16 the last lane is c[w-1] itself. */
      h2v2_step(prev_hi, c_lo, c_hi, wasm_i16x8_shuffle(c_hi, c_hi, 7, 7, 7, 7, 7, 7, 7, 7), out, k);
      return;
    }
    n = load_step(near, col + 16, w);
    f = load_step(far, col + 16, w);
    v128_t next_lo = colsum_lo(n, f, k[K_THREE]);
    h2v2_step(prev_hi, c_lo, c_hi, next_lo, out, k);
    prev_hi = c_hi;
    c_lo = next_lo;
    c_hi = colsum_hi(n, f, k[K_THREE]);
  }
}

void jsimd_h2v2_fancy_upsample_wasm(int max_v_samp_factor, JDIMENSION w, JSAMPARRAY input_data, JSAMPARRAY output_data) {
  const v128_t *K = opaque(upsample_const);
  const v128_t k[5] = { wasm_v128_load(K), wasm_v128_load(K + 1), wasm_v128_load(K + 2), wasm_v128_load(K + 3), wasm_v128_load(K + 4) };
  for (int inrow = 0, outrow = 0; outrow < max_v_samp_factor; inrow++) {
    h2v2_row(input_data[inrow], input_data[inrow - 1], output_data[outrow++], w, k);
    h2v2_row(input_data[inrow], input_data[inrow + 1], output_data[outrow++], w, k);
  }
}
