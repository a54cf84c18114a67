// pointwise — SIMD128 tile with pixels in the lanes, for the small-channel 1x1 layers (bit-exact
// with reference.ts). The c2x8 tiles (simd128.ts) put output channels in the lanes and broadcast each
// pixel's k-pair with a shuffle; on the high-resolution layers with few channels (112² 16→8, the
// stem's 27→16, 56² 48→12 ...) one tile's activation convert and epilogue (Σx correction, then
// requantization with ~14 spill moves) weigh as much as its whole k loop.
//
// Here an accumulator is ONE output channel of FOUR pixels: per k-pair, the four pixels' (x[k], x[k+1])
// i16 pairs are one vector of the converted tile (the same [pair][pixel] transpose as simd128.ts, with
// no Σx), and the channel's weight pair is one 16-byte load of a pre-broadcast vector. So the loop has
// no shuffles, the weights are plain i16 (no raw lanes, no Σx correction), and the epilogue requantizes
// four pixels per instruction with a per-channel splat scale; two narrows and one byte shuffle turn
// [channel][pixel] into the NHWC rows. The tile is 8 pixels (two such vectors) × 4 channels: V8 hoists
// every load of the loop body to its top, and 4 px × 8 ch (8 weight vectors live) spilled.
//
// Weights: the call's packed c2x8 weights are expanded once per call into a static table
// [block of 8][pair][channel] of i32x4 splats of (w[o][k], w[o][k+1]) (16 bytes each; (cout rounded up
// to 8) · kp · 8 bytes, at most WS_BYTES): no packed layout change, and the expansion (one store per
// weight pair) is nothing beside the thousands of pixels of the layers that take this path. Only
// cout ≤ LANES_NMAX takes it (see lanesFit for the figures).
import { O_FLOOR, O_MAGIC, O_SHIFT } from './output';
import { requantFloor4 } from '../../requant';

/** Of a c2x8 packed k-pair vector R = 256*wA + (wB + 128) (simd128.ts, "Packed weights"): channels 0-3's weights wA as i16. */
// @ts-ignore: decorator
@inline export function c2x8Channels0to3(r: v128): v128 {
  return i16x8.shr_s(r, 8); // the high bytes
}
/** Of the same vector: channels 4-7's weights wB as i16 (the low bytes − 128). */
// @ts-ignore: decorator
@inline export function c2x8Channels4to7(r: v128): v128 {
  return i16x8.shr_s(i16x8.shl(v128.xor(r, i16x8.splat(0x0080)), 8), 8);
}

/** Bytes of the expanded weight table (cout rounded up to 8, · kp · 8 must fit). */
export const WS_BYTES = 16384;
/**
 * A static block for a call's expanded weights, shared by this path (WS_BYTES of it) and the c2x8
 * tiles' plain i16 table (simd128.ts expandPlain): one call uses one of them.
 */
export const TABLE_BYTES = 32768;
export const TABLE: usize = memory.data(TABLE_BYTES, 16);
const WS: usize = TABLE;
/** Largest padded K of this path (the converted tile: kp/2 rows of 32 bytes). */
export const LANES_KMAX = 256;
const XS: usize = memory.data(LANES_KMAX * 16, 16);

/**
 * Expands the c2x8 packed weights (simd128.ts) into WS: for each block of 8 channels, for each of the
 * kn/2 k-pairs, 8 vectors (channel c of the block: the i32 pair (w[k], w[k+1]) in all four lanes).
 */
function expand(packed: usize, kp: i32, kn: i32, cout: i32): void {
  const nb = (cout + 7) >> 3;
  const pairs = kn >> 1;
  let d = WS;
  for (let b = 0; b < nb; b++) {
    let wp = packed + <usize>b * (<usize>kp << 3);
    for (let j = 0; j < pairs; j++) {
      const r = v128.load(wp);
      const w0 = c2x8Channels0to3(r);
      const w4 = c2x8Channels4to7(r);
      v128.store(d, i32x4.shuffle(w0, w0, 0, 0, 0, 0));
      v128.store(d, i32x4.shuffle(w0, w0, 1, 1, 1, 1), 16);
      v128.store(d, i32x4.shuffle(w0, w0, 2, 2, 2, 2), 32);
      v128.store(d, i32x4.shuffle(w0, w0, 3, 3, 3, 3), 48);
      v128.store(d, i32x4.shuffle(w4, w4, 0, 0, 0, 0), 64);
      v128.store(d, i32x4.shuffle(w4, w4, 1, 1, 1, 1), 80);
      v128.store(d, i32x4.shuffle(w4, w4, 2, 2, 2, 2), 96);
      v128.store(d, i32x4.shuffle(w4, w4, 3, 3, 3, 3), 112);
      d += 128;
      wp += 16;
    }
  }
}

/** Largest cout of this path: above it the c2x8 tiles' convert and epilogue are amortized enough. */
export const LANES_NMAX = 20;

/**
 * Whether a call takes this path: whole groups of 4 channels, at most LANES_NMAX (measured: 16→8,
 * 48→12, 72→12, 72→20 1.13–1.19×, the stem's 27→16 1.08×; 16→24, 24→36, 24→72 only 1.04–1.06×,
 * 24→40 0.99×), the table fits. (The caller also needs int8 output and ≥ 8 pixels.)
 */
// @ts-ignore: decorator
@inline
export function lanesFit(cin: i32, cout: i32): bool {
  const kp = (cin + 7) & ~7;
  return (cout & 3) == 0 && cout <= LANES_NMAX && kp <= LANES_KMAX && ((cout + 7) & ~7) * kp * 8 <= WS_BYTES;
}

/**
 * Eight pixel rows (kp bytes each) → XS as [k-pair][pixel] i16, 32 bytes per pair (pixels 0-3, then
 * 4-7), by 4×4 transposes of 32-bit lanes.
 */
// @ts-ignore: decorator
@inline
function convert8(x: usize, xs: usize, kn: i32): void {
  for (let h: usize = 0; h < 32; h += 16) {
    const x0 = x + (h >> 2) * xs, x1 = x0 + xs, x2 = x1 + xs, x3 = x2 + xs;
    let d = XS + h;
    for (let k: usize = 0; k < <usize>kn; k += 8) {
      const v0 = v128.load8x8_s(x0 + k), v1 = v128.load8x8_s(x1 + k), v2 = v128.load8x8_s(x2 + k), v3 = v128.load8x8_s(x3 + k);
      const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5), t1 = i32x4.shuffle(v2, v3, 0, 4, 1, 5);
      const t2 = i32x4.shuffle(v0, v1, 2, 6, 3, 7), t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
      v128.store(d, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
      v128.store(d, i32x4.shuffle(t0, t1, 2, 3, 6, 7), 32);
      v128.store(d, i32x4.shuffle(t2, t3, 0, 1, 4, 5), 64);
      v128.store(d, i32x4.shuffle(t2, t3, 2, 3, 6, 7), 96);
      d += 128;
    }
  }
}

/** Four channels' requantized [channel][pixel] lanes → the four pixels' rows (4 bytes each). */
// @ts-ignore: decorator
@inline
function store4x4(r0: v128, r1: v128, r2: v128, r3: v128, y: usize, ys: usize): void {
  const b = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(r0, r1), i16x8.narrow_i32x4_s(r2, r3));
  const q = i8x16.shuffle(b, b, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  v128.store32_lane(y, q, 0);
  v128.store32_lane(y + ys, q, 1);
  v128.store32_lane(y + 2 * ys, q, 2);
  v128.store32_lane(y + 3 * ys, q, 3);
}

/**
 * 8 pixels × 4 channels: w = the channels' first weight vector in the table (128 bytes per pair),
 * XS the converted tile, y = pixel 0 / channel 0. 8 accumulators + 2 activation + 4 weight vectors.
 */
// @ts-ignore: decorator
@inline
function block4(pairs: i32, w: usize, bias: usize, scale: usize, y: usize, ys: usize, magic: v128, floor: v128, shift: v128): void {
  let a0 = v128.load32_splat(bias), a1 = v128.load32_splat(bias, 4), a2 = v128.load32_splat(bias, 8), a3 = v128.load32_splat(bias, 12);
  let b0 = a0, b1 = a1, b2 = a2, b3 = a3;
  let s = XS;
  const end = XS + (<usize>pairs << 5);
  do {
    const xa = v128.load(s), xb = v128.load(s, 16);
    const w0 = v128.load(w), w1 = v128.load(w, 16), w2 = v128.load(w, 32), w3 = v128.load(w, 48);
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(xa, w0)); b0 = i32x4.add(b0, i32x4.dot_i16x8_s(xb, w0));
    a1 = i32x4.add(a1, i32x4.dot_i16x8_s(xa, w1)); b1 = i32x4.add(b1, i32x4.dot_i16x8_s(xb, w1));
    a2 = i32x4.add(a2, i32x4.dot_i16x8_s(xa, w2)); b2 = i32x4.add(b2, i32x4.dot_i16x8_s(xb, w2));
    a3 = i32x4.add(a3, i32x4.dot_i16x8_s(xa, w3)); b3 = i32x4.add(b3, i32x4.dot_i16x8_s(xb, w3));
    w += 128;
    s += 32;
  } while (s < end);
  const s0 = v128.load32_splat(scale), s1 = v128.load32_splat(scale, 4), s2 = v128.load32_splat(scale, 8), s3 = v128.load32_splat(scale, 12);
  store4x4(requantFloor4(a0, s0, magic, floor, shift), requantFloor4(a1, s1, magic, floor, shift),
    requantFloor4(a2, s2, magic, floor, shift), requantFloor4(a3, s3, magic, floor, shift), y, ys);
  store4x4(requantFloor4(b0, s0, magic, floor, shift), requantFloor4(b1, s1, magic, floor, shift),
    requantFloor4(b2, s2, magic, floor, shift), requantFloor4(b3, s3, magic, floor, shift), y + 4 * ys, ys);
}

/**
 * The first (pixels & ~7) pixels of a pointwise call with lanesFit(cin, cout); returns how many it did.
 * c: the output constants block (output.ts, already set for this call).
 */
export function pointwiseLanes(x: usize, pixels: i32, cin: i32, xs: usize, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, ys: usize, c: usize): i32 {
  const kp = (cin + 7) & ~7;
  const kn = (cin + 1) & ~1;
  const pairs = kn >> 1;
  expand(packed, kp, kn, cout);
  const magic = v128.load(c, O_MAGIC), floor = v128.load(c, O_FLOOR), shift = v128.load(c, O_SHIFT);
  const blockBytes = <usize>pairs << 7;
  const done = pixels & ~7;
  for (let p = 0; p < done; p += 8) {
    convert8(x, xs, kn);
    let w = WS;
    for (let o = 0; o < cout; o += 4) {
      // channels o..o+3: the first or second half of their 8-channel block's table
      block4(pairs, w + (<usize>(o & 4) << 4), bias + (<usize>o << 2), scale + (<usize>o << 2), y + <usize>o, ys, magic, floor, shift);
      if (o & 4) w += blockBytes;
    }
    x += xs << 3;
    y += ys << 3;
  }
  return done;
}
