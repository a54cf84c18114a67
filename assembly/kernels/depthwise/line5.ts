// Depthwise 1×5 and 5×1, stride 1, pad 2 — the DFC attention's two convolutions (see simd128.ts).
//
// Both are one 5-tap convolution along lines: 1×5 along rows, 5×1 along columns (the same code with
// the pixel and line steps swapped; a column's pixels are a row apart, which these small maps keep
// in cache). Per group of four channels, one call runs every line with the weights and the
// requantization constants in registers.
import { BIASP, K, K_MAGIC, K_SHIFT, loadFloor, modeOf, store1, store2, store3 } from './common';
import { RQ_GENERAL, RQ_LEAN_FULL, RQ_LEAN_RELU } from '../../requant';

// ---- Lines in registers (1×5 / 5×1 on lines of L ≥ 4 pixels)
// A sliding window of three pairs of the line, P(m) = (x[m], x[m + 1]) (zpIn outside), carried in
// registers from one step to the next: step k makes outputs 2k and 2k + 1 from A = P(2k − 2),
// B = P(2k), C = P(2k + 2):
//   y[2k]     = bias + A·(w0, w1) + B·(w2, w3) + C·(w4, 0)
//   y[2k + 1] = bias + A·(0, w0)  + B·(w1, w2) + C·(w3, w4)
// so a step loads two pixels and makes one interleave (C) for two outputs, and nothing is stored
// but the outputs. It replaced pair rows (common.ts) built for two lines at a time, eight channels,
// then three dots per pixel on stored entries: 1.04-1.08× on 28², 1.12-1.16× on 14², 1.15-1.19× on 7².

// @ts-ignore: decorator
@inline function pairOf(a: v128, b: v128): v128 {
  return i16x8.shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11);
}

// @ts-ignore: decorator
@inline function lineReg(M: i32, p: usize, N: i32, L: i32, xp: usize, xl: usize, out: usize, yp: usize, yl: usize, rr: i32,
  wg: usize, bp: usize, sp: usize, zp16: v128): void {
  const p0 = v128.load(wg), p1 = v128.load(wg, 16), p2 = v128.load(wg, 32);
  const q0 = i16x8.shuffle(i32x4.splat(0), p0, 0, 8, 2, 10, 4, 12, 6, 14); // (0, w0)
  const q1 = i16x8.shuffle(p0, p1, 1, 8, 3, 10, 5, 12, 7, 14); // (w1, w2)
  const q2 = i16x8.shuffle(p1, p2, 1, 8, 3, 10, 5, 12, 7, 14); // (w3, w4)
  const bias = v128.load(bp), sc = v128.load(sp);
  const magic = v128.load(K, K_MAGIC), floor = loadFloor(M), shift = v128.load(K, K_SHIFT);
  const last = <usize>(L - 1) * xp;
  const xp2 = xp << 1, yp2 = yp << 1;
  let n = N;
  do {
    let A = zp16;
    let B = pairOf(v128.load8x8_s(p), v128.load8x8_s(p + xp));
    let q = p + xp2, o = out;
    const qEnd = p + last;
    while (q < qEnd) {
      const C = pairOf(v128.load8x8_s(q), v128.load8x8_s(q + xp));
      const y0 = i32x4.add(i32x4.add(bias, i32x4.dot_i16x8_s(A, p0)), i32x4.add(i32x4.dot_i16x8_s(B, p1), i32x4.dot_i16x8_s(C, p2)));
      const y1 = i32x4.add(i32x4.add(bias, i32x4.dot_i16x8_s(A, q0)), i32x4.add(i32x4.dot_i16x8_s(B, q1), i32x4.dot_i16x8_s(C, q2)));
      store2(M, y0, y1, sc, magic, floor, shift, o, o + yp, rr);
      A = B;
      B = C;
      q += xp2;
      o += yp2;
    }
    // the last two or three outputs: C runs past the line's end (zpIn)
    const C = L & 1 ? pairOf(v128.load8x8_s(q), zp16) : zp16;
    const y0 = i32x4.add(i32x4.add(bias, i32x4.dot_i16x8_s(A, p0)), i32x4.add(i32x4.dot_i16x8_s(B, p1), i32x4.dot_i16x8_s(C, p2)));
    const y1 = i32x4.add(i32x4.add(bias, i32x4.dot_i16x8_s(A, q0)), i32x4.add(i32x4.dot_i16x8_s(B, q1), i32x4.dot_i16x8_s(C, q2)));
    store2(M, y0, y1, sc, magic, floor, shift, o, o + yp, rr);
    if (L & 1) {
      const y2 = i32x4.add(i32x4.add(bias, i32x4.dot_i16x8_s(B, p0)), i32x4.add(i32x4.dot_i16x8_s(C, p1), i32x4.dot_i16x8_s(zp16, p2)));
      store1(M, y2, sc, magic, floor, shift, o + yp2, rr);
    }
    p += xl;
    out += yl;
  } while (--n);
}

// Lean modes: all full groups in one call.
// @ts-ignore: decorator
@inline function lineRegGroups(M: i32, x: usize, G: i32, N: i32, L: i32, xp: usize, xl: usize, y: usize, yp: usize, yl: usize, wts: usize, scale: usize, zp16: v128): void {
  let bp = BIASP, sp = scale, wg = wts;
  const end = x + (<usize>G << 2);
  do {
    lineReg(M, x, N, L, xp, xl, y, yp, yl, 4, wg, bp, sp, zp16);
    x += 4; y += 4; wg += 48; bp += 16; sp += 16;
  } while (x < end);
}
function lineRegAllLeanFull(x: usize, G: i32, N: i32, L: i32, xp: usize, xl: usize, y: usize, yp: usize, yl: usize, wts: usize, scale: usize, zp16: v128): void {
  lineRegGroups(RQ_LEAN_FULL, x, G, N, L, xp, xl, y, yp, yl, wts, scale, zp16);
}
function lineRegAllLeanRelu(x: usize, G: i32, N: i32, L: i32, xp: usize, xl: usize, y: usize, yp: usize, yl: usize, wts: usize, scale: usize, zp16: v128): void {
  lineRegGroups(RQ_LEAN_RELU, x, G, N, L, xp, xl, y, yp, yl, wts, scale, zp16);
}
function lineRegGeneral(p: usize, N: i32, L: i32, xp: usize, xl: usize, out: usize, yp: usize, yl: usize, rr: i32, wg: usize, bp: usize, sp: usize, zp16: v128): void {
  lineReg(RQ_GENERAL, p, N, L, xp, xl, out, yp, yl, rr, wg, bp, sp, zp16);
}

/** 1×5 (vertical = false) or 5×1 (vertical = true), stride 1, lines of L ≥ 4 pixels. BIASP and K are set. */
// @ts-ignore: decorator
@inline export function dwLineReg(x: usize, H: i32, W: i32, C: i32, xStride: i32, wts: usize, scale: usize, vertical: bool,
  y: usize, yStride: i32, qmax: i32, zpIn: i32): void {
  const zp16 = i16x8.splat(<i16>zpIn);
  const xs = <usize>xStride, ys = <usize>yStride;
  const N = vertical ? W : H, L = vertical ? H : W;
  const xp = vertical ? <usize>W * xs : xs, xl = vertical ? xs : <usize>W * xs;
  const yp = vertical ? <usize>W * ys : ys, yl = vertical ? ys : <usize>W * ys;
  const m = modeOf(4);
  let g = 0;
  if (m >= RQ_LEAN_FULL && C >= 4) {
    const G = C >> 2;
    if (m == RQ_LEAN_FULL) lineRegAllLeanFull(x, G, N, L, xp, xl, y, yp, yl, wts, scale, zp16);
    else lineRegAllLeanRelu(x, G, N, L, xp, xl, y, yp, yl, wts, scale, zp16);
    g = G << 2;
  }
  for (; g < C; g += 4) {
    const o = <usize>g;
    const wg = wts + o * 12, bp = BIASP + (o << 2), sp = scale + (o << 2); // 3 pairs × 16 bytes per group of 4
    lineRegGeneral(x + o, N, L, xp, xl, y + o, yp, yl, min(C - g, 4), wg, bp, sp, zp16);
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
@inline function line3(M: i32, p: usize, N: i32, xp: usize, xl: usize, out: usize, yp: usize, yl: usize, rr: i32, wg: usize, bp: usize, sp: usize, zp16: v128): void {
  const p0 = v128.load(wg), p1 = v128.load(wg, 16), p2 = v128.load(wg, 32);
  const z = i32x4.splat(0);
  const w12 = i16x8.shuffle(p0, p1, 1, 8, 3, 10, 5, 12, 7, 14); // (w1, w2)
  const o4 = i16x8.shuffle(z, p2, 0, 8, 2, 10, 4, 12, 6, 14); // (0, w4)
  const k0 = i16x8.add(i16x8.shuffle(p2, p0, 0, 8, 2, 10, 4, 12, 6, 14), i16x8.shuffle(z, p0, 0, 9, 2, 11, 4, 13, 6, 15)); // (w4, w0 + w1)
  const k1 = i16x8.add(i16x8.shuffle(p1, p0, 1, 8, 3, 10, 5, 12, 7, 14), o4); // (w3, w0 + w4)
  const k2 = i16x8.add(p1, o4); // (w2, w3 + w4)
  const bias = v128.load(bp), sc = v128.load(sp);
  const magic = v128.load(K, K_MAGIC), floor = loadFloor(M), shift = v128.load(K, K_SHIFT);
  let n = N;
  do {
    const a = v128.load8x8_s(p), b = v128.load8x8_s(p + xp), c = v128.load8x8_s(p + 2 * xp);
    const ab = i16x8.shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11);
    const cz = i16x8.shuffle(c, zp16, 0, 8, 1, 9, 2, 10, 3, 11);
    const y0 = i32x4.add(i32x4.add(bias, i32x4.dot_i16x8_s(ab, p1)), i32x4.dot_i16x8_s(cz, k0));
    const y1 = i32x4.add(i32x4.add(bias, i32x4.dot_i16x8_s(ab, w12)), i32x4.dot_i16x8_s(cz, k1));
    const y2 = i32x4.add(i32x4.add(bias, i32x4.dot_i16x8_s(ab, p0)), i32x4.dot_i16x8_s(cz, k2));
    store3(M, y0, y1, y2, sc, magic, floor, shift, out, out + yp, out + 2 * yp, rr);
    p += xl;
    out += yl;
  } while (--n);
}

// Lean modes: all full groups in one call (the 3×3 maps have 960 channels and three lines per group:
// a call per group was a fifth of the time).
// @ts-ignore: decorator
@inline function line3Groups(M: i32, x: usize, G: i32, N: i32, xp: usize, xl: usize, y: usize, yp: usize, yl: usize, wts: usize, scale: usize, zp16: v128): void {
  let bp = BIASP, sp = scale, wg = wts;
  const end = x + (<usize>G << 2);
  do {
    line3(M, x, N, xp, xl, y, yp, yl, 4, wg, bp, sp, zp16);
    x += 4; y += 4; wg += 48; bp += 16; sp += 16;
  } while (x < end);
}
function line3AllLeanFull(x: usize, G: i32, N: i32, xp: usize, xl: usize, y: usize, yp: usize, yl: usize, wts: usize, scale: usize, zp16: v128): void {
  line3Groups(RQ_LEAN_FULL, x, G, N, xp, xl, y, yp, yl, wts, scale, zp16);
}
function line3AllLeanRelu(x: usize, G: i32, N: i32, xp: usize, xl: usize, y: usize, yp: usize, yl: usize, wts: usize, scale: usize, zp16: v128): void {
  line3Groups(RQ_LEAN_RELU, x, G, N, xp, xl, y, yp, yl, wts, scale, zp16);
}
function line3General(p: usize, N: i32, xp: usize, xl: usize, out: usize, yp: usize, yl: usize, rr: i32, wg: usize, bp: usize, sp: usize, zp16: v128): void {
  line3(RQ_GENERAL, p, N, xp, xl, out, yp, yl, rr, wg, bp, sp, zp16);
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
  const m = modeOf(4);
  let g = 0;
  if (m >= RQ_LEAN_FULL && C >= 4) {
    const G = C >> 2;
    if (m == RQ_LEAN_FULL) line3AllLeanFull(x, G, N, xp, xl, y, yp, yl, wts, scale, zp16);
    else line3AllLeanRelu(x, G, N, xp, xl, y, yp, yl, wts, scale, zp16);
    g = G << 2;
  }
  for (; g < C; g += 4) {
    const o = <usize>g;
    const wg = wts + o * 12, bp = BIASP + (o << 2), sp = scale + (o << 2); // 3 pairs × 16 bytes per group of 4
    line3General(x + o, N, xp, xl, y + o, yp, yl, min(C - g, 4), wg, bp, sp, zp16);
  }
}
