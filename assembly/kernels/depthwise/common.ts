// Depthwise SIMD128 — the pieces every path shares: the packed weight layout, the per-call
// scratch (zero-point row, folded bias, requantization constants), pair-row builders and the
// requantize-and-store tails. See simd128.ts for the paths and why they are shaped as they are.
import { MAGIC, RQ_GENERAL, RQ_LEAN_FULL, RQ_LEAN_RELU, requant4, rqFloor, rqShift } from '../../requant';
import { storeTail } from '../../store';

// ---- Packed layout (SIMD builds; PACK_LAYOUT in ../../layout.ts) ----
// Channels in groups of four: G = ceil(C / 4). Weights are paired so that one i32x4.dot_i16x8_s
// multiplies two taps of four channels: a pair vector holds, for channel 4g + l, lane 2l = the
// first tap's weight and lane 2l + 1 the second's (0 when the pair has one tap), as i16.
//   kw == 1 (k×1 columns): pair p = taps (2p, 2p + 1) down the column, P = ceil(kh / 2)
//   otherwise:             pair p = r·ceil(kw/2) + t = taps (r, 2t), (r, 2t + 1) of row r, P = kh·ceil(kw/2)
// Layout: [G × 16 bytes: Σ_t w[c][t] as i32 per channel, 0 past C] [G × P × 16 bytes: the pairs].

/** Weight pairs per channel group. */
// @ts-ignore: decorator
@inline export function pairCount(kh: i32, kw: i32): i32 {
  return kw == 1 ? (kh + 1) >> 1 : kh * ((kw + 1) >> 1);
}

/** Byte offset of tap (ky, kx)'s i16 weight for channel lane l (0..3) within a group's pairs. */
// @ts-ignore: decorator
@inline function tapOffset(kh: i32, kw: i32, ky: i32, kx: i32, l: i32): i32 {
  let pair: i32, slot: i32;
  if (kw == 1) {
    pair = ky >> 1;
    slot = ky & 1;
  } else {
    pair = ky * ((kw + 1) >> 1) + (kx >> 1);
    slot = kx & 1;
  }
  return pair * 16 + l * 4 + slot * 2;
}

export function depthwise_packed_size_simd128(C: i32, kh: i32, kw: i32): i32 {
  return 16 * ((C + 3) >> 2) * (pairCount(kh, kw) + 1);
}

export function depthwise_pack_simd128(w: usize, C: i32, kh: i32, kw: i32, dst: usize): void {
  const G = (C + 3) >> 2;
  const P = pairCount(kh, kw);
  memory.fill(dst, 0, <usize>depthwise_packed_size_simd128(C, kh, kw));
  const wts = dst + <usize>(16 * G);
  for (let c = 0; c < C; c++) {
    let sum = 0;
    const gp = wts + <usize>((c >> 2) * 16 * P);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const v = <i32>load<i8>(w + <usize>((c * kh + ky) * kw + kx));
        sum += v;
        store<i16>(gp + <usize>tapOffset(kh, kw, ky, kx, c & 3), <i16>v);
      }
    }
    store<i32>(dst + (<usize>c << 2), sum);
  }
}

/** The inverse of depthwise_pack_simd128: the plain [C][kh][kw] int8 weights back (Σw and the padding dropped). */
export function depthwise_unpack_simd128(packed: usize, C: i32, kh: i32, kw: i32, w: usize): void {
  const P = pairCount(kh, kw);
  const wts = packed + <usize>(16 * ((C + 3) >> 2));
  for (let c = 0; c < C; c++) {
    const gp = wts + <usize>((c >> 2) * 16 * P);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        store<i8>(w + <usize>((c * kh + ky) * kw + kx), <i8>load<i16>(gp + <usize>tapOffset(kh, kw, ky, kx, c & 3)));
      }
    }
  }
}

// ---- Per-call scratch (static memory; the engine runs one kernel at a time) ----

/** Largest channel count per call chunk (larger C runs in chunks). */
export const MAXC: i32 = 4096;
/** The zero-point row that padding taps read: MAXC bytes of zpIn (+ slack). */
export const ZP: usize = memory.data(MAXC + 64, 16);
/** biasʹ = bias − zpIn·Σw per channel (i32). */
export const BIASP: usize = memory.data(MAXC * 4 + 64, 16);
/** Requantization constants of the call: magic, floor, shift (requant.ts requantFloor4), qmax bytes, qmin bytes. */
export const K: usize = memory.data(80, 16);
export const K_MAGIC = 0, K_FLOOR = 16, K_SHIFT = 32, K_MAX = 48, K_MIN = 64;

/**
 * The store mode (requant.ts RQ_*) of a full group of four channels in this chunk (set by setup; modeOf):
 *   RQ_GENERAL    requantFloor4, then min qmax and a tail store of rr channels (also when qmax = 127);
 *   RQ_LEAN_FULL  qmax = 127, qmin = −128, and every product bounded (|v| ≤ 2^22, see setup):
 *                 four instructions per four lanes, bits(v + MAGIC) − shift, the narrows clamp;
 *   RQ_LEAN_RELU  as RQ_LEAN_FULL with qmin > −128 (a fused ReLU), applied as one i8x16.max_s after
 *                 the narrows (per one to three pixels) instead of one i32x4.max_s per pixel.
 * No initializer (setup sets it before any use): an imported constant there would cost a start function.
 */
let FASTMODE: i32;

/** Store mode (above) of a group with rr channels left. */
// @ts-ignore: decorator
@inline export function modeOf(rr: i32): i32 {
  return rr >= 4 ? FASTMODE : RQ_GENERAL;
}

/** The third requantization constant a pass of mode M holds: the i32 floor (RQ_GENERAL), unused (RQ_LEAN_FULL), qmin bytes (RQ_LEAN_RELU). */
// @ts-ignore: decorator
@inline export function loadFloor(M: i32): v128 {
  return v128.load(K + <usize>(M == RQ_LEAN_RELU ? K_MIN : K_FLOOR));
}

/**
 * Fills ZP, BIASP and K for one chunk and picks its store mode. Folding zpIn into the bias (wrapping
 * i32, exact mod 2^32 like the reference) makes padding taps contribute w·zpIn, which cancels the
 * fold: padding reads zpIn.
 *
 * The lean modes need every product v = f32(acc)·scale of the chunk within |v| ≤ 2^22 (requant.ts:
 * there bits(v + MAGIC) = MAGIC_BITS + round_half_even(v), so bits − shift = round(v) + zp, and the
 * saturating narrows clamp it to [−128, 127]; beyond, a negative v + MAGIC has a negative bit pattern
 * and the subtraction can wrap, which requantFloor4's max prevents). An accumulator is
 * biasʹ + Σ w·x with |w| ≤ 127, |x| ≤ 128, so |acc| ≤ |biasʹ| + 16256·taps (+ 1 if the i32 sum
 * wraps: |acc| ≤ 2^31 anyway). The test, with maxima over the chunk's channels (cheap: four integer
 * instructions per four channels, as a per-channel f32 test cost 1.2× on the 3×3×960 layers):
 * (max |biasʹ| + 16256·taps + 1) · max |scale| ≤ 2^21 in f64 (over the full groups of four: a last
 * group of one to three channels takes the general store), a factor two below 2^22 for the
 * roundings of f32(acc) and of the product. |biasʹ| as an unsigned i32 (|−2^31| = 2^31); |scale| as
 * its bit pattern with the sign cleared, whose unsigned order is the order of the magnitudes (a NaN
 * is above infinity, so it fails the test).
 */
export function setup(C: i32, sumw: usize, bias: usize, scale: usize, taps: i32, zpIn: i32, zpOut: i32, qmin: i32, qmax: i32): void {
  const zp8 = i8x16.splat(<i8>zpIn);
  for (let c = 0; c < C + 16; c += 16) v128.store(ZP + <usize>c, zp8);
  const zp32 = i32x4.splat(zpIn);
  const mag = i32x4.splat(0x7fffffff);
  let maxB = i32x4.splat(0), maxS = i32x4.splat(0);
  let c = 0;
  for (; c + 4 <= C; c += 4) {
    const o = <usize>c << 2;
    const b = i32x4.sub(v128.load(bias + o), i32x4.mul(zp32, v128.load(sumw + o)));
    v128.store(BIASP + o, b);
    maxB = i32x4.max_u(maxB, i32x4.abs(b));
    maxS = i32x4.max_u(maxS, v128.and(v128.load(scale + o), mag));
  }
  if (c < C) {
    // the last one to three channels: a group that always takes the general store (modeOf), so
    // outside the maxima
    const o = <usize>c << 2;
    v128.store(BIASP + o, i32x4.sub(v128.load(bias + o), i32x4.mul(zp32, v128.load(sumw + o))));
  }
  maxB = i32x4.max_u(maxB, i32x4.shuffle(maxB, maxB, 2, 3, 0, 1));
  maxB = i32x4.max_u(maxB, i32x4.shuffle(maxB, maxB, 1, 0, 3, 2));
  maxS = i32x4.max_u(maxS, i32x4.shuffle(maxS, maxS, 2, 3, 0, 1));
  maxS = i32x4.max_u(maxS, i32x4.shuffle(maxS, maxS, 1, 0, 3, 2));
  const bound = (<f64><u32>i32x4.extract_lane(maxB, 0) + <f64>taps * 16256.0 + 1.0) * <f64>reinterpret<f32>(i32x4.extract_lane(maxS, 0));
  const lean = bound <= 2097152.0; // 2^21 (false for a NaN)
  FASTMODE = qmax == 127 && lean ? (qmin == -128 ? RQ_LEAN_FULL : RQ_LEAN_RELU) : RQ_GENERAL;
  v128.store(K, f32x4.splat(MAGIC), K_MAGIC);
  v128.store(K, rqFloor(zpOut, qmin), K_FLOOR);
  v128.store(K, rqShift(zpOut), K_SHIFT);
  v128.store(K, i8x16.splat(<i8>qmax), K_MAX);
  v128.store(K, i8x16.splat(<i8>qmin), K_MIN);
}

// ---- Pair rows ----
// A pair row holds, for one input row and a block of eight channels, entries of 32 bytes: i16 pairs
// (pc[a], pc[a + 1]) for channels 0-3, then for channels 4-7, where pc[j] is column j of the row, or
// zpIn outside it (and everywhere in a padding row). Built for eight channels at once (one
// sign-extending load per column feeds both halves), consumed by two four-channel passes.

/** Pair-row buffers: room for rows up to MAXW pixels (+ padding entries). */
export const MAXW: i32 = 254;
export const PITCH: i32 = (MAXW + 8) * 32;

/** Stores the pair entry (a, b) of eight channels at e. */
// @ts-ignore: decorator
@inline function entry(e: usize, a: v128, b: v128): void {
  v128.store(e, i16x8.shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11));
  v128.store(e, i16x8.shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15), 16);
}

/** Fills entries m .. n − 1 with zpIn pairs. */
// @ts-ignore: decorator
@inline function padEntries(b: usize, m: i32, n: i32, zp16: v128): void {
  for (; m < n; m++) {
    v128.store(b + (<usize>m << 5), zp16);
    v128.store(b + (<usize>m << 5), zp16, 16);
  }
}

/** Stride 1, left padding PW: E[m] = (pc[m − PW], pc[m − PW + 1]), m = 0 .. n − 1. */
// @ts-ignore: decorator
@inline export function pairRowS1(PW: i32, b: usize, p: usize, valid: bool, W: i32, n: i32, xs: usize, zp16: v128): void {
  if (!valid) {
    padEntries(b, 0, n, zp16);
    return;
  }
  padEntries(b, 0, PW - 1, zp16); // both elements left of the image
  let e = b + (<usize>(PW - 1) << 5);
  let prev = zp16;
  let j = 0;
  for (; j + 2 <= W; j += 2) {
    const c0 = v128.load8x8_s(p);
    const c1 = v128.load8x8_s(p + xs);
    entry(e, prev, c0);
    entry(e + 32, c0, c1);
    prev = c1;
    p += xs << 1;
    e += 64;
  }
  if (j < W) {
    const c0 = v128.load8x8_s(p);
    entry(e, prev, c0);
    prev = c0;
    e += 32;
  }
  const m = PW - 1 + W; // entries written so far
  if (m < n) entry(e, prev, zp16);
  padEntries(b, m + 1, n, zp16);
}

/** pc[j] sign-extended (zpIn outside 0 ≤ j < W). */
// @ts-ignore: decorator
@inline function column(p: usize, j: i32, W: i32, xs: usize, zp16: v128): v128 {
  return j >= 0 && j < W ? v128.load8x8_s(p + <usize>j * xs) : zp16;
}

/** entry(e, a, b), or (b, a) when SWAP. */
// @ts-ignore: decorator
@inline function entry2(SWAP: bool, e: usize, a: v128, b: v128): void {
  if (SWAP) entry(e, b, a);
  else entry(e, a, b);
}

/**
 * Stride 2, left padding PW: E[m] = (pc[2m − PW], pc[2m − PW + 1]), m = 0 .. n − 1; SWAP: the pairs the
 * other way round, (pc[2m − PW + 1], pc[2m − PW]) (the 3×3 s2 middle rows, rows3x3.ts).
 */
// @ts-ignore: decorator
@inline export function pairRowS2(SWAP: bool, PW: i32, b: usize, p: usize, valid: bool, W: i32, n: i32, xs: usize, zp16: v128): void {
  if (!valid) {
    padEntries(b, 0, n, zp16);
    return;
  }
  let m = 0;
  let e = b;
  // left edge: entries with a column left of the image
  for (; m < n && 2 * m - PW < 0; m++) {
    const j = 2 * m - PW;
    entry2(SWAP, e, column(p, j, W, xs, zp16), column(p, j + 1, W, xs, zp16));
    e += 32;
  }
  // interior: both columns inside, m < (W + PW) / 2; two entries a step (a plain pointer loop: the
  // bounds test per entry cost as much as the entry)
  const mEnd = min(n, (W + PW) >> 1);
  let q = p + <usize>(2 * m - PW) * xs;
  const step = xs << 1;
  if (m < mEnd) {
    const eEnd = b + (<usize>mEnd << 5);
    for (; e + 64 <= eEnd; e += 64) {
      entry2(SWAP, e, v128.load8x8_s(q), v128.load8x8_s(q + xs));
      entry2(SWAP, e + 32, v128.load8x8_s(q + step), v128.load8x8_s(q + step + xs));
      q += step << 1;
    }
    if (e < eEnd) {
      entry2(SWAP, e, v128.load8x8_s(q), v128.load8x8_s(q + xs));
      e += 32;
    }
    m = mEnd;
  }
  // right edge
  for (; m < n; m++) {
    const j = 2 * m - PW;
    entry2(SWAP, e, column(p, j, W, xs, zp16), column(p, j + 1, W, xs, zp16));
    e += 32;
  }
}

// ---- Requantize and store ----
// M (a literal at every call site): the store mode, see FASTMODE. The lean modes (M ≥ RQ_LEAN_FULL):
// a full group of four channels and qmax = 127 (no tail stores, no min); `floor` holds what
// loadFloor(M) loads.

/** Four accumulators → i32 lanes: requantFloor4 (RQ_GENERAL), or bits(f32(a)·sc + MAGIC) − shift (lean modes, bounded products). */
// @ts-ignore: decorator
@inline function rq(M: i32, a: v128, sc: v128, magic: v128, floor: v128, shift: v128): v128 {
  return requant4(M >= RQ_LEAN_FULL, a, sc, magic, floor, shift);
}

/** The narrowed bytes' clamp (requant.ts clampBytes' by mode, qmin's bytes from floor, qmax's loaded only where RQ_GENERAL uses them). */
// @ts-ignore: decorator
@inline function clamp8(M: i32, r: v128, floor: v128): v128 {
  if (M == RQ_LEAN_RELU) return i8x16.max_s(r, floor);
  if (M == RQ_GENERAL) return i8x16.min_s(r, v128.load(K, K_MAX));
  return r;
}

/** One pixel's four accumulators → int8 at out (rr channels in RQ_GENERAL). */
// @ts-ignore: decorator
@inline export function store1(M: i32, a: v128, sc: v128, magic: v128, floor: v128, shift: v128, out: usize, rr: i32): void {
  const q = rq(M, a, sc, magic, floor, shift);
  const h = i16x8.narrow_i32x4_s(q, q);
  const r = clamp8(M, i8x16.narrow_i16x8_s(h, h), floor);
  if (M >= RQ_LEAN_FULL) v128.store32_lane(out, r, 0);
  else storeTail(out, r, rr);
}

/** Two pixels' accumulators (a0 → out0, a1 → out1), narrowed together. */
// @ts-ignore: decorator
@inline export function store2(M: i32, a0: v128, a1: v128, sc: v128, magic: v128, floor: v128, shift: v128, out0: usize, out1: usize, rr: i32): void {
  const h = i16x8.narrow_i32x4_s(rq(M, a0, sc, magic, floor, shift), rq(M, a1, sc, magic, floor, shift));
  const r = clamp8(M, i8x16.narrow_i16x8_s(h, h), floor);
  if (M >= RQ_LEAN_FULL) {
    v128.store32_lane(out0, r, 0);
    v128.store32_lane(out1, r, 1);
  } else {
    storeTail(out0, r, rr);
    storeTail(out1, i32x4.shuffle(r, r, 1, 1, 1, 1), rr);
  }
}

/** Three pixels' accumulators (a0 → out0, a1 → out1, a2 → out2), narrowed together. */
// @ts-ignore: decorator
@inline export function store3(M: i32, a0: v128, a1: v128, a2: v128, sc: v128, magic: v128, floor: v128, shift: v128, out0: usize, out1: usize, out2: usize, rr: i32): void {
  const q2 = rq(M, a2, sc, magic, floor, shift);
  const h = i16x8.narrow_i32x4_s(rq(M, a0, sc, magic, floor, shift), rq(M, a1, sc, magic, floor, shift));
  const r = clamp8(M, i8x16.narrow_i16x8_s(h, i16x8.narrow_i32x4_s(q2, q2)), floor);
  if (M >= RQ_LEAN_FULL) {
    v128.store32_lane(out0, r, 0);
    v128.store32_lane(out1, r, 1);
    v128.store32_lane(out2, r, 2);
  } else {
    storeTail(out0, r, rr);
    storeTail(out1, i32x4.shuffle(r, r, 1, 1, 1, 1), rr);
    storeTail(out2, i32x4.shuffle(r, r, 2, 2, 2, 2), rr);
  }
}
