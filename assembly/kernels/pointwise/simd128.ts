// pointwise — SIMD128 variant (bit-exact with reference.ts).
//
// Packed weights ("c2x8 raw"): output channels in blocks of 8 (the last block zero-padded), K padded
// with zeros to kp = round_up(cin, 8); same size as the int8 weights plus padding. Block b holds kp/2
// k-pairs of 16 bytes = 8 i16 lanes; lane 2c + t (c < 4, t < 2) holds two weights of k = 2j + t:
//   high byte: w[8b + c][k] (int8)        low byte: w[8b + 4 + c][k] + 128 (as uint8)
// so the lane's i16 value is R = 256*wA + wB + 128. One 16-byte load per k-pair gives
//   i16x8.shr_s(R, 8) = wA exactly: the (k, k+1) pairs of channels 0-3, ready for i32x4.dot_i16x8_s;
//   R itself:            dot(x, R) = 256*dot(x, wA) + dot(x, wB) + 128*(x[k] + x[k+1]),
// and channels 4-7 come out at the end as accR - 256*accA - 128*Σx (wrapping int32, exact for any
// int8 weights; Σx per pixel is computed while converting the tile). One shift per pair instead of
// three extends (extend_low + extend_high); ~4% faster overall than plain int8 weights.
//
// Activations: a tile of M ≤ 5 pixels is sign-extended once into a small i16 scratch laid out
// [k-pair][pixel] (ROW = 20 bytes per pair: pixels 0-3 in one 16-byte vector, pixel 4 after it) and
// reused for every block of output channels.
//
// Register tile: 4 pixels x 8 channels = 8 i32x4 accumulators + 2 weight vectors + 4 pixel pairs, each
// broadcast by a load32_splat straight from the scratch (on x64 a vpbroadcastd from memory: a load-port
// µop, no shuffle) = 14 of the 15 registers V8 allocates. Accumulator lanes are output channels (no
// horizontal reduction): the bias is the initial value. Per k-pair (raw lanes): 5 loads, 1 shift,
// 8 pmaddwd, 8 paddd for 64 MACs, i.e. 17 vector-ALU µops against the 24 per 80 MACs of the 5-pixel
// tile below, whose pixels 0-3 come from one load and four shuffles (pixel 4 by a splat): on the
// Intel Xeon the three vector ALU ports are the bound, and 4-pixel splat tiles ran the spatial 1×1s
// 1.09× faster (docs/KERNELS.md). The 5-pixel tile remains for the 6..10-pixel calls (pairTile).
// Why this shape (measured with V8's generated code, see the report):
// - ONE k-pair per loop iteration. Unrolled source gets its accumulator chains regrouped by Binaryen
//   (all weights of the unrolled pairs then live at once → spills); V8 unrolls this small loop by
//   itself with a clean register allocation.
// - Few, wide loads. workerd runs wasm with explicit bounds checks (no trap handler): every load costs
//   a compare-and-branch, and V8 does not fold constant offsets of load_splat/load8x8_s into the
//   address (one lea or one base register each). So weights are one v128.load per pair and the
//   broadcasts are shuffles of one v128.load, rather than 2 load8x8_s + 5 load32_splat per pair
//   (that variant is as fast in Node, ~15% slower in workerd).
//
// Small cout (≤ 20, a multiple of 4): the first pixels & ~7 of an int8 call take the pixel-lane tile
// (lanes.ts) instead, the rest these tiles.
//
// Plain table (P): an int8 call of ≥ PLAIN_MIN pixels that the lane tile does not take, whose weights
// fit TABLE as plain i16 (32 bytes per k-pair per block), runs the same tiles on that table, expanded
// from the packed weights at the start of the call (expandPlain): two weight loads per k-pair instead
// of one load and a shift, and no Σx at all (not in the convert, not in the epilogue: three
// instructions and a load per pixel and block less, and fewer spills). Worth most where K is small:
// 112² 16→24 1.13×, 56² 24→36 1.09× in the network (docs/KERNELS.md).
//
// 6..10 pixels (int8; the 3×3 maps' 1×1s, whose weights come cold from L3): both tiles (5 + 1..5
// pixels) are converted first and each block of weights serves the two before the next (pairTile),
// not rowTile twice. Calls of more pixels with kp ≤ PAIR_KMAX that take neither table run 4-pixel
// tiles in such pairs (8 pixels per pass over the weights).
//
// 1 pixel (the GEMVs, gemvTile): the full blocks in fours a quarter of them apart, four weight streams
// per loop (tile8x4): the weights are read once per call, from L3 or memory, and four streams keep
// more of them in flight than one (docs/KERNELS.md).
//
// Touch ahead (touch): on the first pass over the weights (pairTile; rowTile of the call's first pixel
// tile), before a block's tiles run, one byte of every 64-byte line of the NEXT block is read (and
// ORed into TOUCHED, so the loads stay). The few-pixel layers (3² 160→960, 7²) read their weights from
// L3 or memory when other work ran between inferences; one block of tiles (~1000 cycles) is time
// enough for those lines to arrive. Same results (the loads feed nothing), never past the packed
// weights (only when a next block exists). docs/KERNELS.md, "Cold weights in the few-pixel layers".
//
// Requantization: requantFloor4 (requant.ts) 4 lanes at a time, then narrow and an 8-byte (or partial,
// never past cout) store (output.ts).
//
// K: the loop of a multi-pixel tile runs the kn/2 k-pairs that hold a weight (kn = cin rounded up to
// even), not all kp/2: the stem (cin 27, kp 32) skips 2 of 16. The skipped pairs are still converted
// (whole 8-byte chunks), so their x is taken back out of the tile's Σx. The one-pixel tile (whose
// convert keeps no Σx correction for them) runs all kp/2.
//
// K padding reads up to 7 bytes past an activation row (within the arena's 64-byte slack); those bytes
// meet zero weights (in the raw lanes a zero wB is stored as 128, and its 128*x is part of the Σx that
// is subtracted). Bias/scale are read in vectors of 8 (≤ 28 bytes past cout, also within the slack).
import { requant } from '../../requant';
import { c2x8Channels0to3, c2x8Channels4to7, lanesFit, pointwiseLanes, TABLE, TABLE_BYTES } from './lanes';
import { OUT, O_FLOOR, O_MAGIC, O_SHIFT, setOutput, clampMaxPass, out8, out8x2, out4, storeBytes, storeFloats } from './output';
import { VK, VK_ONES16 } from '../../vconst';

/** Bytes per k-pair row of the converted tile: 4 bytes per pixel, pixels 0-3 in one 16-byte vector, pixel 4 after them. */
const ROW: usize = 20;
/** Largest padded cin handled by the SIMD path (the scratch holds KMAX/2 k-pair rows of ROW bytes). */
const KMAX = 4096;
const SCRATCH: usize = memory.data(<i32>ROW * (KMAX >> 1), 16);
/** Per pixel of the converted tile: 128 * Σ_k x[k] in all four lanes. */
const SUMS: usize = memory.data(16 * 5, 16);
/** The same for the second tile of a pair (pairTile). */
const SUMS2: usize = memory.data(16 * 5, 16);
/** The plain-i16 weight table (see expandPlain), in the block the lanes path also uses. */
const PT: usize = TABLE;
const PT_BYTES: i32 = TABLE_BYTES;
/** Largest padded K for which calls of > 10 pixels run their tiles in pairs (pairTile). */
const PAIR_KMAX = 256;
/** Fewest pixels of a call that takes the plain table (its expansion is about one pixel's work). */
const PLAIN_MIN = 40;

/**
 * The tiles of the int8 calls' full pixel groups (pointwise_tiles): TILES_SPLAT, 4-pixel tiles whose
 * pixel pairs are splat loads (5 loads and 16 dot/add per k-pair and 4×8 block, no shuffles), or
 * TILES_SHUFFLE, 5-pixel tiles whose pixels 0-3 are shuffles of one load (3 loads, 3 shuffles, 20
 * dot/add). Where the host checks every wasm memory access explicitly (workerd: no trap handler)
 * each load also costs a compare, a branch and an address computation, and the 5-pixel tiles are the
 * faster (docs/KERNELS.md); with a trap handler (Node, browsers) the splat tiles are.
 */
export const TILES_SHUFFLE = 1, TILES_SPLAT = 2;
let tileMode: i32 = TILES_SPLAT;

/** Sets the tile form (TILES_SHUFFLE, else TILES_SPLAT); returns the form in force. */
export function setTiles(request: i32): i32 {
  tileMode = request == TILES_SHUFFLE ? TILES_SHUFFLE : TILES_SPLAT;
  return tileMode;
}

/**
 * Expands the c2x8 packed weights into PT as plain i16: per block of 8 channels, per k-pair below kn,
 * two vectors (channels 0-3, channels 4-7), 32 bytes. With it the tiles need no Σx (P below).
 */
// @ts-ignore: decorator
@inline function expandPlain(packed: usize, kp: i32, kn: i32, cout: i32): void {
  const nb = (cout + 7) >> 3;
  const pairs = kn >> 1;
  let d = PT;
  for (let b = 0; b < nb; b++) {
    let wp = packed + <usize>b * (<usize>kp << 3);
    for (let j = 0; j < pairs; j++) {
      const r = v128.load(wp);
      v128.store(d, c2x8Channels0to3(r));
      v128.store(d, c2x8Channels4to7(r), 16);
      d += 32;
      wp += 16;
    }
  }
}

export function pointwise_packed_size(cin: i32, cout: i32): i32 {
  return ((cout + 7) >> 3) * (((cin + 7) & ~7) << 3);
}

export function pointwise_pack(w: usize, cin: i32, cout: i32, dst: usize): void {
  const kp = (cin + 7) & ~7;
  const nb = (cout + 7) >> 3;
  let d = dst;
  for (let b = 0; b < nb; b++) {
    for (let j = 0; j < kp; j += 2) {
      for (let c = 0; c < 4; c++) {
        for (let t = 0; t < 2; t++) {
          const k = j + t;
          const oa = (b << 3) + c, ob = oa + 4;
          const wa = oa < cout && k < cin ? <i32>load<i8>(w + <usize>oa * <usize>cin + <usize>k) : 0;
          const wb = ob < cout && k < cin ? <i32>load<i8>(w + <usize>ob * <usize>cin + <usize>k) : 0;
          store<u8>(d++, <u8>(wb + 128)); // low byte: channel 4+c, biased to unsigned
          store<i8>(d++, <i8>wa);         // high byte: channel c
        }
      }
    }
  }
}

/** The inverse of pointwise_pack: the plain [cout][cin] int8 weights back from the c2x8 layout (the padding dropped). */
export function pointwise_unpack(packed: usize, cin: i32, cout: i32, w: usize): void {
  const kp = (cin + 7) & ~7;
  for (let o = 0; o < cout; o++) {
    // channel o sits in block o >> 3 as channel c = o & 3 of the high bytes (o & 7 < 4) or of the low bytes
    const blk = packed + <usize>(o >> 3) * <usize>(kp << 3);
    const hi = (o & 4) == 0;
    const lane = <usize>((o & 3) << 2) + (hi ? 1 : 0);
    for (let k = 0; k < cin; k++) {
      const b = blk + <usize>((k >> 1) << 4) + lane + <usize>((k & 1) << 1);
      store<i8>(w + <usize>o * <usize>cin + <usize>k, hi ? load<i8>(b) : <i8>(<i32>load<u8>(b) - 128));
    }
  }
}

// ---- requantization and stores that never pass the slice end ----

// ---- register tiles (M is a literal at every call site; dead pixel rows fold away) ----

/**
 * Channels 4-7 of a block from the raw-lane accumulator: raw - 256*(channels 0-3) - 128*Σx
 * (`sx`: 128·Σx per pixel, from the convert), wrapping int32, exact for any int8 weights.
 */
// @ts-ignore: decorator
@inline
function highLanes(raw: v128, low: v128, sx: v128): v128 {
  return i32x4.sub(i32x4.sub(raw, i32x4.shl(low, 8)), sx);
}

/**
 * M pixels x 8 channels. s: converted activation tile ([pair][pixel], ROW bytes per pair: pixels 0-3
 * in the first 16 bytes, pixel 4 at +16), wp: the channel block's packed weights, y: output of
 * pixel 0 / channel 0 of the block, ys: output pixel stride in bytes, n: channels to store.
 * Per k-pair: one 16-byte weight load (extend low / high = channels 0-3 / 4-7), one 16-byte load of
 * the pixels' pairs broadcast with shuffles (plus a splat load for pixel 4).
 */
// @ts-ignore: decorator
@inline
function tile8(M: i32, F32: bool, P: bool, s: usize, sums: usize, kp: i32, kn: i32, wp: usize, bias: usize, scale: usize,
  y: usize, ys: usize, n: i32, c: usize): void {
  const b0 = v128.load(bias), b1 = P ? v128.load(bias, 16) : i32x4.add(v128.load(bias, 16), i32x4.shl(b0, 8));
  let a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1, a40 = b0, a41 = b1;
  const end = P ? wp + (<usize>kn << 4) : wp + (<usize>(M == 1 ? kp : kn) << 3); // see K above
  do {
    const w1 = P ? v128.load(wp, 16) : v128.load(wp); // raw lanes 256*w[c] + (w[4+c] + 128); P: channels 4-7
    const w0 = P ? v128.load(wp) : i16x8.shr_s(w1, 8); // channels 0-3
    // M ≤ 4: every pixel's pair by a splat load (a load-port µop, no shuffle; 2M accumulators + 2
    // weights + M pairs ≤ 15 registers). M = 5: pixels 0-3 from one load by shuffles (a splat each
    // would need 17 registers), pixel 4 by a splat.
    const xv = M == 5 ? v128.load(s) : v128.load32_splat(s);
    let v = M == 5 ? i32x4.shuffle(xv, xv, 0, 0, 0, 0) : xv;
    a00 = i32x4.add(a00, i32x4.dot_i16x8_s(v, w0)); a01 = i32x4.add(a01, i32x4.dot_i16x8_s(v, w1));
    if (M > 1) { v = M == 5 ? i32x4.shuffle(xv, xv, 1, 1, 1, 1) : v128.load32_splat(s, 4); a10 = i32x4.add(a10, i32x4.dot_i16x8_s(v, w0)); a11 = i32x4.add(a11, i32x4.dot_i16x8_s(v, w1)); }
    if (M > 2) { v = M == 5 ? i32x4.shuffle(xv, xv, 2, 2, 2, 2) : v128.load32_splat(s, 8); a20 = i32x4.add(a20, i32x4.dot_i16x8_s(v, w0)); a21 = i32x4.add(a21, i32x4.dot_i16x8_s(v, w1)); }
    if (M > 3) { v = M == 5 ? i32x4.shuffle(xv, xv, 3, 3, 3, 3) : v128.load32_splat(s, 12); a30 = i32x4.add(a30, i32x4.dot_i16x8_s(v, w0)); a31 = i32x4.add(a31, i32x4.dot_i16x8_s(v, w1)); }
    if (M > 4) { v = v128.load32_splat(s, 16); a40 = i32x4.add(a40, i32x4.dot_i16x8_s(v, w0)); a41 = i32x4.add(a41, i32x4.dot_i16x8_s(v, w1)); }
    wp += P ? 32 : 16;
    s += ROW;
  } while (wp < end);
  // channels 4-7: raw - 256*(channels 0-3) - 128*Σx
  if (!P) {
    a01 = highLanes(a01, a00, v128.load(sums));
    if (M > 1) a11 = highLanes(a11, a10, v128.load(sums, 16));
    if (M > 2) a21 = highLanes(a21, a20, v128.load(sums, 32));
    if (M > 3) a31 = highLanes(a31, a30, v128.load(sums, 48));
    if (M > 4) a41 = highLanes(a41, a40, v128.load(sums, 64));
  }
  const s0 = v128.load(scale), s1 = v128.load(scale, 16);
  const magic = v128.load(c, O_MAGIC), floor = v128.load(c, O_FLOOR), shift = v128.load(c, O_SHIFT);
  if (!F32 && n >= 8 && M > 1) {
    // full blocks: pixels in pairs share the i16 -> i8 narrow
    out8x2(F32, a00, a01, a10, a11, s0, s1, y, ys, c, magic, floor, shift);
    if (M > 3) out8x2(F32, a20, a21, a30, a31, s0, s1, y + 2 * ys, ys, c, magic, floor, shift);
    else if (M > 2) out8(F32, a20, a21, s0, s1, y + 2 * ys, n, c, magic, floor, shift);
    if (M > 4) out8(F32, a40, a41, s0, s1, y + 4 * ys, n, c, magic, floor, shift);
  } else {
    out8(F32, a00, a01, s0, s1, y, n, c, magic, floor, shift);
    if (M > 1) out8(F32, a10, a11, s0, s1, y + ys, n, c, magic, floor, shift);
    if (M > 2) out8(F32, a20, a21, s0, s1, y + 2 * ys, n, c, magic, floor, shift);
    if (M > 3) out8(F32, a30, a31, s0, s1, y + 3 * ys, n, c, magic, floor, shift);
    if (M > 4) out8(F32, a40, a41, s0, s1, y + 4 * ys, n, c, magic, floor, shift);
  }
}

/**
 * 1 pixel x two blocks of 8 channels whose weights lie far apart (wa, wb: two weight streams read in
 * one loop, see gemvTile). Per block the same arithmetic as tile8(1, ...): all kp/2 k-pairs, raw
 * lanes, channels 4-7 = raw - 256*(channels 0-3) - 128*Σx; ya, yb: the blocks' outputs (all 8 stored).
 */
// @ts-ignore: decorator
@inline
function tile8x2(F32: bool, s: usize, sums: usize, kp: i32, wa: usize, wb: usize, ba: usize, bb: usize, sa: usize, sb: usize,
  ya: usize, yb: usize, c: usize): void {
  const a0 = v128.load(ba), b0 = v128.load(bb);
  let p0 = a0, p1 = i32x4.add(v128.load(ba, 16), i32x4.shl(a0, 8));
  let q0 = b0, q1 = i32x4.add(v128.load(bb, 16), i32x4.shl(b0, 8));
  const end = wa + (<usize>kp << 3);
  do {
    const u1 = v128.load(wa), v1 = v128.load(wb);
    const u0 = i16x8.shr_s(u1, 8), v0 = i16x8.shr_s(v1, 8);
    const x = v128.load32_splat(s);
    p0 = i32x4.add(p0, i32x4.dot_i16x8_s(x, u0)); p1 = i32x4.add(p1, i32x4.dot_i16x8_s(x, u1));
    q0 = i32x4.add(q0, i32x4.dot_i16x8_s(x, v0)); q1 = i32x4.add(q1, i32x4.dot_i16x8_s(x, v1));
    wa += 16;
    wb += 16;
    s += ROW;
  } while (wa < end);
  const sx = v128.load(sums);
  p1 = highLanes(p1, p0, sx);
  q1 = highLanes(q1, q0, sx);
  const magic = v128.load(c, O_MAGIC), floor = v128.load(c, O_FLOOR), shift = v128.load(c, O_SHIFT);
  out8(F32, p0, p1, v128.load(sa), v128.load(sa, 16), ya, 8, c, magic, floor, shift);
  out8(F32, q0, q1, v128.load(sb), v128.load(sb, 16), yb, 8, c, magic, floor, shift);
}

/**
 * 1 pixel x four blocks of 8 channels, `step` bytes of weights and `ostep` channels apart (four
 * weight streams in one loop, see gemvTile); per block as tile8x2. 8 accumulators, x and two weight
 * vectors at a time: 11 of the 15 registers.
 */
// @ts-ignore: decorator
@inline
function tile8x4(F32: bool, s: usize, sums: usize, kp: i32, wa: usize, step: usize, ba: usize, sa: usize, ya: usize, ostep: usize, c: usize): void {
  const wb = wa + step, wc = wa + 2 * step, wd = wa + 3 * step;
  const bb = ba + (ostep << 2), bc = ba + (ostep << 3), bd = ba + 12 * ostep;
  const a0 = v128.load(ba), b0 = v128.load(bb), c0 = v128.load(bc), d0 = v128.load(bd);
  let p0 = a0, p1 = i32x4.add(v128.load(ba, 16), i32x4.shl(a0, 8));
  let q0 = b0, q1 = i32x4.add(v128.load(bb, 16), i32x4.shl(b0, 8));
  let r0 = c0, r1 = i32x4.add(v128.load(bc, 16), i32x4.shl(c0, 8));
  let t0 = d0, t1 = i32x4.add(v128.load(bd, 16), i32x4.shl(d0, 8));
  const end = wa + (<usize>kp << 3);
  let o: usize = 0;
  do {
    const x = v128.load32_splat(s);
    const u1 = v128.load(wa + o), v1 = v128.load(wb + o), w1 = v128.load(wc + o), z1 = v128.load(wd + o);
    p0 = i32x4.add(p0, i32x4.dot_i16x8_s(x, i16x8.shr_s(u1, 8))); p1 = i32x4.add(p1, i32x4.dot_i16x8_s(x, u1));
    q0 = i32x4.add(q0, i32x4.dot_i16x8_s(x, i16x8.shr_s(v1, 8))); q1 = i32x4.add(q1, i32x4.dot_i16x8_s(x, v1));
    r0 = i32x4.add(r0, i32x4.dot_i16x8_s(x, i16x8.shr_s(w1, 8))); r1 = i32x4.add(r1, i32x4.dot_i16x8_s(x, w1));
    t0 = i32x4.add(t0, i32x4.dot_i16x8_s(x, i16x8.shr_s(z1, 8))); t1 = i32x4.add(t1, i32x4.dot_i16x8_s(x, z1));
    o += 16;
    s += ROW;
  } while (wa + o < end);
  const sx = v128.load(sums);
  p1 = highLanes(p1, p0, sx);
  q1 = highLanes(q1, q0, sx);
  r1 = highLanes(r1, r0, sx);
  t1 = highLanes(t1, t0, sx);
  const magic = v128.load(c, O_MAGIC), floor = v128.load(c, O_FLOOR), shift = v128.load(c, O_SHIFT);
  const sb = sa + (ostep << 2), sc = sa + (ostep << 3), sd = sa + 12 * ostep;
  const eb: usize = F32 ? 4 : 1;
  out8(F32, p0, p1, v128.load(sa), v128.load(sa, 16), ya, 8, c, magic, floor, shift);
  out8(F32, q0, q1, v128.load(sb), v128.load(sb, 16), ya + ostep * eb, 8, c, magic, floor, shift);
  out8(F32, r0, r1, v128.load(sc), v128.load(sc, 16), ya + 2 * ostep * eb, 8, c, magic, floor, shift);
  out8(F32, t0, t1, v128.load(sd), v128.load(sd, 16), ya + 3 * ostep * eb, 8, c, magic, floor, shift);
}

/**
 * One pixel (the GEMVs: SE reduce/expand, conv_head, the classifier; and the last pixel of calls of
 * 4n + 1 pixels): rowTile(1) with the full blocks in fours a quarter of them apart (four weight streams
 * in one loop, tile8x4), the remaining 2..3 full blocks as a pair (tile8x2), then a single block and
 * the tail as in rowTile. The weights of a 1-pixel call are used once and come from L3 or memory
 * (docs/KERNELS.md, "The network against the micro-benchmark"); several streams keep more lines in
 * flight than one sequential stream: GEMVs in the network alone 0.319 → 0.228 ms with two streams,
 * → 0.180–0.206 with four; after another engine's runs 0.534 → 0.392 → 0.293–0.320 ms.
 */
// @ts-ignore: decorator
@inline
function gemvTile(F32: bool, x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, c: usize): void {
  convert(1, false, x, xs, kp, kn, SCRATCH, SUMS);
  const blockBytes = <usize>kp << 3;
  const eb: usize = F32 ? 4 : 1;
  const nf = cout >> 3;
  // four streams a quarter of the full blocks apart, then the rest (0..3 blocks) as a pair and a single
  const q = nf >> 2;
  for (let i = 0; i < q; i++) {
    const oa = i << 3;
    tile8x4(F32, SCRATCH, SUMS, kp, packed + <usize>i * blockBytes, <usize>q * blockBytes, bias + (<usize>oa << 2), scale + (<usize>oa << 2),
      y + <usize>oa * eb, <usize>(q << 3), c);
  }
  const b0 = q << 2;
  if (nf - b0 >= 2) {
    const oa = b0 << 3, ob = oa + 8;
    tile8x2(F32, SCRATCH, SUMS, kp, packed + <usize>b0 * blockBytes, packed + <usize>(b0 + 1) * blockBytes,
      bias + (<usize>oa << 2), bias + (<usize>ob << 2), scale + (<usize>oa << 2), scale + (<usize>ob << 2),
      y + <usize>oa * eb, y + <usize>ob * eb, c);
  }
  const done = nf - b0 >= 2 ? b0 + 2 : b0;
  let o = done << 3;
  let wp = packed + <usize>done * blockBytes;
  for (; o + 8 <= cout; o += 8) {
    tile8(1, F32, false, SCRATCH, SUMS, kp, kn, wp, bias + (<usize>o << 2), scale + (<usize>o << 2), y + <usize>o * eb, 0, 8, c);
    wp += blockBytes;
  }
  const n = cout - o;
  if (n > 4) tile8(1, F32, false, SCRATCH, SUMS, kp, kn, wp, bias + (<usize>o << 2), scale + (<usize>o << 2), y + <usize>o * eb, 0, n, c);
  else if (n > 0) tile4(1, F32, false, SCRATCH, SUMS, kp, kn, wp, bias + (<usize>o << 2), scale + (<usize>o << 2), y + <usize>o * eb, 0, n, c);
}

/** M pixels x 4 channels (the first half of a block): the last block when it has ≤ 4 channels. */
// @ts-ignore: decorator
@inline
function tile4(M: i32, F32: bool, P: bool, s: usize, sums: usize, kp: i32, kn: i32, wp: usize, bias: usize, scale: usize,
  y: usize, ys: usize, n: i32, c: usize): void {
  const b0 = v128.load(bias);
  let a0 = b0, a1 = b0, a2 = b0, a3 = b0, a4 = b0;
  const end = P ? wp + (<usize>kn << 4) : wp + (<usize>(M == 1 ? kp : kn) << 3); // see K above
  do {
    const w = P ? v128.load(wp) : i16x8.shr_s(v128.load(wp), 8); // channels 0-3 (high bytes)
    const xv = M == 5 ? v128.load(s) : v128.load32_splat(s); // as in tile8
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(M == 5 ? i32x4.shuffle(xv, xv, 0, 0, 0, 0) : xv, w));
    if (M > 1) a1 = i32x4.add(a1, i32x4.dot_i16x8_s(M == 5 ? i32x4.shuffle(xv, xv, 1, 1, 1, 1) : v128.load32_splat(s, 4), w));
    if (M > 2) a2 = i32x4.add(a2, i32x4.dot_i16x8_s(M == 5 ? i32x4.shuffle(xv, xv, 2, 2, 2, 2) : v128.load32_splat(s, 8), w));
    if (M > 3) a3 = i32x4.add(a3, i32x4.dot_i16x8_s(M == 5 ? i32x4.shuffle(xv, xv, 3, 3, 3, 3) : v128.load32_splat(s, 12), w));
    if (M > 4) a4 = i32x4.add(a4, i32x4.dot_i16x8_s(v128.load32_splat(s, 16), w));
    wp += P ? 32 : 16;
    s += ROW;
  } while (wp < end);
  const s0 = v128.load(scale);
  const magic = v128.load(c, O_MAGIC), floor = v128.load(c, O_FLOOR), shift = v128.load(c, O_SHIFT);
  out4(F32, a0, s0, y, n, c, magic, floor, shift);
  if (M > 1) out4(F32, a1, s0, y + ys, n, c, magic, floor, shift);
  if (M > 2) out4(F32, a2, s0, y + 2 * ys, n, c, magic, floor, shift);
  if (M > 3) out4(F32, a3, s0, y + 3 * ys, n, c, magic, floor, shift);
  if (M > 4) out4(F32, a4, s0, y + 4 * ys, n, c, magic, floor, shift);
}

/**
 * Converts M activation rows (kp bytes each, kp a multiple of 8) into SCRATCH as [k-pair][pixel] i16
 * pairs. Pixels 0-3 go through a 4x4 transpose of 32-bit lanes (one 16-byte store per pair row),
 * other pixels through lane stores.
 */
// @ts-ignore: decorator
@inline
function convert(M: i32, P: bool, x: usize, xs: usize, kp: i32, kn: i32, dst: usize, sums: usize): void {
  const row = ROW; // bytes per pair row (pixels 0-3, then pixel 4)
  const x1 = x + xs, x2 = x + 2 * xs, x3 = x + 3 * xs, x4 = x + 4 * xs;
  const ones = v128.load(VK, VK_ONES16); // i16 lanes 1 (from memory: vconst.ts)
  const z = i32x4.splat(0);
  let q = z, q4 = z, q1 = z, q2 = z; // Σx: pixels 0-3 in the lanes of q (M ≥ 4); else per pixel
  let d = dst;
  for (let k: usize = 0; k < <usize>kp; k += 8) {
    const v0 = v128.load8x8_s(x + k);
    if (M >= 4) {
      const v1 = v128.load8x8_s(x1 + k), v2 = v128.load8x8_s(x2 + k), v3 = v128.load8x8_s(x3 + k);
      const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5), t1 = i32x4.shuffle(v2, v3, 0, 4, 1, 5);
      const t2 = i32x4.shuffle(v0, v1, 2, 6, 3, 7), t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
      const r0 = i32x4.shuffle(t0, t1, 0, 1, 4, 5), r1 = i32x4.shuffle(t0, t1, 2, 3, 6, 7);
      const r2 = i32x4.shuffle(t2, t3, 0, 1, 4, 5), r3 = i32x4.shuffle(t2, t3, 2, 3, 6, 7);
      v128.store(d, r0);
      v128.store(d + row, r1);
      v128.store(d + 2 * row, r2);
      v128.store(d + 3 * row, r3);
      // |each i16 lane| ≤ 4*128: no overflow; the dot with ones adds the pixel's two lanes
      if (!P) q = i32x4.add(q, i32x4.dot_i16x8_s(i16x8.add(i16x8.add(r0, r1), i16x8.add(r2, r3)), ones));
      if (M > 4) {
        const v4 = v128.load8x8_s(x4 + k);
        if (!P) q4 = i32x4.add(q4, i32x4.dot_i16x8_s(v4, ones));
        v128.store32_lane(d, v4, 0, 16);
        v128.store32_lane(d + row, v4, 1, 16);
        v128.store32_lane(d + 2 * row, v4, 2, 16);
        v128.store32_lane(d + 3 * row, v4, 3, 16);
      }
    } else {
      if (!P) q = i32x4.add(q, i32x4.dot_i16x8_s(v0, ones));
      v128.store32_lane(d, v0, 0);
      v128.store32_lane(d + row, v0, 1);
      v128.store32_lane(d + 2 * row, v0, 2);
      v128.store32_lane(d + 3 * row, v0, 3);
      if (M > 1) {
        const v1 = v128.load8x8_s(x1 + k);
        if (!P) q1 = i32x4.add(q1, i32x4.dot_i16x8_s(v1, ones));
        v128.store32_lane(d, v1, 0, 4);
        v128.store32_lane(d + row, v1, 1, 4);
        v128.store32_lane(d + 2 * row, v1, 2, 4);
        v128.store32_lane(d + 3 * row, v1, 3, 4);
      }
      if (M > 2) {
        const v2 = v128.load8x8_s(x2 + k);
        if (!P) q2 = i32x4.add(q2, i32x4.dot_i16x8_s(v2, ones));
        v128.store32_lane(d, v2, 0, 8);
        v128.store32_lane(d + row, v2, 1, 8);
        v128.store32_lane(d + 2 * row, v2, 2, 8);
        v128.store32_lane(d + 3 * row, v2, 3, 8);
      }
    }
    d += row << 2;
  }
  if (P) return; // plain weights: no Σx
  // Multi-pixel tiles run only the k-pairs below kn (k ≥ kn has zero weights): take those pairs' x back
  // out of Σx. (The stem: cin 27, kp 32, 14 of 16 pairs.)
  if (M > 1) {
    for (let r = dst + (<usize>kn >> 1) * row, e = dst + (<usize>kp >> 1) * row; r < e; r += row) {
      if (M >= 4) {
        q = i32x4.sub(q, i32x4.dot_i16x8_s(v128.load(r), ones));
        if (M > 4) q4 = i32x4.sub(q4, i32x4.dot_i16x8_s(v128.load32_zero(r, 16), ones));
      } else {
        q = i32x4.sub(q, i32x4.dot_i16x8_s(v128.load32_zero(r), ones));
        q1 = i32x4.sub(q1, i32x4.dot_i16x8_s(v128.load32_zero(r, 4), ones));
        if (M > 2) q2 = i32x4.sub(q2, i32x4.dot_i16x8_s(v128.load32_zero(r, 8), ones));
      }
    }
  }
  // 128 * Σx of each pixel, in all lanes: the bias of the raw channel-4..7 lanes (see pointwise_pack)
  if (M >= 4) {
    q = i32x4.shl(q, 7);
    v128.store(sums, i32x4.shuffle(q, q, 0, 0, 0, 0));
    v128.store(sums, i32x4.shuffle(q, q, 1, 1, 1, 1), 16);
    v128.store(sums, i32x4.shuffle(q, q, 2, 2, 2, 2), 32);
    v128.store(sums, i32x4.shuffle(q, q, 3, 3, 3, 3), 48);
    if (M > 4) v128.store(sums, i32x4.shl(hsum(q4), 7), 64);
  } else {
    v128.store(sums, i32x4.shl(hsum(q), 7));
    if (M > 1) v128.store(sums, i32x4.shl(hsum(q1), 7), 16);
    if (M > 2) v128.store(sums, i32x4.shl(hsum(q2), 7), 32);
  }
}

/** The sum of the four lanes, in every lane. */
// @ts-ignore: decorator
@inline
function hsum(q: v128): v128 {
  const t = i32x4.add(q, i32x4.shuffle(q, q, 2, 3, 0, 1));
  return i32x4.add(t, i32x4.shuffle(t, t, 1, 0, 3, 2));
}

/**
 * One tile of M pixels: convert, then all channel blocks — full 8-channel blocks, then the tail
 * (5..7 channels: 8-wide tile with a partial store; 1..4: the 4-wide tile). ys and the channel
 * offsets are in bytes of output (F32: 4 bytes per channel).
 */
// @ts-ignore: decorator
@inline
function rowTile(M: i32, F32: bool, P: bool, x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, ys: usize, c: usize, ahead: bool = false): void {
  convert(M, P, x, xs, kp, kn, SCRATCH, SUMS);
  const blockBytes = P ? <usize>kn << 4 : <usize>kp << 3;
  const eb: usize = F32 ? 4 : 1;
  let wp = packed;
  let o = 0;
  for (; o + 8 <= cout; o += 8) {
    if (ahead && o + 8 < cout) touch(wp + blockBytes, blockBytes);
    tile8(M, F32, P, SCRATCH, SUMS, kp, kn, wp, bias + (<usize>o << 2), scale + (<usize>o << 2), y + <usize>o * eb, ys, 8, c);
    wp += blockBytes;
  }
  const n = cout - o;
  if (n > 4) {
    tile8(M, F32, P, SCRATCH, SUMS, kp, kn, wp, bias + (<usize>o << 2), scale + (<usize>o << 2), y + <usize>o * eb, ys, n, c);
  } else if (n > 0) {
    tile4(M, F32, P, SCRATCH, SUMS, kp, kn, wp, bias + (<usize>o << 2), scale + (<usize>o << 2), y + <usize>o * eb, ys, n, c);
  }
}

/**
 * 5 + MB pixels (6..10: the 3×3 maps' 1×1s) as two tiles converted up front, the second into TABLE,
 * each block of weights then used by both tiles while it is in L1 (rowTile twice would stream all the
 * weights twice, the first time from memory). int8 output only.
 */
// @ts-ignore: decorator
@inline
function pairTile(MA: i32, MB: i32, x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, ys: usize, c: usize, ahead: bool): void {
  convert(MA, false, x, xs, kp, kn, SCRATCH, SUMS);
  convert(MB, false, x + <usize>MA * xs, xs, kp, kn, TABLE, SUMS2);
  const blockBytes = <usize>kp << 3;
  const yb = y + <usize>MA * ys;
  let wp = packed;
  let o = 0;
  for (; o + 8 <= cout; o += 8) {
    const bo = bias + (<usize>o << 2), so = scale + (<usize>o << 2);
    if (ahead && o + 8 < cout) touch(wp + blockBytes, blockBytes);
    tile8(MA, false, false, SCRATCH, SUMS, kp, kn, wp, bo, so, y + <usize>o, ys, 8, c);
    tile8(MB, false, false, TABLE, SUMS2, kp, kn, wp, bo, so, yb + <usize>o, ys, 8, c);
    wp += blockBytes;
  }
  const n = cout - o;
  const bo = bias + (<usize>o << 2), so = scale + (<usize>o << 2);
  if (n > 4) {
    tile8(MA, false, false, SCRATCH, SUMS, kp, kn, wp, bo, so, y + <usize>o, ys, n, c);
    tile8(MB, false, false, TABLE, SUMS2, kp, kn, wp, bo, so, yb + <usize>o, ys, n, c);
  } else if (n > 0) {
    tile4(MA, false, false, SCRATCH, SUMS, kp, kn, wp, bo, so, y + <usize>o, ys, n, c);
    tile4(MB, false, false, TABLE, SUMS2, kp, kn, wp, bo, so, yb + <usize>o, ys, n, c);
  }
}
/** Where touch() leaves the OR of the bytes it read (so that the loads stay). */
const TOUCHED: usize = memory.data(16, 16);
/**
 * Reads one byte of every 64-byte line of the next block of weights while this block's tiles run, so
 * that its lines are on their way from L3 or memory (ahead by one block: ~1000 cycles of tiles).
 */
// @ts-ignore: decorator
@inline
function touch(p: usize, bytes: usize): void {
  let t: u32 = 0;
  for (let o: usize = 0; o < bytes; o += 64) t |= <u32>load<u8>(p + o);
  store<u8>(TOUCHED, <u8>t);
}
/** Two 4-pixel tiles per block of weights: calls of > 10 pixels with K padded to 8 ≤ PAIR_KMAX. */
function pair44(x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize, ahead: bool): void {
  pairTile(4, 4, x, xs, kp, kn, packed, bias, scale, cout, y, ys, c, ahead);
}
function pair5(x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize, ahead: bool): void {
  pairTile(5, 5, x, xs, kp, kn, packed, bias, scale, cout, y, ys, c, ahead);
}
function pair4(x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  pairTile(5, 4, x, xs, kp, kn, packed, bias, scale, cout, y, ys, c, true);
}
function pair3(x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  pairTile(5, 3, x, xs, kp, kn, packed, bias, scale, cout, y, ys, c, true);
}
function pair2(x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  pairTile(5, 2, x, xs, kp, kn, packed, bias, scale, cout, y, ys, c, true);
}
function pair1(x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  pairTile(5, 1, x, xs, kp, kn, packed, bias, scale, cout, y, ys, c, true);
}

// One non-inlined function per tile height and output kind, so each is register-allocated on its own.
function rows5(x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize, ahead: bool): void {
  rowTile(5, false, false, x, xs, kp, kn, packed, bias, scale, cout, y, ys, c, ahead);
}
function rows4(x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize, ahead: bool): void {
  rowTile(4, false, false, x, xs, kp, kn, packed, bias, scale, cout, y, ys, c, ahead);
}
function rows3(x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  rowTile(3, false, false, x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
}
function rows2(x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  rowTile(2, false, false, x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
}
function rows1(x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  gemvTile(false, x, xs, kp, kn, packed, bias, scale, cout, y, c);
}
function rows4f(x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  rowTile(4, true, false, x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
}
function rows3f(x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  rowTile(3, true, false, x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
}
function rows2f(x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  rowTile(2, true, false, x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
}
function rows1f(x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  gemvTile(true, x, xs, kp, kn, packed, bias, scale, cout, y, c);
}

function rows1p(x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  rowTile(1, false, true, x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
}
function rows2p(x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  rowTile(2, false, true, x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
}
function rows3p(x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  rowTile(3, false, true, x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
}
function rows5p(x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  rowTile(5, false, true, x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
}
function rows4p(x: usize, xs: usize, kp: i32, kn: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  rowTile(4, false, true, x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
}

/** Scalar path over the packed layout for kp > KMAX (never hit by GhostNet; kept for completeness). */
function slowPath(F32: bool, x: usize, pixels: i32, cin: i32, xStride: i32, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32): void {
  const kp = (cin + 7) & ~7;
  for (let p = 0; p < pixels; p++) {
    const xp = x + <usize>p * <usize>xStride;
    for (let o = 0; o < cout; o++) {
      const c = o & 7;
      const wo = packed + <usize>(o >> 3) * (<usize>kp << 3) + (<usize>(c & 3) << 2) + (c < 4 ? 1 : 0);
      let acc = load<i32>(bias + (<usize>o << 2));
      for (let k = 0; k < cin; k++) {
        const wb = wo + (<usize>(k >> 1) << 4) + (<usize>(k & 1) << 1);
        const wk = c < 4 ? <i32>load<i8>(wb) : <i32>load<u8>(wb) - 128;
        acc += wk * <i32>load<i8>(xp + <usize>k);
      }
      const sc = load<f32>(scale + (<usize>o << 2));
      if (F32) {
        store<f32>(y + ((<usize>p * <usize>yStride + <usize>o) << 2), <f32>acc * sc);
      } else {
        store<i8>(y + <usize>p * <usize>yStride + <usize>o, <i8>requant(acc, sc, zpOut, qmin, qmax));
      }
    }
  }
}


// @ts-ignore: decorator
@inline
function run(F32: bool, x: usize, pixels: i32, cin: i32, xStride: i32, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32): void {
  const kp = (cin + 7) & ~7;
  const kn = (cin + 1) & ~1; // the k-pairs that hold a weight (the rest of kp is zero padding)
  if (kp > KMAX || kp == 0) {
    slowPath(F32, x, pixels, cin, xStride, packed, bias, scale, cout, y, yStride, zpOut, qmin, qmax);
    return;
  }
  if (pixels <= 0 || cout <= 0) return;
  const c = OUT;
  if (!F32) {
    setOutput(c, zpOut, qmin, qmax);
  }
  const ys: usize = F32 ? <usize>yStride << 2 : <usize>yStride;
  const xs = <usize>xStride;
  const y0 = y;
  let p = 0;
  if (!F32 && pixels >= 8 && lanesFit(cin, cout)) {
    // small channel counts: pixels in the lanes (lanes.ts); the last pixels mod 8 take the tiles below
    p = pointwiseLanes(x, pixels, cin, xs, packed, bias, scale, cout, y, ys, c);
    x += xs * <usize>p;
    y += ys * <usize>p;
  } else if (!F32 && pixels >= PLAIN_MIN && ((cout + 7) >> 3) * kn * 16 <= PT_BYTES) {
    expandPlain(packed, kp, kn, cout);
    if (tileMode == TILES_SHUFFLE) {
      for (; p + 5 <= pixels; p += 5) {
        rows5p(x, xs, kp, kn, PT, bias, scale, cout, y, ys, c);
        x += xs * 5;
        y += ys * 5;
      }
    }
    for (; p + 4 <= pixels; p += 4) {
      rows4p(x, xs, kp, kn, PT, bias, scale, cout, y, ys, c);
      x += xs * 4;
      y += ys * 4;
    }
    const r = pixels - p;
    if (r == 3) rows3p(x, xs, kp, kn, PT, bias, scale, cout, y, ys, c);
    else if (r == 2) rows2p(x, xs, kp, kn, PT, bias, scale, cout, y, ys, c);
    else if (r == 1) rows1p(x, xs, kp, kn, PT, bias, scale, cout, y, ys, c);
    if (qmax < 127) clampMaxPass(y0, pixels, cout, yStride, qmax);
    return;
  }
  if (!F32 && p == 0 && pixels >= 6 && pixels <= 10 && <i32>ROW * (kp >> 1) <= TABLE_BYTES) {
    const mb = pixels - 5;
    if (mb == 4) pair4(x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
    else if (mb == 3) pair3(x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
    else if (mb == 2) pair2(x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
    else if (mb == 1) pair1(x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
    else pair5(x, xs, kp, kn, packed, bias, scale, cout, y, ys, c, true);
    if (qmax < 127) clampMaxPass(y0, pixels, cout, yStride, qmax);
    return;
  }
  if (tileMode == TILES_SHUFFLE && !F32) {
    // 5-pixel tiles (pairs of them per block of weights where K ≤ PAIR_KMAX), the rest below
    if (kp <= PAIR_KMAX) {
      for (; p + 10 <= pixels; p += 10) {
        pair5(x, xs, kp, kn, packed, bias, scale, cout, y, ys, c, p == 0);
        x += xs * 10;
        y += ys * 10;
      }
    }
    for (; p + 5 <= pixels; p += 5) {
      rows5(x, xs, kp, kn, packed, bias, scale, cout, y, ys, c, p == 0);
      x += xs * 5;
      y += ys * 5;
    }
  } else if (!F32 && kp <= PAIR_KMAX) {
    // pairs of tiles per block of weights (pairTile) where K is small enough to keep both tiles, the
    // block and the outputs in L1: 7² 160→480, 112→672, 160→960 (docs/KERNELS.md)
    for (; p + 8 <= pixels; p += 8) {
      pair44(x, xs, kp, kn, packed, bias, scale, cout, y, ys, c, p == 0);
      x += xs * 8;
      y += ys * 8;
    }
  }
  for (; p + 4 <= pixels; p += 4) {
    if (F32) rows4f(x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
    else rows4(x, xs, kp, kn, packed, bias, scale, cout, y, ys, c, p == 0);
    x += xs * 4;
    y += ys * 4;
  }
  const m = pixels - p;
  if (F32) {
    if (m == 3) rows3f(x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
    else if (m == 2) rows2f(x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
    else if (m == 1) rows1f(x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
  } else {
    if (m == 3) rows3(x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
    else if (m == 2) rows2(x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
    else if (m == 1) rows1(x, xs, kp, kn, packed, bias, scale, cout, y, ys, c);
    if (qmax < 127) clampMaxPass(y0, pixels, cout, yStride, qmax);
  }
}

// @ts-ignore: decorator
@inline export function pointwise(
  x: usize, pixels: i32, cin: i32, xStride: i32, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  run(false, x, pixels, cin, xStride, packed, bias, scale, cout, y, yStride, zpOut, qmin, qmax);
}

// @ts-ignore: decorator
@inline export function pointwise_f32(
  x: usize, pixels: i32, cin: i32, xStride: i32, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, yStride: i32,
): void {
  run(true, x, pixels, cin, xStride, packed, bias, scale, cout, y, yStride, 0, -128, 127);
}
