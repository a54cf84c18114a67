// Depthwise 3×3, pad 1, stride 1 or 2, rows up to MAXW pixels — the row-buffer paths (see simd128.ts).
//
// Per block of eight channels, input rows are expanded once into pair rows (common.ts) held in a
// ring; then each group of four channels makes a pass over the output row(s), every pixel a few dot
// products on consecutive entries: no borders, one shuffle, the weights and the requantization
// constants in registers.
//
// Stride 1, two output rows per pass (input rows oy − 1 .. oy + 2, a ring of four pair rows, two
// rebuilt per pass). With B_r[j] = (x_r[j − 1], x_r[j]):
//   acc = bias + B_0[ox]·(w00, w01) + B_1[ox]·(w10, w11) + (x_1[ox+1], x_0[ox+1])·(w12, w02)
//              + B_2[ox]·(w20, w21) + B_2[ox + 2]·(w22, 0)
// where (x_1[ox+1], x_0[ox+1]) is one blend of B_1[ox + 2] (even lanes) and B_0[ox + 1] (odd lanes):
// five dots for nine taps instead of six. The middle rows' loads serve both output rows.
// Stride 2, one output row per pass (rows 2oy − 1 .. 2oy + 1, a ring of three, two rebuilt per row),
// E_r[m] = (x_r[2m − 1], x_r[2m]), the middle row swapped, E'_1[m] = (x_1[2m], x_1[2m − 1]):
//   acc = bias + E_0[ox]·(w00, w01) + E'_1[ox]·(w11, w10) + (x_0[2ox+1], x_1[2ox+1])·(w02, w12)
//              + E_2[ox]·(w20, w21) + E_2[ox + 1]·(w22, 0)
// where (x_0[2ox+1], x_1[2ox+1]) is one blend of E_0[ox + 1] (even lanes) and E'_1[ox + 1] (odd lanes):
// five dots, as for stride 1 (six, and a spilled constant, with both rows in one order: 1.04×).
//
// Why this shape (measured, V8 11.3 x64): TurboFan schedules all of a block's loads first and does
// not fold loads into pmaddwd, so a loop body must keep (loaded values + loop-invariant vectors)
// within the 15 allocatable xmm registers or it spills whole loads. Four channels with five weight
// vectors in registers and two pixels per iteration is the largest body that stays lean; a body of
// eight channels with streamed weights spilled every load and ran 3× slower.
import { BIASP, K, K_MAGIC, K_SHIFT, PITCH, loadFloor, modeOf, pairRowS1, pairRowS2, store1, store2 } from './common';
import { RQ_GENERAL, RQ_LEAN_FULL, RQ_LEAN_RELU } from '../../requant';

/** Pair rows: a ring of four for stride 1 (three used for stride 2). */
export const RING: usize = memory.data(4 * PITCH + 64, 16);

// Entries are 32 bytes (channels 0-3, then 4-7); q pointers below are offset to their half.
// @ts-ignore: decorator
@inline function dot5(b0: usize, b1: usize, b2: usize, bias: v128, w0: v128, w1: v128, w2: v128, w3: v128, w4: v128): v128 {
  const t = i16x8.shuffle(v128.load(b1, 64), v128.load(b0, 32), 0, 9, 2, 11, 4, 13, 6, 15); // (x1[ox+1], x0[ox+1])
  const d0 = i32x4.add(bias, i32x4.dot_i16x8_s(v128.load(b0), w0));
  const d1 = i32x4.add(i32x4.dot_i16x8_s(v128.load(b1), w1), i32x4.dot_i16x8_s(t, w2));
  const d2 = i32x4.add(i32x4.dot_i16x8_s(v128.load(b2), w3), i32x4.dot_i16x8_s(v128.load(b2, 64), w4));
  return i32x4.add(d0, i32x4.add(d1, d2));
}

/** Stride 1: output rows from pair rows q0..q2 (and q1..q3 when TWO) for one group of four channels. */
// @ts-ignore: decorator
@inline function passS1(M: i32, TWO: bool, q0: usize, q1: usize, q2: usize, q3: usize, W: i32, out: usize, out1: usize, ys: usize,
  rr: i32, wg: usize, bp: usize, sp: usize): void {
  const p1 = v128.load(wg, 16), p3 = v128.load(wg, 48);
  const w0 = v128.load(wg), w1 = v128.load(wg, 32), w3 = v128.load(wg, 64), w4 = v128.load(wg, 80);
  const w2 = i16x8.shuffle(p3, p1, 0, 8, 2, 10, 4, 12, 6, 14); // (w12, w02)
  const bias = v128.load(bp), sc = v128.load(sp);
  const magic = v128.load(K, K_MAGIC), floor = loadFloor(M), shift = v128.load(K, K_SHIFT);
  const end = q0 + (<usize>W << 5);
  do {
    if (TWO) {
      store2(M, dot5(q0, q1, q2, bias, w0, w1, w2, w3, w4), dot5(q1, q2, q3, bias, w0, w1, w2, w3, w4), sc, magic, floor, shift, out, out1, rr);
      q3 += 32;
      out1 += ys;
    } else {
      store1(M, dot5(q0, q1, q2, bias, w0, w1, w2, w3, w4), sc, magic, floor, shift, out, rr);
    }
    q0 += 32; q1 += 32; q2 += 32;
    out += ys;
  } while (q0 < end);
}

/**
 * Stride 2: one output row from pair rows q0..q2 for one group of four channels; q1 (the middle row)
 * holds swapped pairs E'_1[m] = (x_1[2m], x_1[2m − 1]), so the right-column taps of rows 0 and 1 meet
 * in one blend: (x_0[2ox + 1], x_1[2ox + 1]) = even lanes of E_0[ox + 1], odd lanes of E'_1[ox + 1].
 */
// @ts-ignore: decorator
@inline function passS2(M: i32, q0: usize, q1: usize, q2: usize, OW: i32, out: usize, ys: usize, rr: i32, wg: usize, bp: usize, sp: usize): void {
  const p02 = v128.load(wg, 16), p1 = v128.load(wg, 32), p12 = v128.load(wg, 48);
  const w0 = v128.load(wg); // (w00, w01)
  const w1 = i16x8.shuffle(p1, p1, 1, 0, 3, 2, 5, 4, 7, 6); // (w11, w10)
  const wb = i16x8.shuffle(p02, p12, 0, 8, 2, 10, 4, 12, 6, 14); // (w02, w12)
  const w3 = v128.load(wg, 64), w4 = v128.load(wg, 80); // (w20, w21), (w22, 0)
  const bias = v128.load(bp), sc = v128.load(sp);
  const magic = v128.load(K, K_MAGIC), floor = loadFloor(M), shift = v128.load(K, K_SHIFT);
  const end = q0 + (<usize>OW << 5);
  do {
    const t = i16x8.shuffle(v128.load(q0, 32), v128.load(q1, 32), 0, 9, 2, 11, 4, 13, 6, 15); // (x0[2ox+1], x1[2ox+1])
    const d0 = i32x4.add(bias, i32x4.dot_i16x8_s(v128.load(q0), w0));
    const d1 = i32x4.add(i32x4.dot_i16x8_s(v128.load(q1), w1), i32x4.dot_i16x8_s(t, wb));
    const d2 = i32x4.add(i32x4.dot_i16x8_s(v128.load(q2), w3), i32x4.dot_i16x8_s(v128.load(q2, 32), w4));
    store1(M, i32x4.add(d0, i32x4.add(d1, d2)), sc, magic, floor, shift, out, rr);
    q0 += 32; q1 += 32; q2 += 32;
    out += ys;
  } while (q0 < end);
}

// One function per variant, so each is register-allocated on its own. M: the store mode (common.ts),
// a literal; the lean modes are full groups of four channels with qmax = 127.
function s1TwoLeanFull(q0: usize, q1: usize, q2: usize, q3: usize, W: i32, out: usize, out1: usize, ys: usize, wg: usize, bp: usize, sp: usize): void {
  passS1(RQ_LEAN_FULL, true, q0, q1, q2, q3, W, out, out1, ys, 4, wg, bp, sp);
}
function s1TwoLeanRelu(q0: usize, q1: usize, q2: usize, q3: usize, W: i32, out: usize, out1: usize, ys: usize, wg: usize, bp: usize, sp: usize): void {
  passS1(RQ_LEAN_RELU, true, q0, q1, q2, q3, W, out, out1, ys, 4, wg, bp, sp);
}
function s1OneLeanFull(q0: usize, q1: usize, q2: usize, W: i32, out: usize, ys: usize, wg: usize, bp: usize, sp: usize): void {
  passS1(RQ_LEAN_FULL, false, q0, q1, q2, q2, W, out, out, ys, 4, wg, bp, sp);
}
function s1OneLeanRelu(q0: usize, q1: usize, q2: usize, W: i32, out: usize, ys: usize, wg: usize, bp: usize, sp: usize): void {
  passS1(RQ_LEAN_RELU, false, q0, q1, q2, q2, W, out, out, ys, 4, wg, bp, sp);
}
function s1General(two: bool, q0: usize, q1: usize, q2: usize, q3: usize, W: i32, out: usize, out1: usize, ys: usize, rr: i32, wg: usize, bp: usize, sp: usize): void {
  if (two) passS1(RQ_GENERAL, true, q0, q1, q2, q3, W, out, out1, ys, rr, wg, bp, sp);
  else passS1(RQ_GENERAL, false, q0, q1, q2, q2, W, out, out, ys, rr, wg, bp, sp);
}
function s2LeanFull(q0: usize, q1: usize, q2: usize, OW: i32, out: usize, ys: usize, wg: usize, bp: usize, sp: usize): void {
  passS2(RQ_LEAN_FULL, q0, q1, q2, OW, out, ys, 4, wg, bp, sp);
}
function s2LeanRelu(q0: usize, q1: usize, q2: usize, OW: i32, out: usize, ys: usize, wg: usize, bp: usize, sp: usize): void {
  passS2(RQ_LEAN_RELU, q0, q1, q2, OW, out, ys, 4, wg, bp, sp);
}
function s2General(q0: usize, q1: usize, q2: usize, OW: i32, out: usize, ys: usize, rr: i32, wg: usize, bp: usize, sp: usize): void {
  passS2(RQ_GENERAL, q0, q1, q2, OW, out, ys, rr, wg, bp, sp);
}

// ---- Small maps, stride 1: every pair row of the map built first, then one call per group of four
// channels runs all its output rows (the weights and constants loaded once per group, not per pass).

/** Pair rows of a whole small map: (H + 2) rows of (W + 2) entries. */
export const MAP_BYTES: i32 = 16384;
export const MAP: usize = memory.data(MAP_BYTES + 64, 16);

// @ts-ignore: decorator
@inline function mapS1(M: i32, q: usize, pm: usize, H: i32, W: i32, out: usize, rowOut: usize, ys: usize, rr: i32, wg: usize, bp: usize, sp: usize): void {
  let oy = 0;
  for (; oy + 2 <= H; oy += 2) {
    passS1(M, true, q, q + pm, q + 2 * pm, q + 3 * pm, W, out, out + rowOut, ys, rr, wg, bp, sp);
    q += 2 * pm;
    out += 2 * rowOut;
  }
  if (oy < H) passS1(M, false, q, q + pm, q + 2 * pm, q + 2 * pm, W, out, out, ys, rr, wg, bp, sp);
}
function mapS1LeanFull(q: usize, pm: usize, H: i32, W: i32, out: usize, rowOut: usize, ys: usize, wg: usize, bp: usize, sp: usize): void {
  mapS1(RQ_LEAN_FULL, q, pm, H, W, out, rowOut, ys, 4, wg, bp, sp);
}
function mapS1LeanRelu(q: usize, pm: usize, H: i32, W: i32, out: usize, rowOut: usize, ys: usize, wg: usize, bp: usize, sp: usize): void {
  mapS1(RQ_LEAN_RELU, q, pm, H, W, out, rowOut, ys, 4, wg, bp, sp);
}
function mapS1General(q: usize, pm: usize, H: i32, W: i32, out: usize, rowOut: usize, ys: usize, rr: i32, wg: usize, bp: usize, sp: usize): void {
  mapS1(RQ_GENERAL, q, pm, H, W, out, rowOut, ys, rr, wg, bp, sp);
}

/** 3×3, pad 1, stride 1, (H + 2)·(W + 2)·32 ≤ MAP_BYTES. BIASP and K are set. */
export function dw3x3Map(x: usize, H: i32, W: i32, C: i32, xStride: i32, wts: usize, scale: usize,
  y: usize, yStride: i32, qmax: i32, zpIn: i32): void {
  const zp16 = i16x8.splat(<i16>zpIn);
  const xs = <usize>xStride, ys = <usize>yStride;
  const pm = <usize>(W + 2) << 5;
  const rowIn = <usize>W * xs;
  const rowOut = <usize>W * ys;
  for (let c = 0; c < C; c += 8) {
    const halves = C - c > 4 ? 2 : 1;
    const xc = x + <usize>c;
    for (let iy = -1; iy <= H; iy++) pairRowS1(1, MAP + <usize>(iy + 1) * pm, xc + <usize>iy * rowIn, iy >= 0 && iy < H, W, W + 2, xs, zp16);
    for (let h = 0; h < halves; h++) {
      const g = c + 4 * h;
      const o = <usize>g, hb = <usize>(h << 4);
      const wg = wts + o * 24, bp = BIASP + (o << 2), sp = scale + (o << 2);
      const rr = C - g;
      const m = modeOf(rr);
      if (m == RQ_LEAN_FULL) mapS1LeanFull(MAP + hb, pm, H, W, y + o, rowOut, ys, wg, bp, sp);
      else if (m == RQ_LEAN_RELU) mapS1LeanRelu(MAP + hb, pm, H, W, y + o, rowOut, ys, wg, bp, sp);
      else mapS1General(MAP + hb, pm, H, W, y + o, rowOut, ys, min(rr, 4), wg, bp, sp);
    }
  }
}

/** 3×3, pad 1, stride 1 or 2, W ≤ MAXW. wts: the chunk's pairs (6 per group of four); BIASP and K are set. */
export function dw3x3Rows(x: usize, H: i32, W: i32, C: i32, xStride: i32, wts: usize, scale: usize, stride: i32,
  y: usize, yStride: i32, qmax: i32, zpIn: i32): void {
  const zp16 = i16x8.splat(<i16>zpIn);
  const xs = <usize>xStride, ys = <usize>yStride;
  const P = <usize>PITCH;
  const rowIn = <usize>W * xs;
  const OW = (W - 1) / stride + 1;
  const rowOut = <usize>OW * ys;
  const OH = (H - 1) / stride + 1;
  // stride 1: two output rows per pass, input rows oy − 1 .. oy + 2 (ring of four, two rebuilt per
  // pass); stride 2: one, rows 2oy − 1 .. 2oy + 1 (ring of three, the previous bottom row reused)
  const rowsPerPass = stride == 1 ? 2 : 1;
  const ring = stride == 1 ? 4 : 3;
  for (let c = 0; c < C; c += 8) {
    const halves = C - c > 4 ? 2 : 1;
    const xc = x + <usize>c;
    let r0 = RING, r1 = RING + P, r2 = RING + 2 * P, r3 = RING + 3 * P;
    for (let oy = 0; oy < OH; oy += rowsPerPass) {
      if (oy > 0) {
        if (stride == 1) { let t = r0; r0 = r2; r2 = t; t = r1; r1 = r3; r3 = t; }
        else { const t = r0; r0 = r2; r2 = t; }
      }
      for (let k = oy == 0 ? 0 : ring - 2; k < ring; k++) {
        const iy = oy * stride - 1 + k;
        const b = k == 0 ? r0 : k == 1 ? r1 : k == 2 ? r2 : r3;
        if (stride == 1) pairRowS1(1, b, xc + <usize>iy * rowIn, iy >= 0 && iy < H, W, W + 2, xs, zp16);
        else if (k == 1) pairRowS2(true, 1, b, xc + <usize>iy * rowIn, iy >= 0 && iy < H, W, OW + 1, xs, zp16); // the middle row swapped
        else pairRowS2(false, 1, b, xc + <usize>iy * rowIn, iy >= 0 && iy < H, W, OW + 1, xs, zp16);
      }
      const two = stride == 1 && oy + 1 < H;
      for (let h = 0; h < halves; h++) {
        const g = c + 4 * h;
        const o = <usize>g, hb = <usize>(h << 4);
        const out = y + o + <usize>oy * rowOut;
        const wg = wts + o * 24, bp = BIASP + (o << 2), sp = scale + (o << 2);
        const rr = C - g;
        const m = modeOf(rr);
        if (stride == 1) {
          if (m == RQ_GENERAL) s1General(two, r0 + hb, r1 + hb, r2 + hb, r3 + hb, W, out, out + rowOut, ys, min(rr, 4), wg, bp, sp);
          else if (two) {
            if (m == RQ_LEAN_FULL) s1TwoLeanFull(r0 + hb, r1 + hb, r2 + hb, r3 + hb, W, out, out + rowOut, ys, wg, bp, sp);
            else s1TwoLeanRelu(r0 + hb, r1 + hb, r2 + hb, r3 + hb, W, out, out + rowOut, ys, wg, bp, sp);
          } else if (m == RQ_LEAN_FULL) s1OneLeanFull(r0 + hb, r1 + hb, r2 + hb, W, out, ys, wg, bp, sp);
          else s1OneLeanRelu(r0 + hb, r1 + hb, r2 + hb, W, out, ys, wg, bp, sp);
        } else {
          if (m == RQ_LEAN_FULL) s2LeanFull(r0 + hb, r1 + hb, r2 + hb, OW, out, ys, wg, bp, sp);
          else if (m == RQ_LEAN_RELU) s2LeanRelu(r0 + hb, r1 + hb, r2 + hb, OW, out, ys, wg, bp, sp);
          else s2General(r0 + hb, r1 + hb, r2 + hb, OW, out, ys, min(rr, 4), wg, bp, sp);
        }
      }
    }
  }
}
