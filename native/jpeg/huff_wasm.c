/*
 * A faster path for libjpeg-turbo's baseline Huffman decoder (jdhuff.c) in WebAssembly, with
 * libjpeg's exact behaviour. Not compiled on its own: build.sh makes jdhuff.c include it just
 * before jinit_huff_decoder and point the entropy decoder's two methods at ours (a patch of three
 * lines, see build.sh), because it needs jdhuff.c's private types and falls back to its static
 * functions.
 *
 * What libjpeg does per MCU (decode_mcu): when no restart interval is set, 512 bytes per block
 * are left in the buffer and no marker has been met, a fast path (decode_mcu_fast) decodes the
 * MCU; it keeps the bit buffer right-aligned (get_buffer, bits_left), refills six bytes one at a
 * time whenever 16 bits or fewer are left — before each Huffman code and before each
 * coefficient's extra bits — and if it meets a marker, it decodes the MCU again with the careful
 * path. Each coefficient costs a dependent chain: shift by a variable amount, table lookup, code
 * length, shift again for the extra bits, sign extension.
 *
 * Ours (decode_mcu_wasm) takes the same MCUs and:
 *  - keeps the bit buffer left-aligned (the next bit is the top bit), so a peek is a constant
 *    shift;
 *  - decodes most AC coefficients with one lookup of the next FAST_BITS bits in a table made per
 *    Huffman table at the start of each scan (fast_ac): code length + extra bits <= FAST_BITS gives
 *    run, value and the number of bits at once; other symbols take libjpeg's steps;
 *  - refills six bytes with one SIMD load and one test for 0xFF, byte by byte (FF 00 -> FF) only
 *    when one of them is 0xFF;
 *  - refills at exactly the points and under exactly the conditions libjpeg does, so that the
 *    input position and the bits held after every MCU are libjpeg's;
 *  - gives up on the MCU as soon as a refill meets a marker (FF not followed by 00), before using
 *    any bit of it, and leaves the MCU to libjpeg's decode_mcu from the MCU's start state. What it
 *    wrote into the blocks until then, libjpeg's fast path writes too (same state, same bits,
 *    same symbols), so the blocks end as libjpeg leaves them, garbage of a failed fast attempt
 *    included.
 * Anything else (restart intervals, the end of the data, 1/8 scale where ACs are skipped, a marker
 * already seen, data exhausted) goes to libjpeg's decode_mcu unchanged. So coefficients, warnings,
 * errors and the input position are libjpeg's for every input, valid or not: the test build can
 * switch this file off (huff_wasm_enabled = 0) and test/node/jpeg-entropy.test.ts compares the two
 * on real and mutated files.
 */

#include <stdint.h>
#include <wasm_simd128.h>

#if BIT_BUF_SIZE != 64
#error "huff_wasm.c expects jdhuff.h's 64-bit bit buffer (build.sh compiles jdhuff.c with it)"
#endif

/* Nonzero: decode_mcu_wasm uses its fast path. Only the test build ever clears it (test_api.c). */
int huff_wasm_enabled = 1;

/*
 * fast_ac entries, indexed by the next FAST_BITS bits: 0 = not covered (take libjpeg's steps);
 * else bits 0-4 the bits to consume (code + extra), 5-8 the code length, 9-12 the run (zeros
 * skipped), bit 13 "end of block" (run 0, size 0: then no value), bits 16-31 the coefficient.
 */
#define FAST_BITS 10
#define FAST_EOB (1 << 13)
typedef int32_t fast_entry;

/* One table per Huffman table slot, made at the start of each scan for the decompressor `owner`. */
static fast_entry fast_ac[NUM_HUFF_TBLS][1 << FAST_BITS];
static const fast_entry *fast_blk[D_MAX_BLOCKS_IN_MCU];
/* DC: bits 0-4 the bits to consume (code + extra), 16-31 the difference; 0 = not covered. */
static fast_entry fast_dc[NUM_HUFF_TBLS][1 << FAST_BITS];
static const fast_entry *fast_dc_blk[D_MAX_BLOCKS_IN_MCU];
static j_decompress_ptr fast_owner;

/*
 * The symbol that libjpeg's fast path (HUFF_DECODE_FAST) decodes from the FAST_BITS-bit prefix
 * `i`, by its own steps: the 8-bit lookup, else its bit-by-bit search (maxcode, valoffset) as far
 * as `i`'s bits go. Returns the code length, or 0 when the code is longer than FAST_BITS.
 */
static int prefix_symbol(const d_derived_tbl *t, int i, int *sym) {
  int e = t->lookup[i >> (FAST_BITS - HUFF_LOOKAHEAD)];
  int nb = e >> HUFF_LOOKAHEAD;
  *sym = e & 0xFF;
  if (nb <= HUFF_LOOKAHEAD) return nb;
  for (; nb <= FAST_BITS; nb++) {
    JLONG code = i >> (FAST_BITS - nb);
    if (code <= t->maxcode[nb]) {
      *sym = t->pub->huffval[(int)(code + t->valoffset[nb]) & 0xFF];
      return nb;
    }
  }
  return 0;
}

static void make_fast_dc(const d_derived_tbl *t, fast_entry *out) {
  for (int i = 0; i < (1 << FAST_BITS); i++) {
    int size;
    int nb = prefix_symbol(t, i, &size);
    fast_entry f = 0;
    if (nb && nb + size <= FAST_BITS) {
      int v = 0;
      if (size) {
        int x = (i >> (FAST_BITS - nb - size)) & ((1 << size) - 1);
        v = HUFF_EXTEND(x, size);
      }
      f = (fast_entry)((uint32_t)(uint16_t)(int16_t)v << 16) | (nb + size);
    }
    out[i] = f;
  }
}

static void make_fast_ac(const d_derived_tbl *t, fast_entry *out) {
  for (int i = 0; i < (1 << FAST_BITS); i++) {
    int sym;
    int nb = prefix_symbol(t, i, &sym), run = sym >> 4, size = sym & 15;
    fast_entry f = 0;
    if (nb) {
      if (size == 0 && run == 0) {
        f = FAST_EOB | (nb << 5) | nb;
      } else if (size != 0 && nb + size <= FAST_BITS) {
        int x = (i >> (FAST_BITS - nb - size)) & ((1 << size) - 1);
        int v = HUFF_EXTEND(x, size);
        f = (fast_entry)((uint32_t)(uint16_t)(int16_t)v << 16) | (run << 9) | (nb << 5) | (nb + size);
      }
    }
    out[i] = f;
  }
}

METHODDEF(void) start_pass_huff_decoder_wasm(j_decompress_ptr cinfo) {
  start_pass_huff_decoder(cinfo);
  huff_entropy_ptr entropy = (huff_entropy_ptr)cinfo->entropy;
  int made[NUM_HUFF_TBLS] = { 0 }, made_dc[NUM_HUFF_TBLS] = { 0 };
  for (int blkn = 0; blkn < cinfo->blocks_in_MCU; blkn++) {
    jpeg_component_info *comp = cinfo->cur_comp_info[cinfo->MCU_membership[blkn]];
    int tbl = comp->ac_tbl_no, dctbl = comp->dc_tbl_no;
    if (!made[tbl]) make_fast_ac(entropy->ac_cur_tbls[blkn], fast_ac[tbl]);
    if (!made_dc[dctbl]) make_fast_dc(entropy->dc_cur_tbls[blkn], fast_dc[dctbl]);
    made[tbl] = made_dc[dctbl] = 1;
    fast_blk[blkn] = fast_ac[tbl];
    fast_dc_blk[blkn] = fast_dc[dctbl];
  }
  fast_owner = cinfo;
}

/* The bit reader's state between the pieces below: left-aligned buffer, bits held, input position. */
typedef struct {
  uint64_t buf;
  int cnt;
  const JOCTET *p;
} bit_reader;

/*
 * libjpeg's refill of the fast path (six bytes, FF 00 read as FF), byte by byte: the case where
 * one of the six is 0xFF. Returns 0, having changed nothing, when they hold a marker.
 */
static __attribute__((noinline)) int refill_bytes(bit_reader *r) {
  const JOCTET *p = r->p;
  uint64_t b = r->buf;
  int n = r->cnt;
  for (int i = 0; i < 6; i++) {
    unsigned c = *p++;
    if (c == 0xFF) {
      if (*p != 0) return 0;
      p++;
    }
    b |= (uint64_t)c << (56 - n);
    n += 8;
  }
  r->buf = b;
  r->cnt = n;
  r->p = p;
  return 1;
}

/* The refill when none of the six bytes is 0xFF: one load, one test, one shift and or. */
#define REFILL(fail) \
  { \
    v128_t v_ = wasm_v128_load64_zero(p); \
    if (__builtin_expect(!(wasm_i8x16_bitmask(wasm_i8x16_eq(v_, wasm_i8x16_splat((char)0xFF))) & 0x3F), 1)) { \
      v128_t r_ = wasm_i8x16_shuffle(v_, v_, 7, 6, 5, 4, 3, 2, 1, 0, 8, 9, 10, 11, 12, 13, 14, 15); \
      buf |= ((uint64_t)wasm_i64x2_extract_lane(r_, 0) >> 16) << (16 - cnt); /* p[0] on top */ \
      cnt += 48; \
      p += 6; \
    } else { \
      bit_reader t_ = { buf, cnt, p }; \
      if (!refill_bytes(&t_)) fail; \
      buf = t_.buf; \
      cnt = t_.cnt; \
      p = t_.p; \
    } \
  }
#define REFILL_IF_LOW(fail) \
  if (cnt <= 16) REFILL(fail)

/*
 * One symbol with libjpeg's fast-path steps (HUFF_DECODE_FAST): 8-bit lookup, else the code is
 * read bit by bit up to 16 bits (17: a bad code, symbol 0). cnt >= 17 on entry.
 */
static __attribute__((noinline)) int slow_symbol(const d_derived_tbl *t, bit_reader *r) {
  uint64_t buf = r->buf;
  int e = t->lookup[buf >> (64 - HUFF_LOOKAHEAD)];
  int nb = e >> HUFF_LOOKAHEAD, s = e & 0xFF;
  if (nb > HUFF_LOOKAHEAD) {
    JLONG code = (JLONG)(buf >> (64 - nb));
#pragma clang loop unroll(disable)
    while (code > t->maxcode[nb]) {
      nb++;
      code = (JLONG)(buf >> (64 - nb));
    }
    s = nb > 16 ? 0 : t->pub->huffval[(int)(code + t->valoffset[nb]) & 0xFF];
  }
  r->buf = buf << nb;
  r->cnt -= nb;
  return s;
}

/* The next `size` (1..15) bits as a signed value (HUFF_EXTEND); cnt >= size. */
#define EXTRA_BITS(size, out) \
  { \
    int x_ = (int)(buf >> (64 - (size))); \
    buf <<= (size); \
    cnt -= (size); \
    out = HUFF_EXTEND(x_, (size)); \
  }

/*
 * One block: the DC difference, then the AC coefficients (libjpeg's loop, with fast_ac). Returns
 * the DC difference in *dc; 0 = a marker was met.
 */
static __attribute__((noinline)) int decode_block(bit_reader *r, JCOEF *block, const d_derived_tbl *dctbl,
                                                  const d_derived_tbl *actbl, const fast_entry *fast_dc,
                                                  const fast_entry *fast, int *dc) {
  uint64_t buf = r->buf;
  int cnt = r->cnt;
  const JOCTET *p = r->p;
  int s;

  REFILL_IF_LOW(return 0);
  fast_entry d = fast_dc[buf >> (64 - FAST_BITS)];
  if (__builtin_expect(d != 0, 1)) {
    /* Code and extra bits at once; libjpeg's refill between them (if any) is made by the AC
       loop's first check: the block's first AC code is the next read either way. */
    buf <<= d & 31;
    cnt -= d & 31;
    *dc = d >> 16;
  } else {
    bit_reader t = { buf, cnt, p };
    s = slow_symbol(dctbl, &t);
    buf = t.buf;
    cnt = t.cnt;
    if (s) {
      REFILL_IF_LOW(return 0);
      EXTRA_BITS(s, s);
    }
    *dc = s;
  }

  for (int k = 1; k < DCTSIZE2; k++) {
    REFILL_IF_LOW(return 0);
    fast_entry f = fast[buf >> (64 - FAST_BITS)];
    if (__builtin_expect(f & ~FAST_EOB, 1)) {
      int len = f & 31;
      buf <<= len;
      cnt -= len;
      if (f & FAST_EOB) break;
      k += (f >> 9) & 15;
      block[jpeg_natural_order[k]] = (JCOEF)(f >> 16);
      /* libjpeg refills between this code and its extra bits when 16 bits or fewer are left after
         the code, and before the next code when 16 or fewer are left then: one refill before the
         next code either way (no bit is read in between), made by the check at the loop's top —
         unless this was the block's last coefficient: then libjpeg's refill is made here. */
      if (__builtin_expect(k >= DCTSIZE2 - 1, 0) && cnt + len - ((f >> 5) & 15) <= 16) REFILL(return 0);
      continue;
    }
    {
      bit_reader t = { buf, cnt, p };
      s = slow_symbol(actbl, &t);
      buf = t.buf;
      cnt = t.cnt;
    }
    int run = s >> 4;
    s &= 15;
    if (s) {
      k += run;
      REFILL_IF_LOW(return 0);
      int v;
      EXTRA_BITS(s, v);
      block[jpeg_natural_order[k]] = (JCOEF)v;
    } else {
      if (run != 15) break;
      k += 15;
    }
  }
  r->buf = buf;
  r->cnt = cnt;
  r->p = p;
  return 1;
}

/* Our fast path for one MCU; FALSE = a marker was met, nothing committed (see the top). */
LOCAL(boolean) decode_mcu_fast_wasm(j_decompress_ptr cinfo, JBLOCKROW *MCU_data) {
  huff_entropy_ptr entropy = (huff_entropy_ptr)cinfo->entropy;
  const JOCTET *start = cinfo->src->next_input_byte;
  int cnt = entropy->bitstate.bits_left;
  bit_reader r = { cnt ? (uint64_t)entropy->bitstate.get_buffer << (64 - cnt) : 0, cnt, start };
  int last_dc[MAX_COMPS_IN_SCAN];
  for (int ci = 0; ci < cinfo->comps_in_scan; ci++) last_dc[ci] = entropy->saved.last_dc_val[ci];

  for (int blkn = 0; blkn < cinfo->blocks_in_MCU; blkn++) {
    JCOEF *block = MCU_data[blkn][0];
    int dc;
    if (!decode_block(&r, block, entropy->dc_cur_tbls[blkn], entropy->ac_cur_tbls[blkn], fast_dc_blk[blkn],
                      fast_blk[blkn], &dc))
      return FALSE;
    int ci = cinfo->MCU_membership[blkn];
    dc += last_dc[ci];
    last_dc[ci] = dc;
    block[0] = (JCOEF)dc;
  }

  cinfo->src->bytes_in_buffer -= (size_t)(r.p - start);
  cinfo->src->next_input_byte = r.p;
  entropy->bitstate.get_buffer = r.cnt ? (bit_buf_type)(r.buf >> (64 - r.cnt)) : 0;
  entropy->bitstate.bits_left = r.cnt;
  for (int ci = 0; ci < cinfo->comps_in_scan; ci++) entropy->saved.last_dc_val[ci] = last_dc[ci];
  return TRUE;
}

/* The entropy decoder's decode_mcu: ours where libjpeg would take its fast path, else libjpeg's. */
METHODDEF(boolean) decode_mcu_ours(j_decompress_ptr cinfo, JBLOCKROW *MCU_data) {
  huff_entropy_ptr entropy = (huff_entropy_ptr)cinfo->entropy;
  int ours = huff_wasm_enabled && fast_owner == cinfo && !cinfo->restart_interval && MCU_data &&
             cinfo->unread_marker == 0 && !entropy->pub.insufficient_data &&
             cinfo->src->bytes_in_buffer >= BUFSIZE * (size_t)cinfo->blocks_in_MCU;
  for (int blkn = 0; ours && blkn < cinfo->blocks_in_MCU; blkn++)
    ours = MCU_data[blkn] && entropy->dc_needed[blkn] && entropy->ac_needed[blkn];
  if (ours && decode_mcu_fast_wasm(cinfo, MCU_data)) return TRUE;
  return decode_mcu(cinfo, MCU_data);
}

#ifndef HUFF_WASM_LOCKSTEP
#define decode_mcu_wasm decode_mcu_ours
#else
/*
 * Test build only (build.sh compiles jdhuff.c a second time with HUFF_WASM_LOCKSTEP for
 * jpeg-turbo-test.wasm): with huff_lockstep set, every MCU is decoded by libjpeg's decode_mcu,
 * the state is put back, and decoded again by ours; the two must leave the same state (input
 * position, bits held, DC predictions, pending marker, out-of-data flag, restart counters,
 * discarded-byte count, warning count, result) and the same blocks. huff_lockstep_result holds
 * the number of MCUs compared and the index of the first that differs (-1: none).
 */
#include <string.h>
int huff_lockstep = 0;
int huff_lockstep_result[2] = { 0, -1 };

typedef struct {
  const JOCTET *next_input_byte;
  size_t bytes_in_buffer;
  bitread_perm_state bitstate;
  savable_state saved;
  int unread_marker, next_restart_num;
  boolean insufficient_data;
  unsigned int restarts_to_go, discarded_bytes;
  long num_warnings;
} decoder_state;

static void get_state(j_decompress_ptr cinfo, decoder_state *d) {
  huff_entropy_ptr e = (huff_entropy_ptr)cinfo->entropy;
  memset(d, 0, sizeof *d);
  d->next_input_byte = cinfo->src->next_input_byte;
  d->bytes_in_buffer = cinfo->src->bytes_in_buffer;
  d->bitstate.bits_left = e->bitstate.bits_left;
  /* Bits above bits_left are spent: not part of the state. */
  int n = e->bitstate.bits_left;
  d->bitstate.get_buffer = n >= 64 ? e->bitstate.get_buffer : n <= 0 ? 0 : e->bitstate.get_buffer & ((1ULL << n) - 1);
  d->saved = e->saved;
  d->unread_marker = cinfo->unread_marker;
  d->next_restart_num = cinfo->marker->next_restart_num;
  d->insufficient_data = e->pub.insufficient_data;
  d->restarts_to_go = e->restarts_to_go;
  d->discarded_bytes = cinfo->marker->discarded_bytes;
  d->num_warnings = cinfo->err->num_warnings;
}

static void set_state(j_decompress_ptr cinfo, const decoder_state *d, const bitread_perm_state *bits) {
  huff_entropy_ptr e = (huff_entropy_ptr)cinfo->entropy;
  cinfo->src->next_input_byte = d->next_input_byte;
  cinfo->src->bytes_in_buffer = d->bytes_in_buffer;
  e->bitstate = *bits;
  e->saved = d->saved;
  cinfo->unread_marker = d->unread_marker;
  cinfo->marker->next_restart_num = d->next_restart_num;
  e->pub.insufficient_data = d->insufficient_data;
  e->restarts_to_go = d->restarts_to_go;
  cinfo->marker->discarded_bytes = d->discarded_bytes;
  cinfo->err->num_warnings = d->num_warnings;
}

METHODDEF(boolean) decode_mcu_wasm(j_decompress_ptr cinfo, JBLOCKROW *MCU_data) {
  if (!huff_lockstep) return decode_mcu_ours(cinfo, MCU_data);
  huff_entropy_ptr e = (huff_entropy_ptr)cinfo->entropy;
  static JBLOCK before[D_MAX_BLOCKS_IN_MCU], ref[D_MAX_BLOCKS_IN_MCU];
  int nb = MCU_data ? cinfo->blocks_in_MCU : 0;
  decoder_state s0, s_ref, s_ours;
  bitread_perm_state bits0 = e->bitstate;
  get_state(cinfo, &s0);
  for (int b = 0; b < nb; b++)
    if (MCU_data[b]) memcpy(before[b], MCU_data[b][0], sizeof(JBLOCK));
  boolean r_ref = decode_mcu(cinfo, MCU_data);
  get_state(cinfo, &s_ref);
  for (int b = 0; b < nb; b++)
    if (MCU_data[b]) {
      memcpy(ref[b], MCU_data[b][0], sizeof(JBLOCK));
      memcpy(MCU_data[b][0], before[b], sizeof(JBLOCK));
    }
  set_state(cinfo, &s0, &bits0);
  boolean r = decode_mcu_ours(cinfo, MCU_data);
  get_state(cinfo, &s_ours);
  int same = r == r_ref && memcmp(&s_ref, &s_ours, sizeof s_ref) == 0;
  for (int b = 0; same && b < nb; b++)
    if (MCU_data[b]) same = memcmp(ref[b], MCU_data[b][0], sizeof(JBLOCK)) == 0;
  if (!same && huff_lockstep_result[1] < 0) huff_lockstep_result[1] = huff_lockstep_result[0];
  huff_lockstep_result[0]++;
  return r;
}
#endif
