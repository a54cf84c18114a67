/*
 * libjpeg-turbo's SIMD interface (jsimd.h, jsimddct.h) for WebAssembly SIMD128: the decompressor
 * asks jsimd_can_*() when it sets up each stage and, on yes, calls jsimd_*() instead of its C
 * function. libjpeg-turbo has no WebAssembly back end; this file plays the role of its
 * simd/arm/aarch64/jsimd.c for our kernels (*_wasm.c), which are bit-exact with the C code.
 *
 * Offered: the islow 8x8 IDCT, the 4x4 and 2x2 reduced IDCTs (1/2 and 1/4 scale), YCbCr -> RGB
 * in every RGB layout, h2v1 and h2v2 fancy upsampling. Everything else stays libjpeg's C code:
 *  - ifast/float IDCTs, 6x6/12x12, RGB565, merged and plain (box) upsampling: libjpeg's defaults
 *    (and Pillow's) never use them, and api.c always asks for islow with fancy upsampling;
 *  - h1v2 fancy upsampling (4:4:0): libjpeg only dispatches it to SIMD on ARM builds;
 *  - the compressor's functions: this library only decodes.
 * The test build can switch the kernels off at run time (jsimd_wasm_enabled) to compare whole
 * decodes against the pure C path.
 */

#define JPEG_INTERNALS
#include "jinclude.h"
#include "jpeglib.h"
#include "jsimd.h"
#include "jdct.h"
#include "jsimddct.h"
#include "jsimd_wasm.h"

int jsimd_wasm_enabled = 1;

/* The kernels are written for these; a different configuration gets the C code. */
#define SUPPORTED (BITS_IN_JSAMPLE == 8 && DCTSIZE == 8 && sizeof(JDIMENSION) == 4 && sizeof(JCOEF) == 2 && \
                   sizeof(ISLOW_MULT_TYPE) == 2 && RANGE_MASK == 1023)

static int offered(void) { return SUPPORTED && jsimd_wasm_enabled; }

/* Colour conversion. */
GLOBAL(int) jsimd_can_ycc_rgb(void) { return offered(); }
GLOBAL(int) jsimd_can_ycc_rgb565(void) { return 0; }
GLOBAL(void) jsimd_ycc_rgb_convert(j_decompress_ptr cinfo, JSAMPIMAGE input_buf, JDIMENSION input_row,
                                   JSAMPARRAY output_buf, int num_rows) {
  jsimd_ycc_rgb_convert_wasm(cinfo->output_width, cinfo->out_color_space, input_buf, input_row, output_buf, num_rows);
}
GLOBAL(void) jsimd_ycc_rgb565_convert(j_decompress_ptr cinfo, JSAMPIMAGE input_buf, JDIMENSION input_row,
                                      JSAMPARRAY output_buf, int num_rows) {}

/* Upsampling. */
GLOBAL(int) jsimd_can_h2v1_fancy_upsample(void) { return offered(); }
GLOBAL(int) jsimd_can_h2v2_fancy_upsample(void) { return offered(); }
GLOBAL(int) jsimd_can_h1v2_fancy_upsample(void) { return 0; }
GLOBAL(void) jsimd_h2v1_fancy_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data,
                                       JSAMPARRAY *output_data_ptr) {
  jsimd_h2v1_fancy_upsample_wasm(cinfo->max_v_samp_factor, compptr->downsampled_width, input_data, *output_data_ptr);
}
GLOBAL(void) jsimd_h2v2_fancy_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data,
                                       JSAMPARRAY *output_data_ptr) {
  jsimd_h2v2_fancy_upsample_wasm(cinfo->max_v_samp_factor, compptr->downsampled_width, input_data, *output_data_ptr);
}
GLOBAL(void) jsimd_h1v2_fancy_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data,
                                       JSAMPARRAY *output_data_ptr) {}

GLOBAL(int) jsimd_can_h2v1_upsample(void) { return 0; }
GLOBAL(int) jsimd_can_h2v2_upsample(void) { return 0; }
GLOBAL(int) jsimd_can_int_upsample(void) { return 0; }
GLOBAL(void) jsimd_h2v1_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data,
                                 JSAMPARRAY *output_data_ptr) {}
GLOBAL(void) jsimd_h2v2_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data,
                                 JSAMPARRAY *output_data_ptr) {}
GLOBAL(void) jsimd_int_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data,
                                JSAMPARRAY *output_data_ptr) {}

GLOBAL(int) jsimd_can_h2v1_merged_upsample(void) { return 0; }
GLOBAL(int) jsimd_can_h2v2_merged_upsample(void) { return 0; }
GLOBAL(void) jsimd_h2v1_merged_upsample(j_decompress_ptr cinfo, JSAMPIMAGE input_buf, JDIMENSION in_row_group_ctr,
                                        JSAMPARRAY output_buf) {}
GLOBAL(void) jsimd_h2v2_merged_upsample(j_decompress_ptr cinfo, JSAMPIMAGE input_buf, JDIMENSION in_row_group_ctr,
                                        JSAMPARRAY output_buf) {}

/* Inverse DCTs. */
GLOBAL(int) jsimd_can_idct_islow(void) { return offered(); }
GLOBAL(int) jsimd_can_idct_4x4(void) { return offered(); }
GLOBAL(int) jsimd_can_idct_2x2(void) { return offered(); }
GLOBAL(int) jsimd_can_idct_ifast(void) { return 0; }
GLOBAL(int) jsimd_can_idct_float(void) { return 0; }
GLOBAL(int) jsimd_can_idct_6x6(void) { return 0; }
GLOBAL(int) jsimd_can_idct_12x12(void) { return 0; }
GLOBAL(void) jsimd_idct_islow(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block,
                              JSAMPARRAY output_buf, JDIMENSION output_col) {
  jsimd_idct_islow_wasm(compptr->dct_table, coef_block, output_buf, output_col);
}
GLOBAL(void) jsimd_idct_4x4(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block,
                            JSAMPARRAY output_buf, JDIMENSION output_col) {
  jsimd_idct_4x4_wasm(compptr->dct_table, coef_block, output_buf, output_col);
}
GLOBAL(void) jsimd_idct_2x2(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block,
                            JSAMPARRAY output_buf, JDIMENSION output_col) {
  jsimd_idct_2x2_wasm(compptr->dct_table, coef_block, output_buf, output_col);
}
GLOBAL(void) jsimd_idct_ifast(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block,
                              JSAMPARRAY output_buf, JDIMENSION output_col) {}
GLOBAL(void) jsimd_idct_float(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block,
                              JSAMPARRAY output_buf, JDIMENSION output_col) {}
GLOBAL(void) jsimd_idct_6x6(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block,
                            JSAMPARRAY output_buf, JDIMENSION output_col) {}
GLOBAL(void) jsimd_idct_12x12(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block,
                              JSAMPARRAY output_buf, JDIMENSION output_col) {}
