/*
 * libjpeg's "islow" 8x8 inverse DCT (jidctint.c, the default and what Pillow uses) in
 * WebAssembly SIMD128, bit-exact with the C code for every input, not only for valid JPEGs.
 *
 * The C code is the Loeffler-Ligtenberg-Moschytz IDCT in 32-bit integers: 13-bit constants,
 * columns first (results scaled by 2^2), then rows, with a short cut for columns and rows whose
 * AC terms are all zero. Built with -fwrapv, its 32-bit arithmetic wraps, so:
 *  - every product and sum is done here in i32 lanes too (i32x4.mul, extmul for the
 *    dequantization), never in 16 bits: a corrupt file with large coefficients and a large
 *    quantizer overflows both identically. Additions may be regrouped freely (wrap-around
 *    arithmetic is a ring), shifts are applied to the same values as in C;
 *  - the short cuts are reproduced, not skipped: for wrapping inputs they are not equal to the
 *    full formula (dc << 2 keeps bits that (dc << 13 + 2^10) >> 11 loses), so each lane takes
 *    the short-cut value when its column (row) has no AC terms, like the C code;
 *  - the output goes through libjpeg's range-limit table, which for an index x = (v >> 18) & 1023
 *    gives clamp(sign_extend_10(x + 128), 0, 255); computed as ((v + bias) << 4) >> 22 (the
 *    10 bits above bit 18, sign-extended) and a saturating narrow.
 *
 * Layout: a block is 8 rows of 8 coefficients (row-major). The column pass works on 4 columns at
 * once (lane = column, one vector per row), the row pass on 4 rows at once (lane = row, one
 * vector per column), with a 4x4-block transpose between them and an 8x8 byte transpose before
 * the stores. A block whose 63 AC coefficients are all zero takes both short cuts everywhere in
 * C, so it is filled with one value here (common in flat areas).
 */

#include <wasm_simd128.h>
#define JPEG_INTERNALS
#include "jinclude.h"
#include "jpeglib.h"
#include "jdct.h"
#include "jsimd_wasm.h"
#include "idct_wasm.h"

/* FIX(x) = round(x * 2^13), the constants of the C code (CONST_BITS = 13). */
#define F_0_298 2446
#define F_0_390 3196
#define F_0_541 4433
#define F_0_765 6270
#define F_0_899 7373
#define F_1_175 9633
#define F_1_501 12299
#define F_1_847 15137
#define F_1_961 16069
#define F_2_053 16819
#define F_2_562 20995
#define F_3_072 25172

#define CONST_BITS 13
#define PASS1_BITS 2

static inline v128_t mul(v128_t a, int32_t c) { return wasm_i32x4_mul(a, wasm_i32x4_splat(c)); }

/*
 * One 1-D IDCT over 4 lanes: in[k] is coefficient k of each lane's column (row). `round` is
 * added before the final shift (regrouped into the even part, which every output contains).
 * Outputs are left unshifted.
 */
static inline void idct8(const v128_t in[8], v128_t out[8], v128_t round) {
  /* Even part. */
  v128_t z1 = mul(wasm_i32x4_add(in[2], in[6]), F_0_541);
  v128_t tmp2 = wasm_i32x4_add(z1, mul(in[6], -F_1_847));
  v128_t tmp3 = wasm_i32x4_add(z1, mul(in[2], F_0_765));
  v128_t tmp0 = wasm_i32x4_add(wasm_i32x4_shl(wasm_i32x4_add(in[0], in[4]), CONST_BITS), round);
  v128_t tmp1 = wasm_i32x4_add(wasm_i32x4_shl(wasm_i32x4_sub(in[0], in[4]), CONST_BITS), round);
  v128_t tmp10 = wasm_i32x4_add(tmp0, tmp3);
  v128_t tmp13 = wasm_i32x4_sub(tmp0, tmp3);
  v128_t tmp11 = wasm_i32x4_add(tmp1, tmp2);
  v128_t tmp12 = wasm_i32x4_sub(tmp1, tmp2);

  /* Odd part. */
  v128_t o0 = in[7], o1 = in[5], o2 = in[3], o3 = in[1];
  v128_t y1 = wasm_i32x4_add(o0, o3);
  v128_t y2 = wasm_i32x4_add(o1, o2);
  v128_t y3 = wasm_i32x4_add(o0, o2);
  v128_t y4 = wasm_i32x4_add(o1, o3);
  v128_t z5 = mul(wasm_i32x4_add(y3, y4), F_1_175);
  o0 = mul(o0, F_0_298);
  o1 = mul(o1, F_2_053);
  o2 = mul(o2, F_3_072);
  o3 = mul(o3, F_1_501);
  y1 = mul(y1, -F_0_899);
  y2 = mul(y2, -F_2_562);
  y3 = wasm_i32x4_add(mul(y3, -F_1_961), z5);
  y4 = wasm_i32x4_add(mul(y4, -F_0_390), z5);
  o0 = wasm_i32x4_add(o0, wasm_i32x4_add(y1, y3));
  o1 = wasm_i32x4_add(o1, wasm_i32x4_add(y2, y4));
  o2 = wasm_i32x4_add(o2, wasm_i32x4_add(y2, y3));
  o3 = wasm_i32x4_add(o3, wasm_i32x4_add(y1, y4));

  out[0] = wasm_i32x4_add(tmp10, o3);
  out[7] = wasm_i32x4_sub(tmp10, o3);
  out[1] = wasm_i32x4_add(tmp11, o2);
  out[6] = wasm_i32x4_sub(tmp11, o2);
  out[2] = wasm_i32x4_add(tmp12, o1);
  out[5] = wasm_i32x4_sub(tmp12, o1);
  out[3] = wasm_i32x4_add(tmp13, o0);
  out[4] = wasm_i32x4_sub(tmp13, o0);
}

/* 8x8 transpose of i16 lanes. */
static inline void transpose8_i16(v128_t v[8]) {
  v128_t a[8], b[8];
  UNROLL for (int i = 0; i < 4; i++) {
    a[2 * i] = wasm_i16x8_shuffle(v[2 * i], v[2 * i + 1], 0, 8, 1, 9, 2, 10, 3, 11);
    a[2 * i + 1] = wasm_i16x8_shuffle(v[2 * i], v[2 * i + 1], 4, 12, 5, 13, 6, 14, 7, 15);
  }
  UNROLL for (int i = 0; i < 2; i++) UNROLL for (int j = 0; j < 2; j++) {
    b[4 * i + j] = wasm_i32x4_shuffle(a[4 * i + j], a[4 * i + j + 2], 0, 4, 1, 5);
    b[4 * i + j + 2] = wasm_i32x4_shuffle(a[4 * i + j], a[4 * i + j + 2], 2, 6, 3, 7);
  }
  /* b[0]: elements 0-1 of rows 0-3, b[2]: 2-3, b[1]: 4-5, b[3]: 6-7; b[4..7] likewise, rows 4-7. */
  static const int order[4] = { 0, 2, 1, 3 };
  UNROLL for (int i = 0; i < 4; i++) {
    v[2 * i] = wasm_i64x2_shuffle(b[order[i]], b[order[i] + 4], 0, 2);
    v[2 * i + 1] = wasm_i64x2_shuffle(b[order[i]], b[order[i] + 4], 1, 3);
  }
}

/* Stores an 8x8 block given as 8 columns (i16, rows 0..7) of range-limit fields: transposed while
   still i16 (interleaves only, one x64 instruction each in V8), then narrowed two rows at a time.
   (Narrowing first and transposing bytes took four two-input byte shuffles: in V8 two pshufb and
   a por each, and eight 128-bit masks built from immediates per block.) */
static inline void store_columns(const v128_t cols[8], JSAMPARRAY output_buf, JDIMENSION output_col) {
  v128_t v[8];
  UNROLL for (int k = 0; k < 8; k++) v[k] = cols[k];
  transpose8_i16(v); /* v[r] = row r */
  UNROLL for (int r = 0; r < 8; r += 2) {
    v128_t p = range_limit_u8(v[r], v[r + 1]);
    wasm_v128_store64_lane(output_buf[r] + output_col, p, 0);
    wasm_v128_store64_lane(output_buf[r + 1] + output_col, p, 1);
  }
}

/* The exact path: 32-bit lanes throughout, the C short cuts reproduced per lane. */
static __attribute__((noinline)) void idct_islow_i32(JCOEFPTR coef_block, const int16_t *q, JSAMPARRAY output_buf, JDIMENSION output_col) {
  v128_t c[8], qv[8];
  UNROLL for (int r = 0; r < 8; r++) {
    c[r] = wasm_v128_load(coef_block + 8 * r);
    qv[r] = wasm_v128_load(q + 8 * r);
  }
  v128_t ac = wasm_v128_or(wasm_v128_or(wasm_v128_or(c[1], c[2]), wasm_v128_or(c[3], c[4])),
                           wasm_v128_or(wasm_v128_or(c[5], c[6]), c[7]));

  /* Pass 1: columns. w[r][h] = row r, columns 4h..4h+3 of the workspace. */
  v128_t w[8][2];
  const v128_t round1 = wasm_i32x4_splat(1 << (CONST_BITS - PASS1_BITS - 1));
  v128_t ac_zero16 = wasm_i16x8_eq(ac, wasm_i16x8_splat(0));
  UNROLL for (int h = 0; h < 2; h++) {
    v128_t in[8], out[8];
    UNROLL for (int r = 0; r < 8; r++)
      in[r] = h ? wasm_i32x4_extmul_high_i16x8(c[r], qv[r]) : wasm_i32x4_extmul_low_i16x8(c[r], qv[r]);
    idct8(in, out, round1);
    v128_t shortcut = h ? wasm_i32x4_extend_high_i16x8(ac_zero16) : wasm_i32x4_extend_low_i16x8(ac_zero16);
    v128_t dc = wasm_i32x4_shl(in[0], PASS1_BITS);
    UNROLL for (int r = 0; r < 8; r++)
      w[r][h] = wasm_v128_bitselect(dc, wasm_i32x4_shr(out[r], CONST_BITS - PASS1_BITS), shortcut);
  }

  /* Transpose: t[k][g] = element k of rows 4g..4g+3. */
  v128_t t[8][2];
  UNROLL for (int g = 0; g < 2; g++)
    UNROLL for (int h = 0; h < 2; h++) {
      v128_t a = w[4 * g][h], b = w[4 * g + 1][h], cc = w[4 * g + 2][h], d = w[4 * g + 3][h];
      transpose4(&a, &b, &cc, &d);
      t[4 * h][g] = a;
      t[4 * h + 1][g] = b;
      t[4 * h + 2][g] = cc;
      t[4 * h + 3][g] = d;
    }

  /* Pass 2: rows. o[k][g] = output column k of rows 4g..4g+3, as libjpeg's range-limit index. */
  v128_t o[8][2];
  const v128_t round2 = wasm_i32x4_splat(RANGE_BIAS(CONST_BITS + PASS1_BITS + 3));
  const v128_t round2_dc = wasm_i32x4_splat(RANGE_BIAS(PASS1_BITS + 3));
  UNROLL for (int g = 0; g < 2; g++) {
    v128_t in[8], out[8];
    UNROLL for (int k = 0; k < 8; k++) in[k] = t[k][g];
    idct8(in, out, round2);
    v128_t row_ac = wasm_v128_or(wasm_v128_or(wasm_v128_or(in[1], in[2]), wasm_v128_or(in[3], in[4])),
                                 wasm_v128_or(wasm_v128_or(in[5], in[6]), in[7]));
    v128_t shortcut = wasm_i32x4_eq(row_ac, wasm_i32x4_splat(0));
    /* The short cut: range_limit[DESCALE(w0, PASS1_BITS + 3) & 1023]. */
    v128_t dc = range_field(wasm_i32x4_add(in[0], round2_dc), PASS1_BITS + 3);
    UNROLL for (int k = 0; k < 8; k++) o[k][g] = wasm_v128_bitselect(dc, range_field(out[k], CONST_BITS + PASS1_BITS + 3), shortcut);
  }

  v128_t cols[8];
  UNROLL for (int k = 0; k < 8; k++) cols[k] = wasm_i16x8_narrow_i32x4(o[k][0], o[k][1]);
  store_columns(cols, output_buf, output_col);
}

/*
 * The 16-bit path, for blocks whose values are known to stay in range (all real photos): the
 * same 1-D IDCT written as dot products of i16 pairs (i32x4.dot_i16x8_s, exact 32-bit sums)
 * with the C code's constants combined per input, e.g. the odd output tmp0 of C is
 * -11363 x7 + 9633 x5 - 6436 x3 + 2260 x1. In 32-bit wrapping arithmetic every regrouping of
 * the C code's sums and products gives the same bits, so this is exact provided the inputs
 * themselves are exact in 16 bits:
 *  - the dequantized coefficients: |coef * quant| < 2^14 (checked with q15mulr, which is zero
 *    exactly when the product is in [-2^14, 2^14));
 *  - the first pass's outputs, |(sum + 2^10) >> 11| with |sum| <= 11363 * (sum of |inputs| of
 *    the column): below 2^15 when every column's sum of |dequantized| is at most 5905 (checked).
 * Under these bounds no intermediate value wraps, so the C code's zero short cuts give the same
 * values as the full formula (dc << 2 == (dc * 8192 + 1024) >> 11, and likewise for the rows),
 * and need no special case.
 * 8 lanes: the column pass does all 8 columns at once, the row pass all 8 rows.
 */
static inline v128_t pair_lo(v128_t a, v128_t b) { return wasm_i16x8_shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11); }
static inline v128_t pair_hi(v128_t a, v128_t b) { return wasm_i16x8_shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15); }
#define K2(a, b) ((v128_t)(__i16x8){ (a), (b), (a), (b), (a), (b), (a), (b) })

/* idct8_i16's constant pairs, then the two passes' rounding and the checks' bound: read from memory
   through opaque() (jsimd_wasm.h), not written as v128.const (3-4 x64 instructions each in V8). */
#define K_ROUND1 12
#define K_ROUND2 13
#define K_SUM_MAX 14
static const v128_t idct_islow_const[15] = {
  K2(8192, 8192),
  K2(8192, -8192),
  K2(F_0_541 + F_0_765, F_0_541),
  K2(F_0_541, F_0_541 - F_1_847),
  K2(F_0_298 - F_0_899 - F_1_961 + F_1_175, F_1_175),
  K2(F_1_175 - F_1_961, F_1_175 - F_0_899),
  K2(F_1_175, F_2_053 - F_2_562 - F_0_390 + F_1_175),
  K2(F_1_175 - F_2_562, F_1_175 - F_0_390),
  K2(F_1_175 - F_1_961, F_1_175 - F_2_562),
  K2(F_3_072 - F_2_562 - F_1_961 + F_1_175, F_1_175),
  K2(F_1_175 - F_0_899, F_1_175 - F_0_390),
  K2(F_1_175, F_1_501 - F_0_899 - F_0_390 + F_1_175),
  (v128_t)(__i32x4){ 1 << (CONST_BITS - PASS1_BITS - 1), 1 << (CONST_BITS - PASS1_BITS - 1), 1 << (CONST_BITS - PASS1_BITS - 1), 1 << (CONST_BITS - PASS1_BITS - 1) },
  (v128_t)(__i32x4){ RANGE_BIAS(CONST_BITS + PASS1_BITS + 3), RANGE_BIAS(CONST_BITS + PASS1_BITS + 3), RANGE_BIAS(CONST_BITS + PASS1_BITS + 3), RANGE_BIAS(CONST_BITS + PASS1_BITS + 3) },
  (v128_t)(__i16x8){ 5905, 5905, 5905, 5905, 5905, 5905, 5905, 5905 },
};

/* One 1-D IDCT of 8 lanes of i16 inputs x[0..7]; out[k][h] = output k of lanes 4h..4h+3
   (i32, unshifted, with `round` added). */
static inline void idct8_i16(const v128_t x[8], v128_t out[8][2], v128_t round, const v128_t *K) {
  UNROLL for (int h = 0; h < 2; h++) {
    v128_t p04 = h ? pair_hi(x[0], x[4]) : pair_lo(x[0], x[4]);
    v128_t p26 = h ? pair_hi(x[2], x[6]) : pair_lo(x[2], x[6]);
    v128_t p75 = h ? pair_hi(x[7], x[5]) : pair_lo(x[7], x[5]);
    v128_t p31 = h ? pair_hi(x[3], x[1]) : pair_lo(x[3], x[1]);
    v128_t tmp0 = wasm_i32x4_add(wasm_i32x4_dot_i16x8(p04, K[0]), round);
    v128_t tmp1 = wasm_i32x4_add(wasm_i32x4_dot_i16x8(p04, K[1]), round);
    v128_t tmp3 = wasm_i32x4_dot_i16x8(p26, K[2]);
    v128_t tmp2 = wasm_i32x4_dot_i16x8(p26, K[3]);
    v128_t tmp10 = wasm_i32x4_add(tmp0, tmp3), tmp13 = wasm_i32x4_sub(tmp0, tmp3);
    v128_t tmp11 = wasm_i32x4_add(tmp1, tmp2), tmp12 = wasm_i32x4_sub(tmp1, tmp2);
    /* Odd part: C's tmp0..tmp3 with z1..z5 expanded per input (x7, x5, x3, x1). */
    v128_t o0 = wasm_i32x4_add(wasm_i32x4_dot_i16x8(p75, K[4]),
                               wasm_i32x4_dot_i16x8(p31, K[5]));
    v128_t o1 = wasm_i32x4_add(wasm_i32x4_dot_i16x8(p75, K[6]),
                               wasm_i32x4_dot_i16x8(p31, K[7]));
    v128_t o2 = wasm_i32x4_add(wasm_i32x4_dot_i16x8(p75, K[8]),
                               wasm_i32x4_dot_i16x8(p31, K[9]));
    v128_t o3 = wasm_i32x4_add(wasm_i32x4_dot_i16x8(p75, K[10]),
                               wasm_i32x4_dot_i16x8(p31, K[11]));
    out[0][h] = wasm_i32x4_add(tmp10, o3);
    out[7][h] = wasm_i32x4_sub(tmp10, o3);
    out[1][h] = wasm_i32x4_add(tmp11, o2);
    out[6][h] = wasm_i32x4_sub(tmp11, o2);
    out[2][h] = wasm_i32x4_add(tmp12, o1);
    out[5][h] = wasm_i32x4_sub(tmp12, o1);
    out[3][h] = wasm_i32x4_add(tmp13, o0);
    out[4][h] = wasm_i32x4_sub(tmp13, o0);
  }
}

void jsimd_idct_islow_wasm(void *dct_table, JCOEFPTR coef_block, JSAMPARRAY output_buf, JDIMENSION output_col) {
  const int16_t *q = (const int16_t *)dct_table; /* ISLOW_MULT_TYPE is short in SIMD builds */
  v128_t x[8], c[8];
  v128_t big = wasm_i16x8_splat(0), ac = wasm_i16x8_splat(0), sum = wasm_i16x8_splat(0);
  UNROLL for (int r = 0; r < 8; r++) {
    c[r] = wasm_v128_load(coef_block + 8 * r);
    v128_t k = wasm_v128_load(q + 8 * r);
    x[r] = wasm_i16x8_mul(c[r], k);
    big = wasm_v128_or(big, wasm_i16x8_q15mulr_sat(c[r], k));
    sum = wasm_u16x8_add_sat(sum, wasm_i16x8_abs(x[r]));
    if (r) ac = wasm_v128_or(ac, c[r]);
  }
  const v128_t not_dc = wasm_i16x8_make(0, -1, -1, -1, -1, -1, -1, -1);
  if (!wasm_v128_any_true(wasm_v128_or(ac, wasm_v128_and(c[0], not_dc)))) {
    /* Only the DC term: every column takes the C short cut (column 0 gives dc << 2, the others
       0), then every row does: range_limit[DESCALE(dc << 2, 5) & 1023]. */
    int32_t dc = (int32_t)((uint32_t)((int32_t)coef_block[0] * (int32_t)q[0]) << PASS1_BITS);
    v128_t fill = wasm_i8x16_splat((int8_t)range_limit_scalar((uint32_t)dc + RANGE_BIAS(PASS1_BITS + 3), PASS1_BITS + 3));
    UNROLL for (int r = 0; r < 8; r++) wasm_v128_store64_lane(output_buf[r] + output_col, fill, 0);
    return;
  }
  const v128_t *K = opaque(idct_islow_const);
  if (wasm_v128_any_true(big) || !wasm_i16x8_all_true(wasm_u16x8_le(sum, wasm_v128_load(K + K_SUM_MAX)))) {
    idct_islow_i32(coef_block, q, output_buf, output_col);
    return;
  }

  /* Pass 1: columns (lane = column). */
  v128_t out[8][2];
  idct8_i16(x, out, wasm_v128_load(K + K_ROUND1), K);
  v128_t w[8];
  UNROLL for (int r = 0; r < 8; r++)
    w[r] = wasm_i16x8_narrow_i32x4(wasm_i32x4_shr(out[r][0], CONST_BITS - PASS1_BITS), wasm_i32x4_shr(out[r][1], CONST_BITS - PASS1_BITS));
  transpose8_i16(w); /* w[k] = element k of rows 0..7 */

  /* Pass 2: rows (lane = row); +128 of the range-limit table folded into the rounding. */
  idct8_i16(w, out, wasm_v128_load(K + K_ROUND2), K);
  v128_t cols[8];
  UNROLL for (int k = 0; k < 8; k++)
    cols[k] = wasm_i16x8_narrow_i32x4(range_field(out[k][0], CONST_BITS + PASS1_BITS + 3), range_field(out[k][1], CONST_BITS + PASS1_BITS + 3));
  store_columns(cols, output_buf, output_col);
}
