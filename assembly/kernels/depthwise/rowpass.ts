// Depthwise k×5 (k rows of five taps) at stride 2 or 1, rows up to MAXW pixels: passes of tap rows.
//
// Twenty-five taps need fifteen weight vectors per group of four channels, more than the registers,
// and a pixel body loading all of them spills (see rows3x3.ts). So the taps are summed two rows at a
// time: for each output row, a pass over the pixels adds six dots (per tap row r:
// E[ox]·(w_r0, w_r1) + E[ox + d]·(w_r2, w_r3) + E[ox + 2d]·(w_r4, 0), d = 2 / stride entries) to an
// i32 row of accumulators (the first pass starts from the bias); the last tap row's pass, three dots,
// requantizes and stores. Six weight vectors stay in registers (one row per pass before: 56² 1.05×).
// Input rows become pair rows (common.ts) of eight channels in a ring of k slots
// (slot = (iy + k/2) mod k), each built once.
import { BIASP, K, K_MAGIC, K_SHIFT, MAXW, PITCH, loadFloor, modeOf, pairRowS1, pairRowS2, store1 } from './common';
import { RQ_GENERAL, RQ_LEAN_FULL, RQ_LEAN_RELU } from '../../requant';

/** Largest kh of this path. */
export const ROWPASS_MAXK: i32 = 7;
const RING: usize = memory.data(ROWPASS_MAXK * PITCH + 64, 16);
const BUILT: usize = memory.data(ROWPASS_MAXK * 4, 16);
/** One output row of i32 accumulators for a group of four channels. */
const ACC: usize = memory.data((MAXW + 8) * 16, 16);

// @ts-ignore: decorator
@inline function dot3(e: usize, D: usize, w0: v128, w1: v128, w2: v128): v128 {
  return i32x4.add(i32x4.dot_i16x8_s(v128.load(e), w0),
    i32x4.add(i32x4.dot_i16x8_s(v128.load(e + D), w1), i32x4.dot_i16x8_s(v128.load(e + 2 * D), w2)));
}

/** dots of one tap row at e, plus (TWO) the next tap row's at e2 with w3..w5 */
// @ts-ignore: decorator
@inline function dotsRing(TWO: bool, e: usize, e2: usize, D: usize, w0: v128, w1: v128, w2: v128, w3: v128, w4: v128, w5: v128): v128 {
  const a = dot3(e, D, w0, w1, w2);
  return TWO ? i32x4.add(a, dot3(e2, D, w3, w4, w5)) : a;
}

/**
 * STAGE 0: ACC = bias + dots; 1: ACC += dots; 2: store requant(ACC + dots); 3: store requant(bias + dots).
 * TWO (stages 0, 1): tap rows r (at e) and r + 1 (at e2) in one pass. M: the store mode (stages 2, 3 only).
 */
// @ts-ignore: decorator
@inline function pass(M: i32, STAGE: i32, S: i32, TWO: bool, e: usize, e2: usize, OW: i32, out: usize, ys: usize, rr: i32, wr: usize, bp: usize, sp: usize): void {
  const D: usize = S == 1 ? 64 : 32;
  const w0 = v128.load(wr), w1 = v128.load(wr, 16), w2 = v128.load(wr, 32);
  const w3 = TWO ? v128.load(wr, 48) : w0, w4 = TWO ? v128.load(wr, 64) : w0, w5 = TWO ? v128.load(wr, 80) : w0;
  let a = ACC;
  const end = ACC + (<usize>OW << 4);
  if (STAGE == 0) {
    const bias = v128.load(bp);
    do { v128.store(a, i32x4.add(bias, dotsRing(TWO, e, e2, D, w0, w1, w2, w3, w4, w5))); e += 32; e2 += 32; a += 16; } while (a < end);
  } else if (STAGE == 1) {
    do { v128.store(a, i32x4.add(v128.load(a), dotsRing(TWO, e, e2, D, w0, w1, w2, w3, w4, w5))); e += 32; e2 += 32; a += 16; } while (a < end);
  } else {
    const bias = v128.load(bp), sc = v128.load(sp);
    const magic = v128.load(K, K_MAGIC), floor = loadFloor(M), shift = v128.load(K, K_SHIFT);
    do {
      const prev = STAGE == 2 ? v128.load(a) : bias;
      store1(M, i32x4.add(prev, dot3(e, D, w0, w1, w2)), sc, magic, floor, shift, out, rr);
      e += 32; a += 16; out += ys;
    } while (a < end);
  }
}

/** The pass variant for a stage (the stride S a literal at each call site, so each pass is specialized). */
// @ts-ignore: decorator
@inline function passStage(S: i32, stage: i32, m: i32, e: usize, e2: usize, OW: i32, out: usize, ys: usize, rr: i32, wr: usize, bp: usize, sp: usize): void {
  if (stage == 0) pass(RQ_GENERAL, 0, S, true, e, e2, OW, out, ys, rr, wr, bp, sp);
  else if (stage == 1) pass(RQ_GENERAL, 1, S, true, e, e2, OW, out, ys, rr, wr, bp, sp);
  else if (m == RQ_LEAN_FULL) {
    if (stage == 2) pass(RQ_LEAN_FULL, 2, S, false, e, e, OW, out, ys, 4, wr, bp, sp);
    else pass(RQ_LEAN_FULL, 3, S, false, e, e, OW, out, ys, 4, wr, bp, sp);
  } else if (m == RQ_LEAN_RELU) {
    if (stage == 2) pass(RQ_LEAN_RELU, 2, S, false, e, e, OW, out, ys, 4, wr, bp, sp);
    else pass(RQ_LEAN_RELU, 3, S, false, e, e, OW, out, ys, 4, wr, bp, sp);
  } else {
    if (stage == 2) pass(RQ_GENERAL, 2, S, false, e, e, OW, out, ys, rr, wr, bp, sp);
    else pass(RQ_GENERAL, 3, S, false, e, e, OW, out, ys, rr, wr, bp, sp);
  }
}
function passS1(stage: i32, m: i32, e: usize, e2: usize, OW: i32, out: usize, ys: usize, rr: i32, wr: usize, bp: usize, sp: usize): void {
  passStage(1, stage, m, e, e2, OW, out, ys, rr, wr, bp, sp);
}
function passS2(stage: i32, m: i32, e: usize, e2: usize, OW: i32, out: usize, ys: usize, rr: i32, wr: usize, bp: usize, sp: usize): void {
  passStage(2, stage, m, e, e2, OW, out, ys, rr, wr, bp, sp);
}

/** kh×5 (kh ≤ ROWPASS_MAXK, odd), pad (kh/2, 2), stride 1 or 2, W ≤ MAXW. BIASP and K are set. */
export function dwRowPass5(x: usize, H: i32, W: i32, C: i32, xStride: i32, wts: usize, scale: usize, kh: i32, stride: i32,
  y: usize, yStride: i32, qmax: i32, zpIn: i32): void {
  const zp16 = i16x8.splat(<i16>zpIn);
  const xs = <usize>xStride, ys = <usize>yStride;
  const ph = kh >> 1;
  const OH = (H + 2 * ph - kh) / stride + 1;
  const OW = (W - 1) / stride + 1;
  const n = stride == 1 ? W + 6 : OW + 3;
  const rowIn = <usize>W * xs;
  const rowOut = <usize>OW * ys;
  const groupBytes = <usize>(kh * 48); // kh rows × 3 pairs × 16 bytes
  for (let c = 0; c < C; c += 8) {
    const halves = C - c > 4 ? 2 : 1;
    const xc = x + <usize>c;
    for (let s = 0; s < kh; s++) store<i32>(BUILT + (<usize>s << 2), i32.MIN_VALUE);
    for (let oy = 0; oy < OH; oy++) {
      for (let r = 0; r < kh; r++) {
        const iy = oy * stride - ph + r;
        const slot = <usize>((iy + ph) % kh);
        const b = RING + slot * <usize>PITCH;
        if (load<i32>(BUILT + (slot << 2)) != iy) {
          store<i32>(BUILT + (slot << 2), iy);
          if (stride == 1) pairRowS1(2, b, xc + <usize>iy * rowIn, iy >= 0 && iy < H, W, n, xs, zp16);
          else pairRowS2(false, 2, b, xc + <usize>iy * rowIn, iy >= 0 && iy < H, W, n, xs, zp16);
        }
      }
      for (let h = 0; h < halves; h++) {
        const g = c + 4 * h;
        const o = <usize>g, hb = <usize>(h << 4);
        const wg = wts + <usize>(g >> 2) * groupBytes, bp = BIASP + (o << 2), sp = scale + (o << 2);
        const rr = C - g;
        const m = modeOf(rr);
        const out = y + o + <usize>oy * rowOut;
        // tap rows (0, 1) from the bias, (2, 3) ... added, the last one requantized (kh = 1: one pass)
        let r = 0;
        for (; r + 1 < kh; r += 2) {
          const iy = oy * stride - ph + r;
          const e = RING + <usize>((iy + ph) % kh) * <usize>PITCH + hb;
          const e2 = RING + <usize>((iy + 1 + ph) % kh) * <usize>PITCH + hb;
          const stage = r == 0 ? 0 : 1;
          if (stride == 1) passS1(stage, m, e, e2, OW, out, ys, min(rr, 4), wg + <usize>(r * 48), bp, sp);
          else passS2(stage, m, e, e2, OW, out, ys, min(rr, 4), wg + <usize>(r * 48), bp, sp);
        }
        const iy = oy * stride - ph + r;
        const e = RING + <usize>((iy + ph) % kh) * <usize>PITCH + hb;
        const stage = r == 0 ? 3 : 2;
        if (stride == 1) passS1(stage, m, e, e, OW, out, ys, min(rr, 4), wg + <usize>(r * 48), bp, sp);
        else passS2(stage, m, e, e, OW, out, ys, min(rr, 4), wg + <usize>(r * 48), bp, sp);
      }
    }
  }
}

// ---- Small maps: the same row passes over a whole map at once.
// For k×5 maps (k ≥ 3) whose pair rows all fit MAP5_BYTES (5×5 s2 on 14²), per block of eight channels
// every pair row of the map is built first; then per group of four channels one pass per two tap rows
// (six dots, six weight vectors in registers) runs over every output pixel into an i32 accumulator
// map, the last tap row's pass requantizing. The weights and constants are loaded once per group and
// pass, not once per output row (the ring's passes on 7-pixel rows lost 1.4× to that).

/** Pair rows of a whole small map: rows × entries × 32 bytes. */
export const MAP5_BYTES: i32 = 16384;
/** Output pixels of a small map (its i32 accumulators, 16 bytes per group). */
export const MAP5_PIXELS: i32 = 256;
// The ring's buffers, reused (the two paths never run at once): RING holds ROWPASS_MAXK·PITCH ≥ 16384
// bytes, ACC (MAXW + 8)·16 ≥ 256·16.
const MAP: usize = RING;
const MACC: usize = ACC;

/** Geometry of the k×5 map path for a call, or 0 if it does not take it: the pair-row bytes. */
export function map5Bytes(H: i32, W: i32, kh: i32, kw: i32, stride: i32): i32 {
  if (kw != 5 || (kh & 1) == 0 || kh < 3 || kh > ROWPASS_MAXK || (stride != 1 && stride != 2) || W > MAXW) return 0;
  const OH = (H - 1) / stride + 1, OW = (W - 1) / stride + 1;
  const n = stride == 1 ? W + 6 : OW + 3;
  const rows = (OH - 1) * stride + kh;
  const bytes = rows * n * 32;
  return bytes <= MAP5_BYTES && OH * OW <= MAP5_PIXELS ? bytes : 0;
}

// @ts-ignore: decorator
@inline function dots(TWO: bool, q: usize, pm: usize, D: usize, w0: v128, w1: v128, w2: v128, w3: v128, w4: v128, w5: v128): v128 {
  const a = dot3(q, D, w0, w1, w2);
  return TWO ? i32x4.add(a, dot3(q + pm, D, w3, w4, w5)) : a;
}

/**
 * One pass of tap row(s) over the map: e = the first output row's entries (of the pass's first tap
 * row), pm = bytes between pair rows. STAGE as pass(). Output pixel (oy, ox) at out + oy·yr + ox·yp.
 */
// @ts-ignore: decorator
@inline function mapPass(M: i32, STAGE: i32, S: i32, TWO: bool, e: usize, pm: usize, OH: i32, OW: i32,
  out: usize, yp: usize, yr: usize, rr: i32, wr: usize, bp: usize, sp: usize): void {
  const D: usize = S == 1 ? 64 : 32;
  const rs = pm * <usize>S;
  const w0 = v128.load(wr), w1 = v128.load(wr, 16), w2 = v128.load(wr, 32);
  const w3 = TWO ? v128.load(wr, 48) : w0, w4 = TWO ? v128.load(wr, 64) : w0, w5 = TWO ? v128.load(wr, 80) : w0;
  const rowBytes = <usize>OW << 4;
  let a = MACC;
  const aEnd = MACC + <usize>OH * rowBytes;
  if (STAGE == 0) {
    const bias = v128.load(bp);
    do {
      let q = e;
      const end = a + rowBytes;
      do { v128.store(a, i32x4.add(bias, dots(TWO, q, pm, D, w0, w1, w2, w3, w4, w5))); q += 32; a += 16; } while (a < end);
      e += rs;
    } while (a < aEnd);
  } else if (STAGE == 1) {
    do {
      let q = e;
      const end = a + rowBytes;
      do { v128.store(a, i32x4.add(v128.load(a), dots(TWO, q, pm, D, w0, w1, w2, w3, w4, w5))); q += 32; a += 16; } while (a < end);
      e += rs;
    } while (a < aEnd);
  } else {
    const bias = v128.load(bp), sc = v128.load(sp);
    const magic = v128.load(K, K_MAGIC), floor = loadFloor(M), shift = v128.load(K, K_SHIFT);
    do {
      let q = e, o = out;
      const end = a + rowBytes;
      do {
        const prev = STAGE == 2 ? v128.load(a) : bias;
        store1(M, i32x4.add(prev, dots(TWO, q, pm, D, w0, w1, w2, w3, w4, w5)), sc, magic, floor, shift, o, rr);
        q += 32; a += 16; o += yp;
      } while (a < end);
      e += rs;
      out += yr;
    } while (a < aEnd);
  }
}

// @ts-ignore: decorator
@inline function mapStage(S: i32, stage: i32, m: i32, e: usize, pm: usize, OH: i32, OW: i32, out: usize, yp: usize, yr: usize, rr: i32, wr: usize, bp: usize, sp: usize): void {
  if (stage == 0) mapPass(RQ_GENERAL, 0, S, true, e, pm, OH, OW, out, yp, yr, rr, wr, bp, sp);
  else if (stage == 1) mapPass(RQ_GENERAL, 1, S, true, e, pm, OH, OW, out, yp, yr, rr, wr, bp, sp);
  else if (m == RQ_LEAN_FULL) mapPass(RQ_LEAN_FULL, 2, S, false, e, pm, OH, OW, out, yp, yr, 4, wr, bp, sp);
  else if (m == RQ_LEAN_RELU) mapPass(RQ_LEAN_RELU, 2, S, false, e, pm, OH, OW, out, yp, yr, 4, wr, bp, sp);
  else mapPass(RQ_GENERAL, 2, S, false, e, pm, OH, OW, out, yp, yr, rr, wr, bp, sp);
}
function mapS1(stage: i32, m: i32, e: usize, pm: usize, OH: i32, OW: i32, out: usize, yp: usize, yr: usize, rr: i32, wr: usize, bp: usize, sp: usize): void {
  mapStage(1, stage, m, e, pm, OH, OW, out, yp, yr, rr, wr, bp, sp);
}
function mapS2(stage: i32, m: i32, e: usize, pm: usize, OH: i32, OW: i32, out: usize, yp: usize, yr: usize, rr: i32, wr: usize, bp: usize, sp: usize): void {
  mapStage(2, stage, m, e, pm, OH, OW, out, yp, yr, rr, wr, bp, sp);
}

/** kh×5 (odd 3 ≤ kh ≤ ROWPASS_MAXK), stride 1 or 2, on a map with map5Bytes(...) > 0. BIASP and K are set. */
export function dwMap5(x: usize, H: i32, W: i32, C: i32, xStride: i32, wts: usize, scale: usize, kh: i32, stride: i32,
  y: usize, yStride: i32, qmax: i32, zpIn: i32): void {
  const zp16 = i16x8.splat(<i16>zpIn);
  const xs = <usize>xStride, ys = <usize>yStride;
  const ph = kh >> 1;
  const OH = (H - 1) / stride + 1;
  const OW = (W - 1) / stride + 1;
  const rowIn = <usize>W * xs, rowOut = <usize>OW * ys;
  const n = stride == 1 ? W + 6 : OW + 3;
  const pm = <usize>n << 5;
  const rows = (OH - 1) * stride + kh;
  const groupBytes = <usize>(kh * 48); // kh rows × 3 pairs × 16 bytes
  for (let c = 0; c < C; c += 8) {
    const halves = C - c > 4 ? 2 : 1;
    const xc = x + <usize>c;
    for (let k = 0; k < rows; k++) {
      const iy = k - ph;
      if (stride == 1) pairRowS1(2, MAP + <usize>k * pm, xc + <usize>iy * rowIn, iy >= 0 && iy < H, W, n, xs, zp16);
      else pairRowS2(false, 2, MAP + <usize>k * pm, xc + <usize>iy * rowIn, iy >= 0 && iy < H, W, n, xs, zp16);
    }
    for (let h = 0; h < halves; h++) {
      const g = c + 4 * h;
      const o = <usize>g, hb = <usize>(h << 4);
      const wg = wts + <usize>(g >> 2) * groupBytes, bp = BIASP + (o << 2), sp = scale + (o << 2);
      const rr = min(C - g, 4);
      const m = modeOf(rr);
      const out = y + o;
      // tap rows (0, 1) from the bias, (2, 3) ... added, the last one requantized
      let r = 0;
      for (; r + 1 < kh; r += 2) {
        const stage = r == 0 ? 0 : 1;
        const e = MAP + <usize>r * pm + hb;
        if (stride == 1) mapS1(stage, m, e, pm, OH, OW, out, ys, rowOut, rr, wg + <usize>(r * 48), bp, sp);
        else mapS2(stage, m, e, pm, OH, OW, out, ys, rowOut, rr, wg + <usize>(r * 48), bp, sp);
      }
      const e = MAP + <usize>r * pm + hb;
      if (stride == 1) mapS1(2, m, e, pm, OH, OW, out, ys, rowOut, rr, wg + <usize>(r * 48), bp, sp);
      else mapS2(2, m, e, pm, OH, OW, out, ys, rowOut, rr, wg + <usize>(r * 48), bp, sp);
    }
  }
}
