// stem — SIMD128 direct kernel for the 3x3 stride-2 pad-1 convolution of the 3-channel input
// (bit-exact with reference.ts). No im2col pass and no GEMM convert:
//
// - Per output row, its input rows 0 and 1 are sign-extended once into one interleaved i16 pair row
//   (entry (column, channel) = (row 0's value, row 1's value)) and row 2 into a plain i16 row, each
//   with a zpIn column on either side (rows above the image read as zpIn).
// - The weights, 14 k-pairs of the pointwise packing (cin 27: the stem's packed weights are the
//   GEMM's), are expanded per call into a table of plain i16 pairs matching those rows: pairs 0..8 =
//   (w[ky=0][k], w[ky=1][k]) for k = kx*3 + c, pairs 9..13 = two consecutive taps of row 2 (the last
//   with a zero weight); per group of 16 channels, per pair, four vectors (channels 0-3 ... 12-15).
// - Tile: 2 pixels × 16 channels (8 accumulators, channels in the lanes), one k-pair a step, read in
//   place: 9 steps on the pair row, then 5 on row 2 (two loops: one loop switching pointers with a
//   select ran 1.07× against 1.23×, and AssemblyScript cannot return the eight accumulators from a
//   shared helper). Each pixel's pair is one load32_splat (no shuffle: a pure load on x64), the four
//   weight vectors are loads, 8 dots and 8 adds. No Σx, no transpose; the epilogue requantizes 4
//   channels per instruction and narrows a pixel's 16 channels into one 16-byte store.
import { c2x8Channels0to3, c2x8Channels4to7 } from '../pointwise/lanes';
import { clampMaxPass, storeBytes } from '../pointwise/output';
import { MAGIC, narrow16, requant4, rqFloor, rqShift } from '../../requant';

/** k-pairs: 9 of rows 0 and 1 interleaved, 5 of row 2 (the last with a zero weight). */
const PAIRS01 = 9;
const PAIRS2 = 5;
/** Table bytes per group of 16 channels: 14 pairs × 4 vectors. */
const GROUP: usize = 896;
/** Per-call requantization constants (magic, floor or the lean form's qmin bytes, shift), loaded by each tile. */
const C: usize = memory.data(48, 16);

/** Bytes of the interleaved i16 row pair: (W + 2) columns of 3 (row a, row b) pairs, plus overrun. */
// @ts-ignore: decorator
@inline
function pairRowBytes(W: i32): usize {
  return (<usize>(W + 2) * 12 + 48 + 15) & ~15;
}
/** Bytes of one plain i16 row: (W + 2) columns of 3 values, plus the conversion's overrun. */
// @ts-ignore: decorator
@inline
function rowBytes(W: i32): usize {
  return (<usize>(W + 2) * 6 + 32 + 15) & ~15;
}

export function stem_scratch_size(W: i32, cout: i32): i32 {
  return <i32>(<usize>((cout + 15) >> 4) * GROUP + pairRowBytes(W) + rowBytes(W) + 16);
}

/** Weight o, tap K (ky*9 + kx*3 + c) of the c2x8 packed weights (pointwise simd128.ts, cin 27: kp 32); 0 past them. */
// @ts-ignore: decorator
@inline
function packedWeight(packed: usize, cout: i32, o: i32, K: i32): i32 {
  if (o >= cout || K >= 27) return 0;
  const b = packed + (<usize>(o >> 3) << 8) + (<usize>(K >> 1) << 4) + (<usize>(o & 3) << 2) + (<usize>(K & 1) << 1);
  return (o & 4) == 0 ? <i32>load<i8>(b, 1) : <i32>load<u8>(b) - 128;
}

/**
 * The table t: per group of 16 channels, per k-pair, four i16x8 vectors (channels 0-3 ... 12-15) of the
 * channels' weight pairs. Pairs 0..8: (w[0·9 + k], w[1·9 + k]) for k = kx*3 + c (rows 0 and 1 of the
 * same tap); pairs 9..13: (w[18 + 2m], w[18 + 2m + 1]) (row 2; the last pair's second weight is 0).
 */
// @ts-ignore: decorator
@inline function expand(packed: usize, cout: i32, t: usize): void {
  const n = (cout + 15) & ~15;
  for (let o = 0; o < n; o++) {
    const d = t + <usize>(o >> 4) * GROUP + (<usize>(o & 15) << 2);
    for (let j = 0; j < PAIRS01; j++) {
      store<i16>(d + (<usize>j << 6), <i16>packedWeight(packed, cout, o, j));
      store<i16>(d + (<usize>j << 6), <i16>packedWeight(packed, cout, o, 9 + j), 2);
    }
    for (let m = 0; m < PAIRS2; m++) {
      store<i16>(d + (<usize>(PAIRS01 + m) << 6), <i16>packedWeight(packed, cout, o, 18 + 2 * m));
      store<i16>(d + (<usize>(PAIRS01 + m) << 6), <i16>packedWeight(packed, cout, o, 19 + 2 * m), 2);
    }
  }
}

/**
 * Input rows a and b (W pixels × 3, int8; zpIn where !inA / !inB) → the interleaved i16 pair row d:
 * entry (column i, channel c) at d + 12(i + 1) + 4c = (a[i][c], b[i][c]); zpIn pairs at columns −1 and W.
 */
function pairRow(a: usize, inA: bool, b: usize, inB: bool, W: i32, zp16: v128, d: usize): void {
  v128.store(d, zp16);
  const n = <usize>W * 3;
  if (inA && inB) {
    for (let i: usize = 0; i < n; i += 8) {
      const va = v128.load8x8_s(a + i), vb = v128.load8x8_s(b + i);
      v128.store(d + 12 + (i << 2), i16x8.shuffle(va, vb, 0, 8, 1, 9, 2, 10, 3, 11));
      v128.store(d + 12 + (i << 2), i16x8.shuffle(va, vb, 4, 12, 5, 13, 6, 14, 7, 15), 16);
    }
  } else {
    for (let i: usize = 0; i < n; i += 8) {
      const va = inA ? v128.load8x8_s(a + i) : zp16, vb = inB ? v128.load8x8_s(b + i) : zp16;
      v128.store(d + 12 + (i << 2), i16x8.shuffle(va, vb, 0, 8, 1, 9, 2, 10, 3, 11));
      v128.store(d + 12 + (i << 2), i16x8.shuffle(va, vb, 4, 12, 5, 13, 6, 14, 7, 15), 16);
    }
  }
  v128.store(d + 12 + n * 4, zp16);
}

/** Input row src (W pixels × 3, int8), or zpIn if !inside, → i16 row d: zpIn, the row, zpIn. */
function convertRow(src: usize, inside: bool, W: i32, zp16: v128, d: usize): void {
  v128.store(d, zp16);
  if (inside) {
    const n = <usize>W * 3;
    for (let i: usize = 0; i < n; i += 8) v128.store(d + 6 + (i << 1), v128.load8x8_s(src + i));
  } else {
    const n = <usize>W * 6;
    for (let i: usize = 0; i < n; i += 16) v128.store(d + 6 + i, zp16);
  }
  v128.store(d + 6 + <usize>W * 6, zp16);
}

/** Stores the first n (1..16) bytes of q. */
// @ts-ignore: decorator
@inline
function storeN(p: usize, q: v128, n: i32): void {
  if (n == 16) v128.store(p, q);
  else {
    if (n & 8) {
      v128.store64_lane(p, q, 0);
      q = i64x2.shuffle(q, q, 1, 1);
      p += 8;
    }
    storeBytes(p, q, n & 7);
  }
}

/**
 * P (1, 2) pixels × 4·NV (1..4 vectors) channels of one group: p01 / p2 = pixel 0's column in the pair
 * row / in row 2, t = the group's table, y = pixel 0's output at the group's first channel, n = channels to store.
 */
// @ts-ignore: decorator
@inline
function tile(LEAN: bool, NV: i32, P: i32, p01: usize, p2: usize, t: usize, bias: usize, scale: usize, y: usize, ys: usize, n: i32): void {
  let a0 = v128.load(bias);
  let a1 = NV > 1 ? v128.load(bias, 16) : a0;
  let a2 = NV > 2 ? v128.load(bias, 32) : a0;
  let a3 = NV > 3 ? v128.load(bias, 48) : a0;
  let b0 = a0, b1 = a1, b2 = a2, b3 = a3;
  let w = t;
  let s = p01;
  let end = p01 + (PAIRS01 << 2);
  do {
    const xa = v128.load32_splat(s);
    const xb = P > 1 ? v128.load32_splat(s + 24) : xa;
    const w0 = v128.load(w);
    const w1 = NV > 1 ? v128.load(w, 16) : w0;
    const w2 = NV > 2 ? v128.load(w, 32) : w0;
    const w3 = NV > 3 ? v128.load(w, 48) : w0;
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(xa, w0));
    if (P > 1) b0 = i32x4.add(b0, i32x4.dot_i16x8_s(xb, w0));
    if (NV > 1) {
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(xa, w1));
      if (P > 1) b1 = i32x4.add(b1, i32x4.dot_i16x8_s(xb, w1));
    }
    if (NV > 2) {
      a2 = i32x4.add(a2, i32x4.dot_i16x8_s(xa, w2));
      if (P > 1) b2 = i32x4.add(b2, i32x4.dot_i16x8_s(xb, w2));
    }
    if (NV > 3) {
      a3 = i32x4.add(a3, i32x4.dot_i16x8_s(xa, w3));
      if (P > 1) b3 = i32x4.add(b3, i32x4.dot_i16x8_s(xb, w3));
    }
    s += 4;
    w += 64;
  } while (s < end);
  s = p2;
  end = p2 + (PAIRS2 << 2);
  do {
    const xa = v128.load32_splat(s);
    const xb = P > 1 ? v128.load32_splat(s + 12) : xa;
    const w0 = v128.load(w);
    const w1 = NV > 1 ? v128.load(w, 16) : w0;
    const w2 = NV > 2 ? v128.load(w, 32) : w0;
    const w3 = NV > 3 ? v128.load(w, 48) : w0;
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(xa, w0));
    if (P > 1) b0 = i32x4.add(b0, i32x4.dot_i16x8_s(xb, w0));
    if (NV > 1) {
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(xa, w1));
      if (P > 1) b1 = i32x4.add(b1, i32x4.dot_i16x8_s(xb, w1));
    }
    if (NV > 2) {
      a2 = i32x4.add(a2, i32x4.dot_i16x8_s(xa, w2));
      if (P > 1) b2 = i32x4.add(b2, i32x4.dot_i16x8_s(xb, w2));
    }
    if (NV > 3) {
      a3 = i32x4.add(a3, i32x4.dot_i16x8_s(xa, w3));
      if (P > 1) b3 = i32x4.add(b3, i32x4.dot_i16x8_s(xb, w3));
    }
    s += 4;
    w += 64;
  } while (s < end);
  const magic = v128.load(C), floor = v128.load(C, 16), shift = v128.load(C, 32);
  const s0 = v128.load(scale);
  const s1 = NV > 1 ? v128.load(scale, 16) : s0;
  const s2 = NV > 2 ? v128.load(scale, 32) : s0;
  const s3 = NV > 3 ? v128.load(scale, 48) : s0;
  const r0 = requant4(LEAN, a0, s0, magic, floor, shift);
  const r1 = NV > 1 ? requant4(LEAN, a1, s1, magic, floor, shift) : r0;
  const r2 = NV > 2 ? requant4(LEAN, a2, s2, magic, floor, shift) : r0;
  const r3 = NV > 3 ? requant4(LEAN, a3, s3, magic, floor, shift) : r0;
  storeN(y, LEAN ? i8x16.max_s(narrow16(r0, r1, r2, r3), floor) : narrow16(r0, r1, r2, r3), n);
  if (P > 1) {
    const q0 = requant4(LEAN, b0, s0, magic, floor, shift);
    const q1 = NV > 1 ? requant4(LEAN, b1, s1, magic, floor, shift) : q0;
    const q2 = NV > 2 ? requant4(LEAN, b2, s2, magic, floor, shift) : q0;
    const q3 = NV > 3 ? requant4(LEAN, b3, s3, magic, floor, shift) : q0;
    storeN(y + ys, LEAN ? i8x16.max_s(narrow16(q0, q1, q2, q3), floor) : narrow16(q0, q1, q2, q3), n);
  }
}

/** All channel groups of P pixels at columns p01 / p2 of the rows, output y. */
// @ts-ignore: decorator
@inline
function pixels(LEAN: bool, P: i32, p01: usize, p2: usize, t: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize): void {
  for (let g = 0; g < cout; g += 16) {
    const n = min(16, cout - g);
    const tg = t + <usize>(g >> 4) * GROUP, bg = bias + (<usize>g << 2), sg = scale + (<usize>g << 2), yg = y + <usize>g;
    if (n > 12) tile(LEAN, 4, P, p01, p2, tg, bg, sg, yg, ys, n);
    else if (n > 8) tile(LEAN, 3, P, p01, p2, tg, bg, sg, yg, ys, n);
    else if (n > 4) tile(LEAN, 2, P, p01, p2, tg, bg, sg, yg, ys, n);
    else tile(LEAN, 1, P, p01, p2, tg, bg, sg, yg, ys, n);
  }
}

/** Every output row, with the lean (LEAN) or the general requantization. */
// @ts-ignore: decorator
@inline
function rows(LEAN: bool, x: usize, H: i32, W: i32, zpIn: i32, OH: i32, OW: i32, t: usize, r01: usize, r2: usize, bias: usize, scale: usize,
  cout: i32, y: usize, ys: usize): void {
  const zp16 = i16x8.splat(<i16>zpIn);
  const inRow = <usize>W * 3;
  for (let oy = 0; oy < OH; oy++) {
    const iy = 2 * oy - 1;
    const a = x + <usize>iy * inRow;
    pairRow(a, iy >= 0, a + inRow, true, W, zp16, r01);
    convertRow(a + 2 * inRow, iy + 2 < H, W, zp16, r2);
    let yp = y + <usize>(oy * OW) * ys;
    let p01 = r01, p2 = r2;
    let ox = 0;
    if ((cout & 15) == 0) {
      // whole groups of 16 (GhostNetV2-1.0's stem: one): no channel tail, whole 16-byte stores
      for (; ox + 2 <= OW; ox += 2) {
        for (let g = 0; g < cout; g += 16)
          tile(LEAN, 4, 2, p01, p2, t + <usize>(g >> 4) * GROUP, bias + (<usize>g << 2), scale + (<usize>g << 2), yp + <usize>g, ys, 16);
        p01 += 48;
        p2 += 24;
        yp += ys << 1;
      }
    } else {
      for (; ox + 2 <= OW; ox += 2) {
        pixels(LEAN, 2, p01, p2, t, bias, scale, cout, yp, ys);
        p01 += 48;
        p2 += 24;
        yp += ys << 1;
      }
    }
    if (ox < OW) pixels(LEAN, 1, p01, p2, t, bias, scale, cout, yp, ys);
  }
}

function rowsLean(x: usize, H: i32, W: i32, zpIn: i32, OH: i32, OW: i32, t: usize, r01: usize, r2: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize): void {
  rows(true, x, H, W, zpIn, OH, OW, t, r01, r2, bias, scale, cout, y, ys);
}

function rowsGeneral(x: usize, H: i32, W: i32, zpIn: i32, OH: i32, OW: i32, t: usize, r01: usize, r2: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize): void {
  rows(false, x, H, W, zpIn, OH, OW, t, r01, r2, bias, scale, cout, y, ys);
}

/**
 * Whether every product f32(acc)·scale of the call is within ±2^21, so that the lean requantization
 * (requant.ts requantLean4: no floor, qmin as one byte max after the narrows) is exact:
 * |acc| ≤ max |bias| + 27·128·128 (+1 should the int32 sum wrap), times max |scale| (f64; NaN fails).
 */
function leanBound(bias: usize, scale: usize, cout: i32): bool {
  let mb: f64 = 0,
    ms: f64 = 0;
  for (let o = 0; o < cout; o++) {
    mb = max(mb, abs(<f64>load<i32>(bias + (<usize>o << 2))));
    ms = max(ms, abs(<f64>load<f32>(scale + (<usize>o << 2))));
  }
  return (mb + 27 * 128 * 128 + 1) * ms <= 2097152.0;
}

// @ts-ignore: decorator
@inline export function stem_3x3s2(
  x: usize, H: i32, W: i32, zpIn: i32, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32, scratch: usize,
): void {
  const OH = (H + 1) >> 1, OW = (W + 1) >> 1;
  const t = scratch;
  const r01 = t + <usize>((cout + 15) >> 4) * GROUP, r2 = r01 + pairRowBytes(W);
  expand(packed, cout, t);
  v128.store(C, f32x4.splat(MAGIC));
  v128.store(C, rqShift(zpOut), 32);
  const lean = leanBound(bias, scale, cout);
  v128.store(C, lean ? i8x16.splat(<i8>qmin) : rqFloor(zpOut, qmin), 16);
  if (lean) rowsLean(x, H, W, zpIn, OH, OW, t, r01, r2, bias, scale, cout, y, <usize>yStride);
  else rowsGeneral(x, H, W, zpIn, OH, OW, t, r01, r2, bias, scale, cout, y, <usize>yStride);
  if (qmax < 127) clampMaxPass(y, OH * OW, cout, yStride, qmax);
}
