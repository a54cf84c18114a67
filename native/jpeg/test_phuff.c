/*
 * Test build only (jpeg-turbo-test.wasm): our progressive AC refinement decoder (phuff_wasm.c,
 * built into jdphuff.c) against libjpeg's own, for test/node/jpeg-progressive.test.ts.
 *  - jd_test_set_phuff(on): 0 makes jdphuff.c install libjpeg's decode_mcu_AC_refine;
 *  - jd_test_phuff_entropy(src, size): the entropy decoder's whole behaviour on `src` as one
 *    FNV-1a hash: every coefficient of every component after all scans, every warning in order
 *    (code and two parameters), the input position and pending marker after the last scan, the
 *    warning count, and the warnings of jpeg_finish_decompress (extraneous data, premature end).
 *    An error throws (api.c's error manager, env.jpeg_fail) with libjpeg's message;
 *  - jd_test_set_phuff_lockstep(on), jd_test_phuff_lockstep_result(): phuff_wasm.c's lockstep check.
 */

#include <stdint.h>
#include <string.h>
#define JPEG_INTERNALS
#include "jinclude.h"
#include "jpeglib.h"

#define EXPORT(name) __attribute__((export_name(name)))

struct jpeg_error_mgr *jd_error_mgr(struct jpeg_error_mgr *jerr); /* api.c */
extern int phuff_wasm_enabled;                                   /* phuff_wasm.c (in jdphuff.c) */

EXPORT("jd_test_set_phuff") void jd_test_set_phuff(int on) { phuff_wasm_enabled = on; }

/* Lockstep check (phuff_wasm.c, test build's jdphuff.c): on/off, and {MCUs compared, first mismatch or -1, bails}. */
extern int phuff_lockstep, phuff_lockstep_result[3];
EXPORT("jd_test_set_phuff_lockstep") void jd_test_set_phuff_lockstep(int on) {
  phuff_lockstep = on;
  phuff_lockstep_result[0] = 0;
  phuff_lockstep_result[1] = -1;
  phuff_lockstep_result[2] = 0;
}
EXPORT("jd_test_phuff_lockstep_result") const int *jd_test_phuff_lockstep_result(void) { return phuff_lockstep_result; }

static uint32_t phuff_fnv(uint32_t h, const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
  return h;
}

static uint32_t warnings;
static void hash_warning(j_common_ptr cinfo, int level) {
  if (level >= 0) return;
  int w[3] = { cinfo->err->msg_code, cinfo->err->msg_parm.i[0], cinfo->err->msg_parm.i[1] };
  warnings = phuff_fnv(warnings, w, sizeof w);
  cinfo->err->num_warnings++;
}

EXPORT("jd_test_phuff_entropy")
uint32_t jd_test_phuff_entropy(const unsigned char *src, unsigned long size) {
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error_mgr jerr;
  cinfo.err = jd_error_mgr(&jerr);
  jerr.emit_message = hash_warning;
  warnings = 2166136261u;
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, src, size);
  jpeg_read_header(&cinfo, TRUE);
  jvirt_barray_ptr *coefs = jpeg_read_coefficients(&cinfo);
  uint32_t h = warnings;
  for (int ci = 0; ci < cinfo.num_components; ci++) {
    jpeg_component_info *comp = &cinfo.comp_info[ci];
    for (JDIMENSION row = 0; row < comp->height_in_blocks; row++) {
      JBLOCKARRAY rows = (*cinfo.mem->access_virt_barray)((j_common_ptr)&cinfo, coefs[ci], row, 1, FALSE);
      h = phuff_fnv(h, rows[0], (size_t)comp->width_in_blocks * sizeof(JBLOCK));
    }
  }
  int state[3] = { (int)cinfo.src->bytes_in_buffer, cinfo.unread_marker, (int)jerr.num_warnings };
  h = phuff_fnv(h, state, sizeof state);
  jpeg_finish_decompress(&cinfo);
  h = phuff_fnv(h, &warnings, sizeof warnings);
  jpeg_destroy_decompress(&cinfo);
  return h;
}
