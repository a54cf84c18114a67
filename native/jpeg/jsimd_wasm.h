/*
 * The WebAssembly SIMD128 kernels behind jsimd_wasm.c (libjpeg-turbo's jsimd_* interface).
 * Each is bit-exact with the libjpeg C function it replaces, for every input; the test build
 * (test_api.c) exports both so that test/node/jpeg-kernels.test.ts can compare them.
 */
#ifndef JSIMD_WASM_H
#define JSIMD_WASM_H

/* Fully unrolled loops over the rows/columns of a block: that is what keeps the vectors of a
   block in wasm locals (an array indexed in a loop that is not unrolled early lives in memory). */
#define UNROLL _Pragma("clang loop unroll(full)")

/* A kernel's vector constants read from memory, not written as v128.const: `opaque(table)` is the
   table's address through an empty asm, so clang cannot fold the loads back into constants.
   V8 13.6+ (Node 24, workerd) rebuilds a v128.const at every use inside a loop (movq r10, imm64;
   vmovq; vpunpcklqdq), where V8 11.3 (Node 20) kept it in a register; a value loaded before the
   loop stays in a register (or a spill slot) in both. See README.md, 2026-12-08. */
static inline const void *opaque(const void *p) {
  __asm__("" : "+r"(p));
  return p;
}

/* Nonzero: jsimd_can_*() offer the kernels below. Only the test build ever clears it. */
extern int jsimd_wasm_enabled;

void jsimd_idct_islow_wasm(void *dct_table, JCOEFPTR coef_block, JSAMPARRAY output_buf, JDIMENSION output_col);
void jsimd_idct_4x4_wasm(void *dct_table, JCOEFPTR coef_block, JSAMPARRAY output_buf, JDIMENSION output_col);
void jsimd_idct_2x2_wasm(void *dct_table, JCOEFPTR coef_block, JSAMPARRAY output_buf, JDIMENSION output_col);
void jsimd_ycc_rgb_convert_wasm(JDIMENSION width, J_COLOR_SPACE out_color_space, JSAMPIMAGE input_buf,
                                JDIMENSION input_row, JSAMPARRAY output_buf, int num_rows);
void jsimd_h2v1_fancy_upsample_wasm(int max_v_samp_factor, JDIMENSION downsampled_width, JSAMPARRAY input_data,
                                    JSAMPARRAY output_data);
void jsimd_h2v2_fancy_upsample_wasm(int max_v_samp_factor, JDIMENSION downsampled_width, JSAMPARRAY input_data,
                                    JSAMPARRAY output_data);

#endif
