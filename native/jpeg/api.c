/*
 * The JPEG decoder's whole interface to JavaScript (worker/image/codec-jpeg.ts): one call that
 * decodes a JPEG held in wasm memory into RGBA (or CMYK) rows, at any DCT scale M/8 (M = 1..8),
 * with libjpeg's own words for what went wrong. It replaces TurboJPEG, of which we used
 * one function; this is that function without setjmp and without the pixel-format tables.
 *
 * Errors: libjpeg reports a fatal error by calling err->error_exit, which must not return. Ours
 * formats the message and calls the host's `env.jpeg_fail`, which throws a JS exception that
 * unwinds the wasm stack. Nothing is freed and the stack pointer is not restored, so the host
 * drops the instance after a failure (a fresh one costs well under a millisecond). That is what
 * TurboJPEG's longjmp did under the host's old `longjmp` stub, without needing setjmp at all.
 *
 * Warnings (corrupt but decodable data, e.g. "Premature end of JPEG file") do not stop the
 * decode; like TurboJPEG we keep the first one's text for the host (jd_message()).
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "jpeglib.h"
#include "jerror.h"

#define EXPORT(name) __attribute__((export_name(name)))

/*
 * The module's allocator, in place of wasi-libc's dlmalloc (the linker then leaves that out):
 * memory is handed out from the top of the heap upwards and taken back all at once when the last
 * block is freed. Every use is a decode: the host allocates the JPEG and the output, libjpeg its
 * pools (jmemnobs.c: malloc and free only), and all of it is freed when the decode is over (the
 * host drops the instance after a failure), so nothing is reused within a decode either way and
 * the peak is the same. What it saves is code: dlmalloc and its free are 9 KB of function bodies
 * that V8 compiles again on the first decode after it dropped its baseline code
 * (tools/repro/liftoff-flush); these two are 0.2 KB.
 */
/*
 * A WASI "reactor": the host calls _initialize once after instantiating (codec-jpeg.ts). Defining
 * it also tells the linker not to wrap every export in a call of the constructors before and of
 * the destructors (stdio's flush) after, as it does for a "command" module.
 */
extern void __wasm_call_ctors(void);
EXPORT("_initialize") void _initialize(void) { __wasm_call_ctors(); }

extern unsigned char __heap_base;
static size_t heap_top; /* 0: nothing allocated, the heap starts at __heap_base */
static size_t live;     /* blocks allocated and not yet freed */

void *malloc(size_t n) {
  size_t start = ((heap_top ? heap_top : (size_t)&__heap_base) + 15) & ~(size_t)15;
  size_t have = __builtin_wasm_memory_size(0) * 65536;
  if (n > SIZE_MAX - 65536 - start) return NULL;
  size_t end = start + (n ? n : 1);
  if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535) / 65536) == (size_t)-1) return NULL;
  heap_top = end;
  live++;
  return (void *)start;
}

void free(void *p) {
  if (p && --live == 0) heap_top = 0;
}

/* Throws in the host; never returns. */
__attribute__((import_module("env"), import_name("jpeg_fail"), noreturn)) void jpeg_fail(const char *message);

/*
 * The fatal error, or else the first warning, as libjpeg words it ("" when there was none) —
 * except that running out of data ("Premature end of JPEG file", the memory source then pads
 * the image with gray) replaces any earlier warning: it is the one the host must not ignore.
 */
static char message[JMSG_LENGTH_MAX];

/* err->emit_message: warnings (level < 0) are recorded and counted, trace messages dropped. */
static void record_warning(j_common_ptr cinfo, int level) {
  if (level >= 0) return;
  if (!message[0] || cinfo->err->msg_code == JWRN_JPEG_EOF) (*cinfo->err->format_message)(cinfo, message);
  cinfo->err->num_warnings++;
}

static void fail(j_common_ptr cinfo) {
  (*cinfo->err->format_message)(cinfo, message);
  jpeg_fail(message);
}

/* libjpeg's error manager with our error exit and warning handling (test_api.c uses it too). */
struct jpeg_error_mgr *jd_error_mgr(struct jpeg_error_mgr *jerr) {
  jpeg_std_error(jerr);
  jerr->error_exit = fail;
  jerr->emit_message = record_warning;
  return jerr;
}

EXPORT("jd_message") const char *jd_message(void) { return message; }

/* Result codes of jd_decode besides 0 (decoded; jd_message() may hold a warning). */
enum {
  JD_FRAME_MISMATCH = 1,  /* libjpeg read another frame size than the caller's header parser */
  JD_OUTPUT_MISMATCH = 2, /* the scaled output is not the size the caller allocated */
  JD_BAD_ARGUMENT = 3,
};

/* What libjpeg saw, for the caller's message after a mismatch: width, height, output w, h. */
static int info[4];
EXPORT("jd_info") const int *jd_info(void) { return info; }

/*
 * Decodes `size` bytes at `src` into `dst`: `height` rows of `width` * 4 bytes, RGBA (alpha 255)
 * or, when `cmyk`, the four stored CMYK/YCCK-converted samples as libjpeg outputs them.
 * `file_width` x `file_height` is the frame the caller's own header parser read (its memory
 * budget and `dst` were sized from it). `scale_num / scale_denom` must be M/8 for M in 1..8 (1/2 is
 * 4/8): libjpeg's IDCT then outputs M x M pixels per 8 x 8 block, ceil(file_width * M / 8) wide.
 * (libjpeg would round any other fraction up to the next M/8; we ask the caller to say which.)
 * Defaults are libjpeg's (and Pillow's): islow IDCT, fancy upsampling.
 */
EXPORT("jd_decode")
int jd_decode(const unsigned char *src, unsigned long size, int file_width, int file_height, int scale_num,
              int scale_denom, int cmyk, unsigned char *dst, int width, int height) {
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error_mgr jerr;
  int result = 0;

  message[0] = 0;
  if (!src || !size || !dst || width <= 0 || height <= 0 ||
      (scale_denom != 1 && scale_denom != 2 && scale_denom != 4 && scale_denom != 8) || scale_num < 1 ||
      scale_num > scale_denom)
    return JD_BAD_ARGUMENT;

  cinfo.err = jd_error_mgr(&jerr);
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, src, size);
  jpeg_read_header(&cinfo, TRUE);
  info[0] = (int)cinfo.image_width;
  info[1] = (int)cinfo.image_height;
  if (info[0] != file_width || info[1] != file_height) {
    result = JD_FRAME_MISMATCH;
    goto done;
  }
  cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_EXT_RGBA;
  cinfo.scale_num = (unsigned int)scale_num;
  cinfo.scale_denom = (unsigned int)scale_denom;
  jpeg_start_decompress(&cinfo);
  info[2] = (int)cinfo.output_width;
  info[3] = (int)cinfo.output_height;
  if (info[2] != width || info[3] != height || cinfo.output_components != 4) {
    result = JD_OUTPUT_MISMATCH;
    goto done;
  }
  while (cinfo.output_scanline < cinfo.output_height) {
    /* libjpeg returns at most one row group per call; hand it the next few rows of dst. */
    JSAMPROW rows[16];
    JDIMENSION n = cinfo.output_height - cinfo.output_scanline;
    if (n > 16) n = 16;
    for (JDIMENSION i = 0; i < n; i++) rows[i] = dst + (size_t)(cinfo.output_scanline + i) * (size_t)width * 4;
    jpeg_read_scanlines(&cinfo, rows, n);
  }
  jpeg_finish_decompress(&cinfo);
done:
  jpeg_destroy_decompress(&cinfo);
  return result;
}
