/*
 * Entry points of the test build only (jpeg-turbo-test.wasm; the Worker's jpeg-turbo.wasm does
 * not have them). They let test/node/jpeg-kernels.test.ts and the benchmark compare our code
 * with libjpeg's own C code inside the same module:
 *  - a switch: SIMD kernels on/off (jsimd_can_* then answer no, so libjpeg picks its C functions);
 *  - the entropy decoding alone (jpeg_read_coefficients), with a hash of every coefficient, to
 *    measure its share of a decode;
 *  - each SIMD kernel beside the C function it replaces, on caller-supplied inputs. The C
 *    functions are libjpeg's: the IDCTs are global, the colour converter and upsamplers are
 *    taken from a decompressor set up with SIMD off (cinfo->cconvert / upsample methods).
 */

#include <stdint.h>
#include <string.h>
#define JPEG_INTERNALS
#include "jinclude.h"
#include "jpeglib.h"
#include "jdct.h"
#include "jdsample.h"
#include "jsimd_wasm.h"

#define EXPORT(name) __attribute__((export_name(name)))

__attribute__((import_module("env"), import_name("jpeg_fail"), noreturn)) void jpeg_fail(const char *message);
struct jpeg_error_mgr *jd_error_mgr(struct jpeg_error_mgr *jerr); /* api.c */

EXPORT("jd_test_set_simd") void jd_test_set_simd(int on) { jsimd_wasm_enabled = on; }

/* FNV-1a over bytes. */
static uint32_t fnv(uint32_t h, const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
  return h;
}

/* Opens `src` and entropy-decodes all of it (every scan) into libjpeg's coefficient arrays. */
static jvirt_barray_ptr *read_coefficients(j_decompress_ptr cinfo, struct jpeg_error_mgr *jerr, const unsigned char *src,
                                           unsigned long size) {
  cinfo->err = jd_error_mgr(jerr);
  jpeg_create_decompress(cinfo);
  jpeg_mem_src(cinfo, src, size);
  jpeg_read_header(cinfo, TRUE);
  return jpeg_read_coefficients(cinfo);
}

/*
 * Entropy decoding alone (the benchmark's Huffman share); with `hash`, returns an FNV-1a hash of
 * every coefficient, component by component.
 */
EXPORT("jd_test_coefficients")
uint32_t jd_test_coefficients(const unsigned char *src, unsigned long size, int hash) {
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error_mgr jerr;
  jvirt_barray_ptr *coefs = read_coefficients(&cinfo, &jerr, src, size);
  uint32_t h = 2166136261u;
  if (hash) {
    for (int ci = 0; ci < cinfo.num_components; ci++) {
      jpeg_component_info *comp = &cinfo.comp_info[ci];
      for (JDIMENSION row = 0; row < comp->height_in_blocks; row++) {
        JBLOCKARRAY rows = (*cinfo.mem->access_virt_barray)((j_common_ptr)&cinfo, coefs[ci], row, 1, FALSE);
        h = fnv(h, rows[0], (size_t)comp->width_in_blocks * sizeof(JBLOCK));
      }
    }
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return h;
}

/* ---- Kernels beside libjpeg's C functions ---- */

/* A decompressor started with SIMD off on a caller's JPEG, to borrow its C methods and tables. */
static struct jpeg_decompress_struct ref;
static struct jpeg_error_mgr ref_err;
static int ref_open = 0;

/*
 * Starts the reference decompressor on `src` with output colour space `out_cs` (a J_COLOR_SPACE)
 * and SIMD off. Returns cinfo->max_v_samp_factor.
 */
EXPORT("jd_test_ref_open")
int jd_test_ref_open(const unsigned char *src, unsigned long size, int out_cs) {
  if (ref_open) jpeg_destroy_decompress(&ref);
  ref.err = jd_error_mgr(&ref_err);
  jpeg_create_decompress(&ref);
  jpeg_mem_src(&ref, src, size);
  jpeg_read_header(&ref, TRUE);
  ref.out_color_space = (J_COLOR_SPACE)out_cs;
  int saved = jsimd_wasm_enabled;
  jsimd_wasm_enabled = 0;
  jpeg_start_decompress(&ref);
  jsimd_wasm_enabled = saved;
  ref_open = 1;
  return ref.max_v_samp_factor;
}

/* `rows` pointers to consecutive rows of `stride` bytes. */
static void row_pointers(JSAMPROW *rows, unsigned char *base, int n, int stride) {
  for (int i = 0; i < n; i++) rows[i] = base + (size_t)i * stride;
}

/*
 * IDCT of one block: `size` 8, 4 or 2 output samples a side; `simd` picks our kernel, else
 * libjpeg's C function. Output rows are `stride` bytes apart at `out`.
 */
EXPORT("jd_test_idct")
void jd_test_idct(int size, int simd, short *coef, short *quant, unsigned char *out, int stride) {
  JSAMPROW rows[8];
  row_pointers(rows, out, size, stride);
  jpeg_component_info *comp = &ref.comp_info[0];
  void *saved = comp->dct_table;
  comp->dct_table = quant;
  if (size == 8) {
    if (simd) jsimd_idct_islow_wasm(quant, coef, rows, 0);
    else jpeg_idct_islow(&ref, comp, coef, rows, 0);
  } else if (size == 4) {
    if (simd) jsimd_idct_4x4_wasm(quant, coef, rows, 0);
    else jpeg_idct_4x4(&ref, comp, coef, rows, 0);
  } else {
    if (simd) jsimd_idct_2x2_wasm(quant, coef, rows, 0);
    else jpeg_idct_2x2(&ref, comp, coef, rows, 0);
  }
  comp->dct_table = saved;
}

/*
 * YCbCr -> RGB of `num_rows` rows of `width` pixels, in the reference decompressor's output
 * colour space. Planes y/cb/cr hold the rows `in_stride` bytes apart; out rows `out_stride`.
 */
EXPORT("jd_test_ycc_rgb")
void jd_test_ycc_rgb(int simd, int width, int num_rows, unsigned char *y, unsigned char *cb, unsigned char *cr,
                     int in_stride, unsigned char *out, int out_stride) {
  JSAMPROW ry[16], rcb[16], rcr[16], ro[16];
  row_pointers(ry, y, num_rows, in_stride);
  row_pointers(rcb, cb, num_rows, in_stride);
  row_pointers(rcr, cr, num_rows, in_stride);
  row_pointers(ro, out, num_rows, out_stride);
  JSAMPARRAY planes[3] = { ry, rcb, rcr };
  JDIMENSION saved = ref.output_width;
  ref.output_width = (JDIMENSION)width;
  if (simd) jsimd_ycc_rgb_convert_wasm((JDIMENSION)width, ref.out_color_space, planes, 0, ro, num_rows);
  else (*ref.cconvert->color_convert)(&ref, planes, 0, ro, num_rows);
  ref.output_width = saved;
}

/*
 * Fancy upsampling of component `ci` of the reference decompressor (h2v1 or h2v2, whichever
 * libjpeg chose for it) from input rows `in` (row -1 .. max_v_samp_factor, `in_stride` apart;
 * `in` points at row 0) of `width` samples into 2 * width wide output rows.
 */
EXPORT("jd_test_upsample")
void jd_test_upsample(int simd, int ci, int width, unsigned char *in, int in_stride, unsigned char *out, int out_stride) {
  JSAMPROW rin[18], rout[16];
  int v = ref.max_v_samp_factor;
  row_pointers(rin, in - in_stride, v + 2, in_stride);
  row_pointers(rout, out, v, out_stride);
  JSAMPARRAY input = rin + 1, output = rout;
  jpeg_component_info *comp = &ref.comp_info[ci];
  JDIMENSION saved = comp->downsampled_width;
  comp->downsampled_width = (JDIMENSION)width;
  int h2v2 = ref.max_v_samp_factor == 2 * comp->v_samp_factor;
  if (simd) {
    if (h2v2) jsimd_h2v2_fancy_upsample_wasm(v, (JDIMENSION)width, input, output);
    else jsimd_h2v1_fancy_upsample_wasm(v, (JDIMENSION)width, input, output);
  } else {
    (*((my_upsample_ptr)ref.upsample)->methods[ci])(&ref, comp, input, &output);
  }
  comp->downsampled_width = saved;
}

/*
 * Benchmark: the IDCT of every block of a real image (its coefficients, as entropy-decoded, and
 * its quantization tables), `reps` times, with our kernel or libjpeg's C function; `size` 8, 4, 2.
 * Returns a checksum of the output so the work cannot be skipped.
 */
EXPORT("jd_test_bench_idct")
uint32_t jd_test_bench_idct(const unsigned char *src, unsigned long size, int idct_size, int simd, int reps) {
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error_mgr jerr;
  jvirt_barray_ptr *coefs = read_coefficients(&cinfo, &jerr, src, size);
  /* Quantization tables as libjpeg's IDCT wants them (ISLOW_MULT_TYPE, natural order). */
  static ISLOW_MULT_TYPE q[4][DCTSIZE2];
  for (int ci = 0; ci < cinfo.num_components && ci < 4; ci++)
    for (int i = 0; i < DCTSIZE2; i++) q[ci][i] = (ISLOW_MULT_TYPE)cinfo.comp_info[ci].quant_table->quantval[i];
  unsigned char out[8 * 8];
  JSAMPROW rows[8];
  row_pointers(rows, out, 8, 8);
  uint32_t h = 0;
  if (!ref_open) jpeg_fail("jd_test_bench_idct: call jd_test_ref_open first (for the range-limit table)");
  jpeg_component_info *refcomp = &ref.comp_info[0];
  void *saved = refcomp->dct_table;
  for (int rep = 0; rep < reps; rep++) {
    for (int ci = 0; ci < cinfo.num_components && ci < 4; ci++) {
      jpeg_component_info *comp = &cinfo.comp_info[ci];
      refcomp->dct_table = q[ci];
      for (JDIMENSION row = 0; row < comp->height_in_blocks; row++) {
        JBLOCKARRAY b = (*cinfo.mem->access_virt_barray)((j_common_ptr)&cinfo, coefs[ci], row, 1, FALSE);
        for (JDIMENSION col = 0; col < comp->width_in_blocks; col++) {
          JCOEFPTR c = b[0][col];
          if (idct_size == 8) {
            if (simd) jsimd_idct_islow_wasm(q[ci], c, rows, 0);
            else jpeg_idct_islow(&ref, refcomp, c, rows, 0);
          } else if (idct_size == 4) {
            if (simd) jsimd_idct_4x4_wasm(q[ci], c, rows, 0);
            else jpeg_idct_4x4(&ref, refcomp, c, rows, 0);
          } else {
            if (simd) jsimd_idct_2x2_wasm(q[ci], c, rows, 0);
            else jpeg_idct_2x2(&ref, refcomp, c, rows, 0);
          }
          h = h * 31 + out[col & 63];
        }
      }
    }
  }
  refcomp->dct_table = saved;
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return h;
}
