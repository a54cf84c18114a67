/*
 * Progressive Huffman decoding, AC refinement scans: a fast path for libjpeg's
 * decode_mcu_AC_refine (jdphuff.c). Included into libjpeg-turbo's jdphuff.c by build.sh (a
 * checked patch of three lines: a declaration beside jdphuff.c's forward declarations, this
 * file's #include before jinit_phuff_decoder, and start_pass_phuff_decoder installing
 * decode_mcu_AC_refine_wasm instead of decode_mcu_AC_refine), so that it uses jdphuff.c's own
 * types, macros, process_restart and decode_mcu_AC_refine.
 *
 * What libjpeg does per block of a refinement scan (Ah > 0): for every coefficient k of the band
 * Ss..Se in zigzag order it loads jpeg_natural_order[k] and the coefficient, and for each one
 * already nonzero reads a correction bit (branching on it); zero ones count down the run of the
 * symbol before. In libjpeg's default progression the luma gets two such passes over all 63
 * AC coefficients, and they were ~70% of a progressive decode's entropy decoding. Here the
 * band's nonzero coefficients are one 64-bit mask in zigzag order (SIMD128: compare, narrow,
 * shuffle into zigzag order, bitmask), made once per block; the walk visits only the nonzero ones
 * (count trailing zeros), takes their correction bits from the bit buffer in one go and applies
 * them without branches, and the zero coefficient a run of r ends at is found by clearing the r
 * lowest set bits of the zero mask (the first three without branches).
 *
 * Exactness: the fast path reads the bit stream as libjpeg's function does — the same
 * HUFF_DECODE lookups, the same tests of bits_left before a refill, refills that load what
 * jpeg_fill_bit_buffer loads — and gives up on the MCU (see PHUFF_FILL) wherever libjpeg would do
 * anything else: a refill that would meet a marker, 0xFF stuffing or the end of the input, a
 * pending marker, a code longer than 16 bits or a symbol size other than 1 (libjpeg warns), then
 * libjpeg's own function decodes that MCU from its start state. The mask is taken from the block
 * when the MCU starts; libjpeg reads the block as it goes, but the only coefficient it makes
 * nonzero is the one at the current k, and k only increases afterwards, so no later test sees a
 * different value (correction bits never make a nonzero coefficient zero: |c| < 2^15 and
 * p1 <= 2^13). The corrupt-data cases are libjpeg's too: a run that finds no zero before Se ends
 * at k = Se + 1 and the new coefficient goes to jpeg_natural_order[Se + 1] (63 for Se = 63: the
 * table's extra entries), as there. test/node/jpeg-progressive.test.ts compares this with
 * libjpeg's function in the test build (coefficients, warnings, end state, errors, pixels; real
 * files and mutants).
 */

#include <wasm_simd128.h>

/* Test build switch (test_phuff.c): 0 = libjpeg's own decode_mcu_AC_refine. */
int phuff_wasm_enabled = 1;

/* Bit i set iff block[jpeg_natural_order[i]] != 0, for zigzag index i = 0..63. */
static inline uint64_t phuff_nonzero_zigzag(const JCOEF *b)
{
  const v128_t z = wasm_i16x8_splat(0);
  /* Natural order, one byte per coefficient: 0xFF where it is zero. */
  v128_t n0 = wasm_i8x16_narrow_i16x8(wasm_i16x8_eq(wasm_v128_load(b), z), wasm_i16x8_eq(wasm_v128_load(b + 8), z));
  v128_t n1 = wasm_i8x16_narrow_i16x8(wasm_i16x8_eq(wasm_v128_load(b + 16), z), wasm_i16x8_eq(wasm_v128_load(b + 24), z));
  v128_t n2 = wasm_i8x16_narrow_i16x8(wasm_i16x8_eq(wasm_v128_load(b + 32), z), wasm_i16x8_eq(wasm_v128_load(b + 40), z));
  v128_t n3 = wasm_i8x16_narrow_i16x8(wasm_i16x8_eq(wasm_v128_load(b + 48), z), wasm_i16x8_eq(wasm_v128_load(b + 56), z));
  /* Zigzag order, 16 coefficients at a time: from n0/n1 (natural 0-31) and n2/n3 (32-63). */
  v128_t a0 = wasm_i8x16_shuffle(n0, n1, 0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 0, 25, 18, 11, 4, 5);
  v128_t b0 = wasm_i8x16_shuffle(n2, n3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  v128_t z0 = wasm_i8x16_shuffle(a0, b0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 26, 11, 12, 13, 14, 15);
  v128_t a1 = wasm_i8x16_shuffle(n0, n1, 12, 19, 26, 0, 0, 0, 0, 0, 27, 20, 13, 6, 7, 14, 21, 28);
  v128_t b1 = wasm_i8x16_shuffle(n2, n3, 0, 0, 0, 1, 8, 16, 9, 2, 0, 0, 0, 0, 0, 0, 0, 0);
  v128_t z1 = wasm_i8x16_shuffle(a1, b1, 0, 1, 2, 19, 20, 21, 22, 23, 8, 9, 10, 11, 12, 13, 14, 15);
  v128_t a2 = wasm_i8x16_shuffle(n0, n1, 0, 0, 0, 0, 0, 0, 0, 0, 29, 22, 15, 23, 30, 0, 0, 0);
  v128_t b2 = wasm_i8x16_shuffle(n2, n3, 3, 10, 17, 24, 25, 18, 11, 4, 0, 0, 0, 0, 0, 5, 12, 19);
  v128_t z2 = wasm_i8x16_shuffle(a2, b2, 16, 17, 18, 19, 20, 21, 22, 23, 8, 9, 10, 11, 12, 29, 30, 31);
  v128_t a3 = wasm_i8x16_shuffle(n0, n1, 0, 0, 0, 0, 0, 31, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  v128_t b3 = wasm_i8x16_shuffle(n2, n3, 26, 27, 20, 13, 6, 0, 7, 14, 21, 28, 29, 22, 15, 23, 30, 31);
  v128_t z3 = wasm_i8x16_shuffle(a3, b3, 16, 17, 18, 19, 20, 5, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
  uint64_t zeros = (uint64_t)(uint16_t)wasm_i8x16_bitmask(z0) | (uint64_t)(uint16_t)wasm_i8x16_bitmask(z1) << 16 |
                   (uint64_t)(uint16_t)wasm_i8x16_bitmask(z2) << 32 | (uint64_t)(uint16_t)wasm_i8x16_bitmask(z3) << 48;
  return ~zeros;
}

/*
 * The fast path works on local copies of the bit reader and gives up ("bails") rather than call
 * anything: V8's wasm code has no callee-saved registers, so any call in the loop, even one on a
 * path never taken, makes TurboFan keep the loop's state in memory around it. A bail leaves the
 * permanent state as it was at the MCU's start, and the caller then runs libjpeg's own function
 * for the MCU, which decodes it from that state exactly as it would have anyway.
 *
 * PHUFF_FILL: jpeg_fill_bit_buffer when that is certain to do no more than load whole data
 * bytes: no marker pending, at least 8 bytes left in the source, and no 0xFF among the bytes it
 * would load. It loads bytes while bits_left < MIN_GET_BITS (57), i.e. (64 - bits_left) / 8 of
 * them (bits_left < 16 at every call); so does this, in one go (SIMD: one 8-byte load, the 0xFF
 * test, byte reversal). Otherwise: bail. It is used where libjpeg calls jpeg_fill_bit_buffer (the
 * same tests of bits_left), so the input position and bits held are libjpeg's after every step.
 */
#define PHUFF_FILL(bail) { \
  int fn_ = (64 - bits_left) >> 3; \
  v128_t fv_; \
  uint64_t fw_; \
  if (cinfo->unread_marker != 0 || bytes_in_buffer < 8) \
    goto bail; \
  fv_ = wasm_v128_load64_zero(next_input_byte); \
  if (wasm_i8x16_bitmask(wasm_i8x16_eq(fv_, wasm_i8x16_splat(-1))) & ((1 << fn_) - 1)) \
    goto bail; \
  fw_ = wasm_i64x2_extract_lane(wasm_i8x16_shuffle(fv_, fv_, 7, 6, 5, 4, 3, 2, 1, 0, 8, 9, 10, 11, 12, 13, 14, 15), 0); \
  get_buffer = ((get_buffer << (8 * fn_ - 1)) << 1) | (fw_ >> (64 - 8 * fn_)); \
  bits_left += 8 * fn_; \
  next_input_byte += fn_; \
  bytes_in_buffer -= fn_; \
}

#define PHUFF_CHECK_BIT_BUFFER(nbits, bail) { \
  if (bits_left < (nbits)) \
    PHUFF_FILL(bail); \
}

/*
 * HUFF_DECODE (jdhuff.h) with PHUFF_FILL, and jpeg_huff_decode's loop for codes longer than
 * HUFF_LOOKAHEAD inline when at least 17 bits are held (then its CHECK_BIT_BUFFERs never refill,
 * up to its sentinel length 17); a code longer than 16 bits (libjpeg warns) bails.
 */
#define PHUFF_HUFF_DECODE(result, htbl, bail) { \
  int nb_, look_; \
  if (bits_left < HUFF_LOOKAHEAD) \
    PHUFF_FILL(bail); \
  look_ = PEEK_BITS(HUFF_LOOKAHEAD); \
  if ((nb_ = (htbl->lookup[look_] >> HUFF_LOOKAHEAD)) <= HUFF_LOOKAHEAD) { \
    DROP_BITS(nb_); \
    result = htbl->lookup[look_] & ((1 << HUFF_LOOKAHEAD) - 1); \
  } else { \
    JLONG code_; \
    if (bits_left < 17) \
      goto bail; \
    code_ = GET_BITS(nb_); \
    while (code_ > htbl->maxcode[nb_]) { \
      code_ <<= 1; \
      code_ |= GET_BITS(1); \
      nb_++; \
    } \
    if (nb_ > 16) \
      goto bail; \
    result = htbl->pub->huffval[(int)(code_ + htbl->valoffset[nb_])]; \
  } \
}

/*
 * A correction bit for each coefficient in `mask` (zigzag indices, nonzero ones), in zigzag
 * order; a 1 increases the coefficient's magnitude by p1 unless that bit is already set. libjpeg
 * reads each bit with CHECK_BIT_BUFFER(1), GET_BITS(1), i.e. refills only when no bit is left;
 * here all the bits the buffer holds (up to the number needed) are taken at once and the refill
 * happens at the same point, when it is empty and more are needed. The update is branchless (the
 * bits are random: a branch on each mispredicts half the time): delta is p1 for c >= 0, m1 = -p1
 * for c < 0. A correction done twice is done once ((c & p1) is then set), which is what lets a
 * bail leave the corrections made so far to libjpeg's second pass, as its own suspension does.
 */
#define PHUFF_CORRECT(mask, bail) { \
  uint64_t cm_ = (mask); \
  while (cm_) { \
    int n_; \
    bit_buf_type b_; \
    PHUFF_CHECK_BIT_BUFFER(1, bail); \
    n_ = __builtin_popcountll(cm_); \
    if (n_ > bits_left) \
      n_ = bits_left; \
    bits_left -= n_; \
    b_ = get_buffer >> bits_left; \
    do { \
      JCOEFPTR c_ = block + jpeg_natural_order[__builtin_ctzll(cm_)]; \
      int v_ = *c_, sign_ = v_ >> 31; \
      int apply_ = (int)(b_ >> --n_) & ((v_ & p1) == 0); \
      cm_ &= cm_ - 1; \
      *c_ = (JCOEF)(v_ + (((p1 ^ sign_) - sign_) & -apply_)); \
    } while (n_); \
  } \
}

/*
 * libjpeg's decode_mcu_AC_refine for one MCU (one block) without its restart and
 * insufficient_data handling (the caller's), on the block's nonzero mask. Returns TRUE when the
 * MCU is done (state saved as libjpeg saves it), FALSE after a bail: then the permanent state is
 * untouched and the coefficients it made newly nonzero are zero again (libjpeg's own undo); the
 * corrections it made stay, and libjpeg's pass makes them again as no-ops.
 */
static __attribute__((noinline)) boolean phuff_refine_fast(j_decompress_ptr cinfo, phuff_entropy_ptr entropy, JCOEFPTR block)
{
  int Se = cinfo->Se;
  int p1 = 1 << cinfo->Al;        /* 1 in the bit position being coded */
  int m1 = (NEG_1) << cinfo->Al;  /* -1 in the bit position being coded */
  int s, k, r;
  unsigned int EOBRUN = entropy->saved.EOBRUN;
  d_derived_tbl *tbl = entropy->ac_derived_tbl;
  const JOCTET *next_input_byte = cinfo->src->next_input_byte;
  size_t bytes_in_buffer = cinfo->src->bytes_in_buffer;
  bit_buf_type get_buffer = entropy->bitstate.get_buffer;
  int bits_left = entropy->bitstate.bits_left;
  int num_newnz = 0;
  int newnz_pos[DCTSIZE2];
  /* Zigzag indices 0..Se (Se <= 63; 2 << 63 is 0 in 64 bits, so band is then all ones). */
  uint64_t band = ((uint64_t)2 << Se) - 1;
  uint64_t nz = phuff_nonzero_zigzag(block) & band;

  k = cinfo->Ss;
  if (EOBRUN == 0) {
    for (; k <= Se; k++) {
      PHUFF_HUFF_DECODE(s, tbl, bail);
      r = s >> 4;
      s &= 15;
      if (s) {
        if (s != 1)             /* libjpeg warns (JWRN_HUFF_BAD_CODE) */
          goto bail;
        PHUFF_CHECK_BIT_BUFFER(1, bail);
        s = GET_BITS(1) ? p1 : m1;
      } else {
        if (r != 15) {
          EOBRUN = 1 << r;      /* EOBr, run length is 2^r + appended bits */
          if (r) {
            PHUFF_CHECK_BIT_BUFFER(r, bail);
            r = GET_BITS(r);
            EOBRUN += r;
          }
          break;                /* rest of block is handled by EOB logic */
        }
        /* note s = 0 for processing ZRL */
      }
      /* libjpeg's do-while: from k, a correction bit for each nonzero coefficient, until the
       * (r+1)th zero one at or after k (k stops there), or to Se + 1 if there is none. */
      {
        uint64_t from = ~(uint64_t)0 << k;
        uint64_t zm = ~nz & band & from;
        int t;
        /* clear the r lowest set bits: the first three without branches (r is 0 half the time,
         * <= 3 in ~90% of symbols: a branch on it mispredicts often) */
        zm &= zm - (uint64_t)(r > 0);
        zm &= zm - (uint64_t)(r > 1);
        zm &= zm - (uint64_t)(r > 2);
        if (r > 3)
          for (r -= 3; r > 0 && zm; r--)
            zm &= zm - 1;
        t = zm ? __builtin_ctzll(zm) : Se + 1;
        /* the nonzero ones in [k, t) (t <= Se <= 63 when zm != 0) */
        PHUFF_CORRECT(nz & from & (zm ? (((uint64_t)1 << t) - 1) : band), bail);
        k = t;
      }
      if (s) {
        int pos = jpeg_natural_order[k];
        block[pos] = (JCOEF)s;
        newnz_pos[num_newnz++] = pos;
      }
    }
  }

  if (EOBRUN > 0) {
    /* A correction bit for each nonzero coefficient from k to Se (k <= Se here). */
    PHUFF_CORRECT(nz & (~(uint64_t)0 << k), bail);
    EOBRUN--;
  }

  cinfo->src->next_input_byte = next_input_byte;
  cinfo->src->bytes_in_buffer = bytes_in_buffer;
  entropy->bitstate.get_buffer = get_buffer;
  entropy->bitstate.bits_left = bits_left;
  entropy->saved.EOBRUN = EOBRUN;
  return TRUE;

bail:
  while (num_newnz > 0)
    block[newnz_pos[--num_newnz]] = 0;
  return FALSE;
}

#ifdef PHUFF_WASM_LOCKSTEP
/*
 * Lockstep check, test build only (build.sh compiles jdphuff.c a second time for it, with
 * PHUFF_WASM_LOCKSTEP, as jdphuff_lockstep.c; test_phuff.c switches it on): every MCU decoded by
 * libjpeg's decode_mcu_AC_refine, the state put back, then by the fast path from the same state,
 * and everything the MCU changes compared — input position, bytes left, bit buffer, bits held,
 * EOB run, pending marker, insufficient_data, restart count, the block. After a bail, libjpeg's
 * function runs again from what the bail left (as in the Worker's build) and must give the same.
 * phuff_lockstep_result: {MCUs compared, index of the first that differs or -1, bails}.
 */
int phuff_lockstep = 0, phuff_lockstep_result[3];

typedef struct {
  const JOCTET *next_input_byte;
  size_t bytes_in_buffer;
  bitread_perm_state bitstate;
  unsigned int EOBRUN, restarts_to_go;
  int unread_marker;
  boolean insufficient_data;
  JBLOCK block;
} phuff_lockstep_state;

static void phuff_lockstep_get(j_decompress_ptr cinfo, JCOEFPTR block, phuff_lockstep_state *st)
{
  phuff_entropy_ptr entropy = (phuff_entropy_ptr)cinfo->entropy;
  memset(st, 0, sizeof(*st));
  st->next_input_byte = cinfo->src->next_input_byte;
  st->bytes_in_buffer = cinfo->src->bytes_in_buffer;
  st->bitstate.get_buffer = entropy->bitstate.get_buffer;
  st->bitstate.bits_left = entropy->bitstate.bits_left;
  st->EOBRUN = entropy->saved.EOBRUN;
  st->restarts_to_go = entropy->restarts_to_go;
  st->unread_marker = cinfo->unread_marker;
  st->insufficient_data = entropy->pub.insufficient_data;
  memcpy(st->block, block, sizeof(JBLOCK));
}

static void phuff_lockstep_set(j_decompress_ptr cinfo, JCOEFPTR block, const phuff_lockstep_state *st)
{
  phuff_entropy_ptr entropy = (phuff_entropy_ptr)cinfo->entropy;
  cinfo->src->next_input_byte = st->next_input_byte;
  cinfo->src->bytes_in_buffer = st->bytes_in_buffer;
  entropy->bitstate = st->bitstate;
  entropy->saved.EOBRUN = st->EOBRUN;
  entropy->restarts_to_go = st->restarts_to_go;
  cinfo->unread_marker = st->unread_marker;
  entropy->pub.insufficient_data = st->insufficient_data;
  memcpy(block, st->block, sizeof(JBLOCK));
}

static boolean phuff_lockstep_mcu(j_decompress_ptr cinfo, JBLOCKROW *MCU_data)
{
  phuff_entropy_ptr entropy = (phuff_entropy_ptr)cinfo->entropy;
  JCOEFPTR block = MCU_data[0][0];
  phuff_lockstep_state start, theirs, ours;
  boolean ok;

  if (cinfo->restart_interval && entropy->restarts_to_go == 0)
    if (!process_restart(cinfo))
      return FALSE;
  if (entropy->pub.insufficient_data)
    return decode_mcu_AC_refine(cinfo, MCU_data);
  phuff_lockstep_get(cinfo, block, &start);
  decode_mcu_AC_refine(cinfo, MCU_data);
  phuff_lockstep_get(cinfo, block, &theirs);
  phuff_lockstep_set(cinfo, block, &start);
  ok = phuff_refine_fast(cinfo, entropy, block);
  if (ok) {
    if (cinfo->restart_interval)
      entropy->restarts_to_go--;
  } else {
    phuff_lockstep_result[2]++;
    decode_mcu_AC_refine(cinfo, MCU_data);
  }
  phuff_lockstep_get(cinfo, block, &ours);
  if (memcmp(&ours, &theirs, sizeof(ours)) != 0 && phuff_lockstep_result[1] < 0)
    phuff_lockstep_result[1] = phuff_lockstep_result[0];
  phuff_lockstep_result[0]++;
  return TRUE;
}
#endif

METHODDEF(boolean)
decode_mcu_AC_refine_wasm(j_decompress_ptr cinfo, JBLOCKROW *MCU_data)
{
  phuff_entropy_ptr entropy = (phuff_entropy_ptr)cinfo->entropy;

#ifdef PHUFF_WASM_LOCKSTEP
  if (phuff_lockstep)
    return phuff_lockstep_mcu(cinfo, MCU_data);
#endif

  /* As libjpeg's function starts; process_restart resets restarts_to_go to restart_interval
   * (nonzero), so libjpeg's function, if called below, does not process it again. */
  if (cinfo->restart_interval) {
    if (entropy->restarts_to_go == 0)
      if (!process_restart(cinfo))
        return FALSE;
  }
  if (!entropy->pub.insufficient_data && phuff_refine_fast(cinfo, entropy, MCU_data[0][0])) {
    if (cinfo->restart_interval)
      entropy->restarts_to_go--;
    return TRUE;
  }
  return decode_mcu_AC_refine(cinfo, MCU_data);
}
