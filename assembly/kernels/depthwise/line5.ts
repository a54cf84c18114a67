// Depthwise 1×5 and 5×1, stride 1, pad 2 — the DFC attention's two convolutions (see simd128.ts).
//
// Both are one 5-tap convolution along lines: 1×5 along rows, 5×1 along columns (the same code with
// the pixel and line steps swapped; a column's pixels are a row apart, which these small maps keep
// in cache). Per block of eight channels, two lines at a time are expanded into pair rows
// (common.ts, E[m] = (x[m − 2], x[m − 1])); then each group of four channels makes a pass over both
// lines, a position being three dots:
//   acc = bias + E[o]·(w0, w1) + E[o + 2]·(w2, w3) + E[o + 4]·(w4, 0)
// The two lines share the loop and one narrowing (store2); three weight vectors and the
// requantization constants stay in registers.
import { BIASP, K, K_FLOOR, K_MAGIC, K_SHIFT, PITCH, pairRowS1, store1, store2, store3 } from './common';

const LINES: usize = memory.data(2 * PITCH + 64, 16);

// @ts-ignore: decorator
@inline function dot3(e: usize, bias: v128, w0: v128, w1: v128, w2: v128): v128 {
  const d = i32x4.add(bias, i32x4.dot_i16x8_s(v128.load(e), w0));
  return i32x4.add(d, i32x4.add(i32x4.dot_i16x8_s(v128.load(e, 64), w1), i32x4.dot_i16x8_s(v128.load(e, 128), w2)));
}

// @ts-ignore: decorator
@inline function pass(FAST: bool, TWO: bool, q0: usize, q1: usize, L: i32, out0: usize, out1: usize, yp: usize, rr: i32, wg: usize, bp: usize, sp: usize): void {
  const w0 = v128.load(wg), w1 = v128.load(wg, 16), w2 = v128.load(wg, 32);
  const bias = v128.load(bp), sc = v128.load(sp);
  const magic = v128.load(K, K_MAGIC), floor = v128.load(K, K_FLOOR), shift = v128.load(K, K_SHIFT);
  const end = q0 + (<usize>L << 5);
  do {
    if (TWO) {
      store2(FAST, dot3(q0, bias, w0, w1, w2), dot3(q1, bias, w0, w1, w2), sc, magic, floor, shift, out0, out1, rr);
      q1 += 32;
      out1 += yp;
    } else {
      store1(FAST, dot3(q0, bias, w0, w1, w2), sc, magic, floor, shift, out0, rr);
    }
    q0 += 32;
    out0 += yp;
  } while (q0 < end);
}

function twoFast(q0: usize, q1: usize, L: i32, out0: usize, out1: usize, yp: usize, wg: usize, bp: usize, sp: usize): void {
  pass(true, true, q0, q1, L, out0, out1, yp, 4, wg, bp, sp);
}
function oneFast(q0: usize, L: i32, out0: usize, yp: usize, wg: usize, bp: usize, sp: usize): void {
  pass(true, false, q0, q0, L, out0, out0, yp, 4, wg, bp, sp);
}
function general(two: bool, q0: usize, q1: usize, L: i32, out0: usize, out1: usize, yp: usize, rr: i32, wg: usize, bp: usize, sp: usize): void {
  if (two) pass(false, true, q0, q1, L, out0, out1, yp, rr, wg, bp, sp);
  else pass(false, false, q0, q0, L, out0, out0, yp, rr, wg, bp, sp);
}

/** 1×5 (vertical = false) or 5×1 (vertical = true), stride 1, line length ≤ MAXW. BIASP and K are set. */
export function dwLine5(x: usize, H: i32, W: i32, C: i32, xStride: i32, wts: usize, scale: usize, vertical: bool,
  y: usize, yStride: i32, qmax: i32, zpIn: i32): void {
  const zp16 = i16x8.splat(<i16>zpIn);
  const xs = <usize>xStride, ys = <usize>yStride;
  // N lines of L pixels: pixel i of line k is at x + k·xl + i·xp (output y + k·yl + i·yp).
  const N = vertical ? W : H, L = vertical ? H : W;
  const xp = vertical ? <usize>W * xs : xs, xl = vertical ? xs : <usize>W * xs;
  const yp = vertical ? <usize>W * ys : ys, yl = vertical ? ys : <usize>W * ys;
  const e0 = LINES, e1 = LINES + <usize>PITCH;
  for (let c = 0; c < C; c += 8) {
    const halves = C - c > 4 ? 2 : 1;
    for (let k = 0; k < N; k += 2) {
      const two = k + 1 < N;
      const xk = x + <usize>c + <usize>k * xl;
      pairRowS1(2, e0, xk, true, L, L + 4, xp, zp16);
      if (two) pairRowS1(2, e1, xk + xl, true, L, L + 4, xp, zp16);
      for (let h = 0; h < halves; h++) {
        const g = c + 4 * h;
        const o = <usize>g, hb = <usize>(h << 4);
        const out0 = y + o + <usize>k * yl;
        const wg = wts + o * 12, bp = BIASP + (o << 2), sp = scale + (o << 2); // 3 pairs × 16 bytes per group of 4
        const rr = C - g;
        if (rr >= 4 && qmax == 127) {
          if (two) twoFast(e0 + hb, e1 + hb, L, out0, out0 + yl, yp, wg, bp, sp);
          else oneFast(e0 + hb, L, out0, yp, wg, bp, sp);
        } else general(two, e0 + hb, e1 + hb, L, out0, out0 + yl, yp, min(rr, 4), wg, bp, sp);
      }
    }
  }
}

// ---- Lines of three pixels (1×5 on W = 3, 5×1 on H = 3: the DFC of the 7×7 stage pooled to 3×3)
// With pad 2 every output pixel of a 3-pixel line sees the whole line through three of its taps and
// zpIn through the other two (BIASP has −zpIn·Σw folded in, so padding must be counted):
//   y0 = w2·a + w3·b + w4·c + zpIn·(w0 + w1)
//   y1 = w1·a + w2·b + w3·c + zpIn·(w0 + w4)
//   y2 = w0·a + w1·b + w2·c + zpIn·(w3 + w4)
// so per line and group of four channels two interleaves, (a, b) and (c, zpIn), and two dots per pixel
// (against the pair rows' three, and no pair rows to build); the weight pairs are made once per group
// from the packed (w0, w1), (w2, w3), (w4, 0). Exact: a dot's i32 sum of two i16 products cannot wrap.

// @ts-ignore: decorator
@inline function line3(FAST: bool, p: usize, N: i32, xp: usize, xl: usize, out: usize, yp: usize, yl: usize, rr: i32, wg: usize, bp: usize, sp: usize, zp16: v128): void {
  const p0 = v128.load(wg), p1 = v128.load(wg, 16), p2 = v128.load(wg, 32);
  const z = i32x4.splat(0);
  const w12 = i16x8.shuffle(p0, p1, 1, 8, 3, 10, 5, 12, 7, 14); // (w1, w2)
  const o4 = i16x8.shuffle(z, p2, 0, 8, 2, 10, 4, 12, 6, 14); // (0, w4)
  const k0 = i16x8.add(i16x8.shuffle(p2, p0, 0, 8, 2, 10, 4, 12, 6, 14), i16x8.shuffle(z, p0, 0, 9, 2, 11, 4, 13, 6, 15)); // (w4, w0 + w1)
  const k1 = i16x8.add(i16x8.shuffle(p1, p0, 1, 8, 3, 10, 5, 12, 7, 14), o4); // (w3, w0 + w4)
  const k2 = i16x8.add(p1, o4); // (w2, w3 + w4)
  const bias = v128.load(bp), sc = v128.load(sp);
  const magic = v128.load(K, K_MAGIC), floor = v128.load(K, K_FLOOR), shift = v128.load(K, K_SHIFT);
  let n = N;
  do {
    const a = v128.load8x8_s(p), b = v128.load8x8_s(p + xp), c = v128.load8x8_s(p + 2 * xp);
    const ab = i16x8.shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11);
    const cz = i16x8.shuffle(c, zp16, 0, 8, 1, 9, 2, 10, 3, 11);
    const y0 = i32x4.add(i32x4.add(bias, i32x4.dot_i16x8_s(ab, p1)), i32x4.dot_i16x8_s(cz, k0));
    const y1 = i32x4.add(i32x4.add(bias, i32x4.dot_i16x8_s(ab, w12)), i32x4.dot_i16x8_s(cz, k1));
    const y2 = i32x4.add(i32x4.add(bias, i32x4.dot_i16x8_s(ab, p0)), i32x4.dot_i16x8_s(cz, k2));
    store3(FAST, y0, y1, y2, sc, magic, floor, shift, out, out + yp, out + 2 * yp, rr);
    p += xl;
    out += yl;
  } while (--n);
}

function line3Fast(p: usize, N: i32, xp: usize, xl: usize, out: usize, yp: usize, yl: usize, wg: usize, bp: usize, sp: usize, zp16: v128): void {
  line3(true, p, N, xp, xl, out, yp, yl, 4, wg, bp, sp, zp16);
}
function line3General(p: usize, N: i32, xp: usize, xl: usize, out: usize, yp: usize, yl: usize, rr: i32, wg: usize, bp: usize, sp: usize, zp16: v128): void {
  line3(false, p, N, xp, xl, out, yp, yl, rr, wg, bp, sp, zp16);
}

/** 1×5 on W = 3 (vertical = false) or 5×1 on H = 3 (vertical = true), stride 1. BIASP and K are set. */
export function dwLine3(x: usize, H: i32, W: i32, C: i32, xStride: i32, wts: usize, scale: usize, vertical: bool,
  y: usize, yStride: i32, qmax: i32, zpIn: i32): void {
  const zp16 = i16x8.splat(<i16>zpIn);
  const xs = <usize>xStride, ys = <usize>yStride;
  // N lines of 3 pixels: pixel i of line k is at x + k·xl + i·xp (output y + k·yl + i·yp).
  const N = vertical ? W : H;
  const xp = vertical ? <usize>W * xs : xs, xl = vertical ? xs : 3 * xs;
  const yp = vertical ? <usize>W * ys : ys, yl = vertical ? ys : 3 * ys;
  for (let g = 0; g < C; g += 4) {
    const o = <usize>g;
    const wg = wts + o * 12, bp = BIASP + (o << 2), sp = scale + (o << 2); // 3 pairs × 16 bytes per group of 4
    const rr = C - g;
    if (rr >= 4 && qmax == 127) line3Fast(x + o, N, xp, xl, y + o, yp, yl, wg, bp, sp, zp16);
    else line3General(x + o, N, xp, xl, y + o, yp, yl, min(rr, 4), wg, bp, sp, zp16);
  }
}
