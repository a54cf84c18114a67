// Depthwise k×5 (k rows of five taps) at stride 2 or 1, rows up to MAXW pixels: one pass per tap row.
//
// Twenty-five taps need fifteen weight vectors per group of four channels, more than the registers,
// and a pixel body loading all of them spills (see rows3x3.ts). So the taps are summed row by row:
// for each output row, each of the k input rows is a pass over the pixels adding three dots
// (E[ox]·(w_r0, w_r1) + E[ox + d]·(w_r2, w_r3) + E[ox + 2d]·(w_r4, 0), d = 2 / stride entries) to an
// i32 row of accumulators (the first pass starts from the bias, the last requantizes and stores).
// The row's three weight vectors stay in registers. Input rows become pair rows (common.ts) of eight
// channels in a ring of k slots (slot = (iy + k/2) mod k), each built once.
import { BIASP, K, K_FLOOR, K_MAGIC, K_SHIFT, MAXW, PITCH, pairRowS1, pairRowS2, store1 } from './common';

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

/** STAGE 0: ACC = bias + dots; 1: ACC += dots; 2: store requant(ACC + dots); 3: store requant(bias + dots). */
// @ts-ignore: decorator
@inline function pass(FAST: bool, STAGE: i32, S: i32, e: usize, OW: i32, out: usize, ys: usize, rr: i32, wr: usize, bp: usize, sp: usize): void {
  const D: usize = S == 1 ? 64 : 32;
  const w0 = v128.load(wr), w1 = v128.load(wr, 16), w2 = v128.load(wr, 32);
  let a = ACC;
  const end = ACC + (<usize>OW << 4);
  if (STAGE == 0) {
    const bias = v128.load(bp);
    do { v128.store(a, i32x4.add(bias, dot3(e, D, w0, w1, w2))); e += 32; a += 16; } while (a < end);
  } else if (STAGE == 1) {
    do { v128.store(a, i32x4.add(v128.load(a), dot3(e, D, w0, w1, w2))); e += 32; a += 16; } while (a < end);
  } else {
    const bias = v128.load(bp), sc = v128.load(sp);
    const magic = v128.load(K, K_MAGIC), floor = v128.load(K, K_FLOOR), shift = v128.load(K, K_SHIFT);
    do {
      const prev = STAGE == 2 ? v128.load(a) : bias;
      store1(FAST, i32x4.add(prev, dot3(e, D, w0, w1, w2)), sc, magic, floor, shift, out, rr);
      e += 32; a += 16; out += ys;
    } while (a < end);
  }
}

/** The pass variant for a stage (the stride S a literal at each call site, so each pass is specialized). */
// @ts-ignore: decorator
@inline function passStage(S: i32, stage: i32, fast: bool, e: usize, OW: i32, out: usize, ys: usize, rr: i32, wr: usize, bp: usize, sp: usize): void {
  if (stage == 0) pass(true, 0, S, e, OW, out, ys, rr, wr, bp, sp);
  else if (stage == 1) pass(true, 1, S, e, OW, out, ys, rr, wr, bp, sp);
  else if (fast) {
    if (stage == 2) pass(true, 2, S, e, OW, out, ys, 4, wr, bp, sp);
    else pass(true, 3, S, e, OW, out, ys, 4, wr, bp, sp);
  } else {
    if (stage == 2) pass(false, 2, S, e, OW, out, ys, rr, wr, bp, sp);
    else pass(false, 3, S, e, OW, out, ys, rr, wr, bp, sp);
  }
}
function passS1(stage: i32, fast: bool, e: usize, OW: i32, out: usize, ys: usize, rr: i32, wr: usize, bp: usize, sp: usize): void {
  passStage(1, stage, fast, e, OW, out, ys, rr, wr, bp, sp);
}
function passS2(stage: i32, fast: bool, e: usize, OW: i32, out: usize, ys: usize, rr: i32, wr: usize, bp: usize, sp: usize): void {
  passStage(2, stage, fast, e, OW, out, ys, rr, wr, bp, sp);
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
          else pairRowS2(2, b, xc + <usize>iy * rowIn, iy >= 0 && iy < H, W, n, xs, zp16);
        }
      }
      for (let h = 0; h < halves; h++) {
        const g = c + 4 * h;
        const o = <usize>g, hb = <usize>(h << 4);
        const wg = wts + <usize>(g >> 2) * groupBytes, bp = BIASP + (o << 2), sp = scale + (o << 2);
        const rr = C - g;
        const fast = rr >= 4 && qmax == 127;
        const out = y + o + <usize>oy * rowOut;
        for (let r = 0; r < kh; r++) {
          const iy = oy * stride - ph + r;
          const e = RING + <usize>((iy + ph) % kh) * <usize>PITCH + hb;
          const stage = r + 1 < kh ? (r == 0 ? 0 : 1) : (r == 0 ? 3 : 2);
          if (stride == 1) passS1(stage, fast, e, OW, out, ys, min(rr, 4), wg + <usize>(r * 48), bp, sp);
          else passS2(stage, fast, e, OW, out, ys, min(rr, 4), wg + <usize>(r * 48), bp, sp);
        }
      }
    }
  }
}
