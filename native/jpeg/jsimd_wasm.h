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
