// Depthwise 3×3, pad 1, stride 1 and 2 — the AVX-VNNI form of the relaxed build (variants
// depthwise_3x3s1_4x1_vnni_relaxed, depthwise_3x3s2_4x1_vnni_relaxed; stride 2 at the end). Runs only
// where the relaxed dot lowers to one vpdpbusd (lowering.ts relaxedDotIsVnni, decided at run time as
// for the pointwise VNNI tiles), and only for 3×3 s1 calls with C % 4 == 0 and W ≤ VMAXW (131: four
// quad rows of 64·W bytes fill the SIMD128 path's ring) and 3×3 s2 calls with C % 4 == 0 and
// W ≤ VMAXW2 (348); the dispatcher (simd128.ts depthwise_simd128) sends everything else to the SIMD128 paths.
//
// Per input row and block of 16 channels, a "quad row": for column j and group of four channels,
// 16 bytes = per channel c the bytes (x[j−1][c], x[j][c], x[j+1][c], x[j+1][c]) ^ 0x80 (unsigned;
// padding columns and rows zpIn ^ 0x80). Weights per group and tap row r: 16 bytes (w[c][r][0..2], 0),
// so the fourth byte never counts. Each output pixel of four channels is three relaxed dot-adds, one
// per tap row, on the quad entries of input rows oy − 1, oy, oy + 1 at column ox, from the start
// value biasʹ − 128·Σw (biasʹ = bias − zpIn·Σw from setup): Σ w·(x + 128) − 128·Σw = Σ w·x exactly
// (vpdpbusd: unsigned × signed bytes, i32 sums of four products, no saturation).
// Two output rows per pass (four quad rows, a ring; small maps: all rows of the map first).
// Loads stay inside the input: a block of 16 channels reads 16 bytes per pixel; the last block of a
// call with C % 16 in {4, 8, 12} reads exactly its 4, 8 or 12 bytes (loadTail). Stores stay inside
// the scratch (MAP: (H + 2)·W·64 ≤ MAP_BYTES; ring: 4·W·64 ≤ 4·PITCH) and the output's C channels.
//
// dw3x3Vnni and dw3x3VnniS2 are inlined into the dispatcher (simd128.ts depthwise_simd128), so its quad-row loops spend
// that function's V8 tier-up budget (Liftoff: loop back-edges and returns, by code size): the
// dispatcher is optimised (TurboFan) during the Worker's start-up warm-up. As a function of its own
// (branch vnnidw2), the 3×3 s1 layers' work left the dispatcher, whose budget then ran out in the
// first request instead (test/node/liftoff-recompiles.test.ts; on main before it, in the second).
import { BIASP, K, K_MAGIC, K_SHIFT, PITCH, loadFloor, modeOf, store1, store2 } from './common';
import { RQ_GENERAL, RQ_LEAN_FULL, RQ_LEAN_RELU } from '../../requant';

import { emitQuads, loadTail, padQuads, X80 } from './quads';
import { MAP, MAP_BYTES, RING } from './rows3x3';

// The SIMD128 path's buffers (rows3x3.ts): the ring holds four quad rows of up to VMAXW pixels.
export const VMAXW: i32 = (4 * PITCH) / 256;
const QRING: usize = RING;
const QMAP: usize = MAP;
/** Quad row of one input row (n ≤ 16 channels from p: 16 in every block but a call's last), W entries of 64 bytes at b. */
// @ts-ignore: decorator
@inline function quadRow(b: usize, p: usize, valid: bool, W: i32, xs: usize, pad: v128, n: i32): void {
  const end = b + (<usize>W << 6);
  if (!valid) {
    padQuads(b, end, pad);
    return;
  }
  const f = v128.load(X80);
  let A = pad;
  let B = v128.xor(loadTail(p, n), f);
  let e = b;
  const last = end - 64;
  p += xs;
  for (; e < last; e += 64) {
    const Cv = v128.xor(loadTail(p, n), f);
    emitQuads(e, A, B, Cv, Cv);
    A = B; B = Cv;
    p += xs;
  }
  emitQuads(e, A, B, pad, pad);
}

// @ts-ignore: decorator
@inline function passV(M: i32, TWO: bool, q0: usize, q1: usize, q2: usize, q3: usize, W: i32, out: usize, out1: usize, ys: usize,
  wg: usize, bp: usize, swp: usize, sp: usize): void {
  // wg: the group's six SIMD128 weight pairs; row r's pairs (w0, w1), (w2, 0) as i16 → bytes (w0, w1, w2, 0)
  const w0 = i8x16.shuffle(v128.load(wg), v128.load(wg, 16), 0, 2, 16, 18, 4, 6, 20, 22, 8, 10, 24, 26, 12, 14, 28, 30);
  const w1 = i8x16.shuffle(v128.load(wg, 32), v128.load(wg, 48), 0, 2, 16, 18, 4, 6, 20, 22, 8, 10, 24, 26, 12, 14, 28, 30);
  const w2 = i8x16.shuffle(v128.load(wg, 64), v128.load(wg, 80), 0, 2, 16, 18, 4, 6, 20, 22, 8, 10, 24, 26, 12, 14, 28, 30);
  // bp: biasʹ, bp2: Σw → start = biasʹ − 128·Σw
  const start = i32x4.sub(v128.load(bp), i32x4.shl(v128.load(swp), 7)), sc = v128.load(sp);
  const magic = v128.load(K, K_MAGIC), floor = loadFloor(M), shift = v128.load(K, K_SHIFT);
  const end = q0 + (<usize>W << 6);
  do {
    const x0 = v128.load(q0), x1 = v128.load(q1), x2 = v128.load(q2);
    const a0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w2, x2, i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, x1, i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, x0, start)));
    if (TWO) {
      const x3 = v128.load(q3);
      const a1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w2, x3, i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, x2, i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, x1, start)));
      store2(M, a0, a1, sc, magic, floor, shift, out, out1, 4);
      q3 += 64;
      out1 += ys;
    } else {
      store1(M, a0, sc, magic, floor, shift, out, 4);
    }
    q0 += 64; q1 += 64; q2 += 64;
    out += ys;
  } while (q0 < end);
}

function vTwoGeneral(q0: usize, q1: usize, q2: usize, q3: usize, W: i32, out: usize, out1: usize, ys: usize, wg: usize, bp: usize, swp: usize, sp: usize): void {
  passV(RQ_GENERAL, true, q0, q1, q2, q3, W, out, out1, ys, wg, bp, swp, sp);
}
function vTwoLeanFull(q0: usize, q1: usize, q2: usize, q3: usize, W: i32, out: usize, out1: usize, ys: usize, wg: usize, bp: usize, swp: usize, sp: usize): void {
  passV(RQ_LEAN_FULL, true, q0, q1, q2, q3, W, out, out1, ys, wg, bp, swp, sp);
}
function vTwoLeanRelu(q0: usize, q1: usize, q2: usize, q3: usize, W: i32, out: usize, out1: usize, ys: usize, wg: usize, bp: usize, swp: usize, sp: usize): void {
  passV(RQ_LEAN_RELU, true, q0, q1, q2, q3, W, out, out1, ys, wg, bp, swp, sp);
}
function vOne(m: i32, q0: usize, q1: usize, q2: usize, W: i32, out: usize, ys: usize, wg: usize, bp: usize, swp: usize, sp: usize): void {
  if (m == RQ_LEAN_FULL) passV(RQ_LEAN_FULL, false, q0, q1, q2, q2, W, out, out, ys, wg, bp, swp, sp);
  else if (m == RQ_LEAN_RELU) passV(RQ_LEAN_RELU, false, q0, q1, q2, q2, W, out, out, ys, wg, bp, swp, sp);
  else passV(RQ_GENERAL, false, q0, q1, q2, q2, W, out, out, ys, wg, bp, swp, sp);
}

// @ts-ignore: decorator
@inline function pass2(m: i32, two: bool, q0: usize, q1: usize, q2: usize, q3: usize, W: i32, out: usize, out1: usize, ys: usize, wg: usize, bp: usize, swp: usize, sp: usize): void {
  if (!two) vOne(m, q0, q1, q2, W, out, ys, wg, bp, swp, sp);
  else if (m == RQ_LEAN_FULL) vTwoLeanFull(q0, q1, q2, q3, W, out, out1, ys, wg, bp, swp, sp);
  else if (m == RQ_LEAN_RELU) vTwoLeanRelu(q0, q1, q2, q3, W, out, out1, ys, wg, bp, swp, sp);
  else vTwoGeneral(q0, q1, q2, q3, W, out, out1, ys, wg, bp, swp, sp);
}

/** 3×3 s1 pad 1, C % 4 == 0, W ≤ VMAXW. wts: the chunk's pairs (6 per group); sumw: its Σw; BIASP and K set. */
// @ts-ignore: decorator
@inline export function dw3x3Vnni(x: usize, H: i32, W: i32, C: i32, xStride: i32, wts: usize, sumw: usize, scale: usize,
  y: usize, yStride: i32, zpIn: i32): void {
  const pad = i8x16.splat(<i8>(zpIn ^ 0x80));
  const xs = <usize>xStride, ys = <usize>yStride;
  const rowIn = <usize>W * xs, rowOut = <usize>W * ys;
  const pm = <usize>W << 6;
  const isMap = (H + 2) * W * 64 <= MAP_BYTES;
  for (let c = 0; c < C; c += 16) {
    const groups = min(4, (C - c) >> 2);
    const xc = x + <usize>c;
    const full = C - c >= 16;
    if (isMap) {
      for (let iy = -1; iy <= H; iy++) {
        const b = QMAP + <usize>(iy + 1) * pm, p = xc + <usize>iy * rowIn, valid = iy >= 0 && iy < H;
        if (full) quadRow(b, p, valid, W, xs, pad, 16);
        else quadRow(b, p, valid, W, xs, pad, C - c);
      }
      for (let h = 0; h < groups; h++) {
        const g = c + 4 * h;
        const o = <usize>g, hb = <usize>(h << 4);
        const wg = wts + o * 24, bp = BIASP + (o << 2), swp = sumw + (o << 2), sp = scale + (o << 2);
        const m = modeOf(C - g);
        let q = QMAP + hb;
        let out = y + o;
        for (let oy = 0; oy < H; oy += 2) {
          pass2(m, oy + 1 < H, q, q + pm, q + 2 * pm, q + 3 * pm, W, out, out + rowOut, ys, wg, bp, swp, sp);
          q += 2 * pm;
          out += 2 * rowOut;
        }
      }
    } else {
      for (let oy = 0; oy < H; oy += 2) {
        // rows oy − 1 .. oy + 2 in slots (iy + 1) & 3
        for (let iy = oy == 0 ? -1 : oy + 1; iy <= oy + 2; iy++) {
          const b = QRING + <usize>((iy + 1) & 3) * pm, p = xc + <usize>iy * rowIn, valid = iy >= 0 && iy < H;
          if (full) quadRow(b, p, valid, W, xs, pad, 16);
          else quadRow(b, p, valid, W, xs, pad, C - c);
        }
        const s0 = QRING + <usize>(oy & 3) * pm, s1 = QRING + <usize>((oy + 1) & 3) * pm;
        const s2 = QRING + <usize>((oy + 2) & 3) * pm, s3 = QRING + <usize>((oy + 3) & 3) * pm;
        for (let h = 0; h < groups; h++) {
          const g = c + 4 * h;
          const o = <usize>g, hb = <usize>(h << 4);
          const wg = wts + o * 24, bp = BIASP + (o << 2), swp = sumw + (o << 2), sp = scale + (o << 2);
          const out = y + o + <usize>oy * rowOut;
          pass2(modeOf(C - g), oy + 1 < H, s0 + hb, s1 + hb, s2 + hb, s3 + hb, W, out, out + rowOut, ys, wg, bp, swp, sp);
        }
      }
    }
  }
}

// ---- Stride 2 ----
// The same form with stride 2: quad entry ox of an input row = (x[2ox − 1], x[2ox], x[2ox + 1], x[2ox + 1]) ^ 0x80,
// OW = ceil(W / 2) entries (the right padding column only when W is odd); one output row per pass, input rows
// 2oy − 1 .. 2oy + 1 in a ring of three (the previous bottom row reused, two built per pass).

/** Widest row of the stride-2 form: three quad rows of 64·OW bytes fill the ring (OW ≤ 174). */
export const VMAXW2: i32 = 2 * ((4 * PITCH) / 192);

/** Stride-2 quad row of one input row: OW = ceil(W / 2) entries of 64 bytes at b. */
// @ts-ignore: decorator
@inline function quadRowS2(b: usize, p: usize, valid: bool, W: i32, xs: usize, pad: v128, n: i32): void {
  const end = b + (<usize>((W + 1) >> 1) << 6);
  if (!valid) {
    padQuads(b, end, pad);
    return;
  }
  const f = v128.load(X80);
  let A = pad;
  let e = b;
  const full = b + (<usize>(W >> 1) << 6);
  for (; e < full; e += 64) {
    const B = v128.xor(loadTail(p, n), f);
    const Cv = v128.xor(loadTail(p + xs, n), f);
    emitQuads(e, A, B, Cv, Cv);
    A = Cv;
    p += xs << 1;
  }
  if (W & 1) emitQuads(e, A, v128.xor(loadTail(p, n), f), pad, pad);
}

/** 3×3 s2 pad 1, C % 4 == 0, W ≤ VMAXW2. wts: the chunk's pairs (6 per group); sumw: its Σw; BIASP and K set. */
// @ts-ignore: decorator
@inline export function dw3x3VnniS2(x: usize, H: i32, W: i32, C: i32, xStride: i32, wts: usize, sumw: usize, scale: usize,
  y: usize, yStride: i32, zpIn: i32): void {
  const pad = i8x16.splat(<i8>(zpIn ^ 0x80));
  const xs = <usize>xStride, ys = <usize>yStride;
  const OW = (W + 1) >> 1, OH = (H + 1) >> 1;
  const rowIn = <usize>W * xs, rowOut = <usize>OW * ys;
  const pm = <usize>OW << 6;
  for (let c = 0; c < C; c += 16) {
    const groups = min(4, (C - c) >> 2);
    const xc = x + <usize>c;
    const full = C - c >= 16;
    let r0 = QRING, r1 = QRING + pm, r2 = QRING + 2 * pm;
    for (let oy = 0; oy < OH; oy++) {
      if (oy > 0) { const t = r0; r0 = r2; r2 = t; }
      for (let k = oy == 0 ? 0 : 1; k < 3; k++) {
        const iy = 2 * oy - 1 + k;
        const b = k == 0 ? r0 : k == 1 ? r1 : r2, p = xc + <usize>iy * rowIn, valid = iy >= 0 && iy < H;
        if (full) quadRowS2(b, p, valid, W, xs, pad, 16);
        else quadRowS2(b, p, valid, W, xs, pad, C - c);
      }
      for (let h = 0; h < groups; h++) {
        const g = c + 4 * h;
        const o = <usize>g, hb = <usize>(h << 4);
        const wg = wts + o * 24, bp = BIASP + (o << 2), swp = sumw + (o << 2), sp = scale + (o << 2);
        vOne(modeOf(C - g), r0 + hb, r1 + hb, r2 + hb, OW, y + o + <usize>oy * rowOut, ys, wg, bp, swp, sp);
      }
    }
  }
}
