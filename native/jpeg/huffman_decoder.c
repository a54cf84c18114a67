/*
 * Sequential (baseline and extended) Huffman entropy decoder, standing in for libjpeg's
 * jdhuff.c decode_mcu. It produces the same coefficients as libjpeg for every input, corrupt
 * ones included; it is faster because of how it reads them, which in a 32-bit WebAssembly build
 * of libjpeg was ~35-60% of a decode:
 *  - a 64-bit bit buffer (libjpeg's is size_t: 32 bits in wasm32), refilled 8 bytes at a time
 *    with one unaligned load when none of them is 0xFF (the byte-stuffing/marker escape), and a
 *    byte at a time, exactly like jpeg_fill_bit_buffer, when one is;
 *  - a 2^10-entry table per AC table that decodes a whole coefficient (code, run, extra bits,
 *    sign extension) in one lookup when code + extra bits fit in 10 bits, which is most of them
 *    in photos; other symbols go through libjpeg's own 8-bit lookahead table and max-code walk.
 *
 * What must match libjpeg bit for bit, and how:
 *  - The bits read are the same: data bytes with FF 00 meaning FF, FF FF... padding before a
 *    marker skipped, reading stopped at a marker (saved in cinfo->unread_marker), the source's
 *    fill_input_buffer called when the buffer runs out (the memory source then inserts EOI and
 *    warns "Premature end of JPEG file"), zeros after the end of the data.
 *  - The moment libjpeg gives up on a segment: it sets insufficient_data (and warns "premature
 *    end of data segment") when a code or its extra bits *consume* a bit past the end of the real
 *    data; every later MCU of that segment is then left all zero. Peeking past the end is free in
 *    both. Consumption is counted the same way here.
 *  - Corrupt codes: a code not found within 16 bits consumes 17 bits and decodes as symbol 0;
 *    a run past the 63rd coefficient writes jpeg_natural_order[k] (which clamps to 63); DC
 *    predictions wrap in 32 bits (built with -fwrapv) and are stored as JCOEF.
 *  - Restarts: the same handling as process_restart() (discarded bytes, read_restart_marker,
 *    DC reset, insufficient_data reset unless stopped at a marker).
 * Only warnings can differ: this decoder always warns about a bad code (libjpeg's fast path
 * does not), and at a restart it may count a few more read-ahead bytes as discarded (the
 * "extraneous bytes" warning). Pixels never do; the test build decodes the same files,
 * truncated and bit-flipped ones included, with both decoders and compares.
 *
 * The table setup (jpeg_make_d_derived_tbl, which also validates the tables with libjpeg's
 * own errors) and the default tables for Motion-JPEG streams (jinit_huff_decoder, which build.sh
 * compiles as jinit_huff_decoder_libjpeg) are libjpeg's. Progressive and arithmetic-coded files
 * keep libjpeg's decoders (jdphuff.c, jdarith.c).
 */

#include <stdint.h>
#include <string.h>
#include <wasm_simd128.h>
#define JPEG_INTERNALS
#include "jinclude.h"
#include "jpeglib.h"
#include "jdhuff.h"
#include "jpegcomp.h"

/* libjpeg's own Huffman decoder initializer (jdhuff.c, renamed at compile time by build.sh). */
EXTERN(void) jinit_huff_decoder_libjpeg(j_decompress_ptr cinfo);

/* The test build sets this to keep libjpeg's decoder, to compare the two. */
int huffman_decoder_use_libjpeg = 0;

#define FAST_BITS 10

typedef struct {
  struct jpeg_entropy_decoder pub;

  /* Bit buffer: the next bit to read is bit 63; `nbits` of them are data. Bits below those are
     zero or the start of the next data byte (a batch refill ORs a whole 8-byte load in; the
     same byte is ORed again at the same place when it is counted), never anything else. */
  uint64_t buf;
  int nbits;

  int last_dc_val[MAX_COMPS_IN_SCAN];
  unsigned int restarts_to_go;

  d_derived_tbl *dc_derived_tbls[NUM_HUFF_TBLS];
  d_derived_tbl *ac_derived_tbls[NUM_HUFF_TBLS];
  /* Per AC table: whole-coefficient entries (value << 8 | run << 4 | consumed bits), 0 = none. */
  int16_t fast_ac[NUM_HUFF_TBLS][1 << FAST_BITS];

  /* Per block of the MCU. */
  d_derived_tbl *dc_cur_tbls[D_MAX_BLOCKS_IN_MCU];
  d_derived_tbl *ac_cur_tbls[D_MAX_BLOCKS_IN_MCU];
  const int16_t *fast_cur[D_MAX_BLOCKS_IN_MCU];
  boolean dc_needed[D_MAX_BLOCKS_IN_MCU];
  boolean ac_needed[D_MAX_BLOCKS_IN_MCU];
} huffman_decoder;

/* The value of `s` extra bits `x` (JPEG's EXTEND: the lower half of the range is negative). */
static inline int extend(int x, int s) { return x < (1 << (s - 1)) ? x - (1 << s) + 1 : x; }

/* Whole-coefficient table for one AC table: every code whose length l plus its extra bits s fit
   in FAST_BITS and that codes a nonzero coefficient (s > 0). */
static void build_fast_ac(const d_derived_tbl *tbl, int16_t *fast) {
  const JHUFF_TBL *h = tbl->pub;
  memset(fast, 0, sizeof(int16_t) << FAST_BITS);
  unsigned int code = 0;
  int p = 0;
  for (int l = 1; l <= 16; l++) {
    for (int i = 0; i < h->bits[l]; i++, p++, code++) {
      int rs = h->huffval[p], r = rs >> 4, s = rs & 15;
      if (s == 0 || l + s > FAST_BITS) continue;
      /* Every FAST_BITS-bit window starting with this code followed by extra bits x. */
      for (int x = 0; x < (1 << s); x++) {
        int v = extend(x, s);
        if (v < -128 || v > 127) continue;
        int base = (int)(((code << s) | (unsigned)x) << (FAST_BITS - l - s));
        for (int j = 0; j < (1 << (FAST_BITS - l - s)); j++)
          fast[base + j] = (int16_t)((v * 256) | (r << 4) | (l + s));
      }
    }
    code <<= 1;
  }
}

METHODDEF(void) start_pass(j_decompress_ptr cinfo) {
  huffman_decoder *d = (huffman_decoder *)cinfo->entropy;
  /* As libjpeg: a warning, not an error, because some baseline files have zeros here. */
  if (cinfo->Ss != 0 || cinfo->Se != DCTSIZE2 - 1 || cinfo->Ah != 0 || cinfo->Al != 0)
    WARNMS(cinfo, JWRN_NOT_SEQUENTIAL);

  for (int ci = 0; ci < cinfo->comps_in_scan; ci++) {
    jpeg_component_info *comp = cinfo->cur_comp_info[ci];
    jpeg_make_d_derived_tbl(cinfo, TRUE, comp->dc_tbl_no, &d->dc_derived_tbls[comp->dc_tbl_no]);
    jpeg_make_d_derived_tbl(cinfo, FALSE, comp->ac_tbl_no, &d->ac_derived_tbls[comp->ac_tbl_no]);
    build_fast_ac(d->ac_derived_tbls[comp->ac_tbl_no], d->fast_ac[comp->ac_tbl_no]);
    d->last_dc_val[ci] = 0;
  }
  for (int b = 0; b < cinfo->blocks_in_MCU; b++) {
    jpeg_component_info *comp = cinfo->cur_comp_info[cinfo->MCU_membership[b]];
    d->dc_cur_tbls[b] = d->dc_derived_tbls[comp->dc_tbl_no];
    d->ac_cur_tbls[b] = d->ac_derived_tbls[comp->ac_tbl_no];
    d->fast_cur[b] = d->fast_ac[comp->ac_tbl_no];
    /* As libjpeg: no AC values are needed for a 1/8-size image, none at all for unused components. */
    d->dc_needed[b] = comp->component_needed;
    d->ac_needed[b] = comp->component_needed && comp->_DCT_scaled_size > 1;
  }
  d->buf = 0;
  d->nbits = 0;
  d->pub.insufficient_data = FALSE;
  d->restarts_to_go = cinfo->restart_interval;
}

/* The bit reader: the bit buffer and the source position. */
typedef struct {
  uint64_t buf;
  int nbits;
  const JOCTET *next;
  size_t left;
} reader;

#define ALWAYS_INLINE inline __attribute__((always_inline))

/*
 * Loads 8 bytes at once if none of them is 0xFF; FALSE if one is (or fewer than 8 are left).
 * SIMD does the FF test and the byte reversal (wasm has no bswap; the scalar one is ~20 ops).
 */
static ALWAYS_INLINE boolean refill_8(reader *r) {
  if (r->left < 8) return FALSE;
  v128_t v = wasm_v128_load64_zero(r->next);
  if (wasm_v128_any_true(wasm_i8x16_eq(v, wasm_i8x16_splat(-1)))) return FALSE;
  uint64_t w = (uint64_t)wasm_i64x2_extract_lane(wasm_i8x16_shuffle(v, v, 7, 6, 5, 4, 3, 2, 1, 0, 8, 8, 8, 8, 8, 8, 8, 8), 0);
  r->buf |= w >> r->nbits;
  int n = (64 - r->nbits) >> 3; /* the whole bytes that fit (at least 1: nbits <= 56) */
  r->next += n;
  r->left -= (size_t)n;
  r->nbits += 8 * n;
  return TRUE;
}

/*
 * Loads bytes until at least 57 bits are buffered or a marker is reached, reading exactly what
 * jpeg_fill_bit_buffer reads (it stops at 25 bits with its 32-bit buffer; where it stops only
 * changes how far ahead the data is read). With `may_fill` FALSE it never asks the source for
 * more data (the fast path has checked there is enough). FALSE if the source suspended (never
 * with the memory source) or, without `may_fill`, if the data ran out.
 */
static __attribute__((noinline)) boolean refill(j_decompress_ptr cinfo, reader *r, boolean may_fill) {
  if (cinfo->unread_marker != 0) return TRUE;
  while (r->nbits <= 56) {
    if (refill_8(r)) continue;
    /* One byte at a time, handling FF. */
#define NEXT_BYTE(c)                                                           \
    if (r->left == 0) {                                                        \
      if (!may_fill || !(*cinfo->src->fill_input_buffer)(cinfo)) return FALSE; \
      r->next = cinfo->src->next_input_byte;                                   \
      r->left = cinfo->src->bytes_in_buffer;                                   \
    }                                                                          \
    r->left--;                                                                 \
    c = *r->next++;
    int c;
    NEXT_BYTE(c);
    if (c == 0xFF) {
      /* FF 00 is an FF data byte; FF FF ... are fill bytes before a marker. */
      do {
        NEXT_BYTE(c);
      } while (c == 0xFF);
      if (c != 0) {
        cinfo->unread_marker = c; /* the end of this entropy-coded segment */
        return TRUE;
      }
      c = 0xFF;
    }
#undef NEXT_BYTE
    r->buf |= (uint64_t)c << (56 - r->nbits);
    r->nbits += 8;
  }
  return TRUE;
}

static ALWAYS_INLINE int peek(const reader *r, int n) { return (int)(r->buf >> (64 - n)); }

/*
 * Consumes n <= 32 bits (after a decode that peeked them). `checked`: the reader may be at a
 * marker with fewer bits left than that; past the end of the data the bits are zeros and, the
 * first time, the segment is marked as out of data, with libjpeg's warning. Unchecked (the
 * fast path) the caller has made sure the bits are there.
 */
static ALWAYS_INLINE void consume(j_decompress_ptr cinfo, reader *r, int n, const int checked) {
  if (checked && n > r->nbits) {
    if (!cinfo->entropy->insufficient_data) {
      WARNMS(cinfo, JWRN_HIT_MARKER);
      cinfo->entropy->insufficient_data = TRUE;
    }
    r->buf <<= n;
    r->nbits = 64; /* zeros from here on: nothing is loaded past a marker */
    return;
  }
  r->buf <<= n;
  r->nbits -= n;
}

/*
 * One Huffman symbol, with its code consumed; at least 17 bits must be buffered or the reader
 * must be at a marker (zeros follow). A code longer than 16 bits is symbol 0 after 17 bits, as
 * in libjpeg.
 */
static ALWAYS_INLINE int decode_symbol(j_decompress_ptr cinfo, reader *r, const d_derived_tbl *tbl, const int checked) {
  int e = tbl->lookup[peek(r, HUFF_LOOKAHEAD)];
  int l = e >> HUFF_LOOKAHEAD;
  if (l <= HUFF_LOOKAHEAD) {
    consume(cinfo, r, l, checked);
    return e & ((1 << HUFF_LOOKAHEAD) - 1);
  }
  l = HUFF_LOOKAHEAD + 1;
  long code = peek(r, l);
  while (code > tbl->maxcode[l]) code = peek(r, ++l); /* maxcode[17] stops it */
  consume(cinfo, r, l, checked);
  if (l > 16) {
    WARNMS(cinfo, JWRN_HUFF_BAD_CODE);
    return 0;
  }
  return tbl->pub->huffval[(int)(code + tbl->valoffset[l])];
}

/* `s` extra bits as a coefficient value. */
static ALWAYS_INLINE int receive_extend(j_decompress_ptr cinfo, reader *r, int s, const int checked) {
  if (!s) return 0;
  int x = peek(r, s);
  consume(cinfo, r, s, checked);
  return extend(x, s);
}

/* What a block needs: its tables, where its coefficients go, whether its values are wanted. */
typedef struct {
  const d_derived_tbl *dc, *ac;
  const int16_t *fast;
  JCOEF *block;   /* NULL: decode and discard */
  int ac_needed;
} block_job;

/*
 * Decodes one block into job->block (DC difference returned in *dc_diff). Every coefficient
 * takes at most 17 + 15 bits, so 32 buffered bits are enough for one. Fast (`checked` 0): the
 * source holds enough bytes for the whole MCU, so a refill can only come short at a marker;
 * then FALSE, and the caller starts the MCU over checked, as libjpeg does with its own fast
 * path. Checked: works up to and past a marker. The reader is copied into locals for the
 * block (one function per block keeps the loop's values in registers).
 */
static ALWAYS_INLINE boolean decode_block(j_decompress_ptr cinfo, reader *rp, const block_job *job, int *dc_diff, const int checked) {
  reader r = *rp;
  /* The out-of-line refill gets a copy, never the address of `r`, which must stay in locals. */
#define NEED_32                                                   \
  if (r.nbits < 32 && !refill_8(&r)) {                            \
    reader copy = r;                                              \
    if (!refill(cinfo, &copy, checked)) return FALSE;             \
    r = copy;                                                     \
    if (!checked && r.nbits < 32) return FALSE;                   \
  }
  NEED_32;
  int s = decode_symbol(cinfo, &r, job->dc, checked);
  *dc_diff = receive_extend(cinfo, &r, s, checked);

  const d_derived_tbl *ac = job->ac;
  JCOEF *block = job->block;
  if (job->ac_needed && block) {
    const int16_t *fast = job->fast;
    for (int k = 1; k < DCTSIZE2; k++) {
      NEED_32;
      int e = fast[peek(&r, FAST_BITS)];
      if (e) {
        k += (e >> 4) & 15;
        consume(cinfo, &r, e & 15, checked);
        block[jpeg_natural_order[k]] = (JCOEF)(e >> 8);
        continue;
      }
      int rs = decode_symbol(cinfo, &r, ac, checked), run = rs >> 4;
      s = rs & 15;
      if (s) {
        k += run;
        block[jpeg_natural_order[k]] = (JCOEF)receive_extend(cinfo, &r, s, checked);
      } else {
        if (run != 15) break;
        k += 15;
      }
    }
  } else {
    for (int k = 1; k < DCTSIZE2; k++) {
      NEED_32;
      int rs = decode_symbol(cinfo, &r, ac, checked), run = rs >> 4;
      s = rs & 15;
      if (s) {
        k += run;
        consume(cinfo, &r, s, checked);
      } else {
        if (run != 15) break;
        k += 15;
      }
    }
  }
#undef NEED_32
  *rp = r;
  return TRUE;
}

static __attribute__((noinline)) boolean decode_block_fast(j_decompress_ptr cinfo, reader *r, const block_job *job, int *dc_diff) {
  return decode_block(cinfo, r, job, dc_diff, 0);
}
static __attribute__((noinline)) boolean decode_block_checked(j_decompress_ptr cinfo, reader *r, const block_job *job, int *dc_diff) {
  return decode_block(cinfo, r, job, dc_diff, 1);
}

/* Decodes one MCU; commits the reader and DC predictions only if all of it was decoded. */
static boolean decode_blocks(j_decompress_ptr cinfo, huffman_decoder *d, JBLOCKROW *MCU_data, int checked) {
  reader r = { d->buf, d->nbits, cinfo->src->next_input_byte, cinfo->src->bytes_in_buffer };
  int last_dc[MAX_COMPS_IN_SCAN];
  memcpy(last_dc, d->last_dc_val, sizeof(last_dc));
  for (int b = 0; b < cinfo->blocks_in_MCU; b++) {
    block_job job = { d->dc_cur_tbls[b], d->ac_cur_tbls[b], d->fast_cur[b], MCU_data ? MCU_data[b][0] : NULL, d->ac_needed[b] };
    int diff;
    if (!(checked ? decode_block_checked(cinfo, &r, &job, &diff) : decode_block_fast(cinfo, &r, &job, &diff))) return FALSE;
    if (d->dc_needed[b]) {
      int ci = cinfo->MCU_membership[b];
      last_dc[ci] += diff;
      if (job.block) job.block[0] = (JCOEF)last_dc[ci];
    }
  }
  cinfo->src->next_input_byte = r.next;
  cinfo->src->bytes_in_buffer = r.left;
  d->buf = r.buf;
  d->nbits = r.nbits;
  memcpy(d->last_dc_val, last_dc, sizeof(last_dc));
  return TRUE;
}

/* libjpeg's process_restart(). */
static boolean process_restart(j_decompress_ptr cinfo, huffman_decoder *d) {
  /* Unused whole bytes in the buffer count as discarded before the marker. Bytes past a marker
     are never loaded, so nbits > 64 cannot happen here; padded zeros are not data. */
  if (!d->pub.insufficient_data) cinfo->marker->discarded_bytes += (unsigned int)(d->nbits / 8);
  d->buf = 0;
  d->nbits = 0;
  if (!(*cinfo->marker->read_restart_marker)(cinfo)) return FALSE;
  for (int ci = 0; ci < cinfo->comps_in_scan; ci++) d->last_dc_val[ci] = 0;
  d->restarts_to_go = cinfo->restart_interval;
  if (cinfo->unread_marker == 0) d->pub.insufficient_data = FALSE;
  return TRUE;
}

/* Worst case of one block: 64 coefficients of 32 bits, every byte stuffed (libjpeg's BUFSIZE). */
#define FAST_BYTES_PER_BLOCK (DCTSIZE2 * 8)

METHODDEF(boolean) decode_mcu(j_decompress_ptr cinfo, JBLOCKROW *MCU_data) {
  huffman_decoder *d = (huffman_decoder *)cinfo->entropy;
  if (cinfo->restart_interval && d->restarts_to_go == 0 && !process_restart(cinfo, d)) return FALSE;
  /* Out of data in this segment: the MCU stays zero, as in libjpeg. */
  if (!d->pub.insufficient_data) {
    boolean done = FALSE;
    if (cinfo->unread_marker == 0 && cinfo->src->bytes_in_buffer >= FAST_BYTES_PER_BLOCK * (size_t)cinfo->blocks_in_MCU + 8) {
      done = decode_blocks(cinfo, d, MCU_data, 0);
      /* It stopped at a marker: forget it, the checked decode reads up to it again. */
      if (!done) cinfo->unread_marker = 0;
    }
    if (!done && !decode_blocks(cinfo, d, MCU_data, 1)) return FALSE;
  }
  if (cinfo->restart_interval) d->restarts_to_go--;
  return TRUE;
}

GLOBAL(void) jinit_huff_decoder(j_decompress_ptr cinfo) {
  /* libjpeg's initializer installs the default tables if the stream has none (Motion JPEG). */
  jinit_huff_decoder_libjpeg(cinfo);
  if (huffman_decoder_use_libjpeg) return;
  huffman_decoder *d = (huffman_decoder *)(*cinfo->mem->alloc_small)((j_common_ptr)cinfo, JPOOL_IMAGE, sizeof(huffman_decoder));
  memset(d, 0, sizeof(*d));
  d->pub.start_pass = start_pass;
  d->pub.decode_mcu = decode_mcu;
  cinfo->entropy = &d->pub;
}
