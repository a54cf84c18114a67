// pointwise — the output stage shared by the SIMD128 and relaxed variants: per-call constants,
// requantization (requant.ts requantFloor4) and stores that never pass the slice end.
import { MAGIC, narrow8, requantFloor4, rqFloor, rqShift } from '../../requant';

// Per-call constants of the output stage, in a static block (no allocation at inference).
export const OUT: usize = memory.data(48, 16);
export const O_MAGIC = 0;   // f32 lanes MAGIC
export const O_FLOOR = 16;  // i32 lanes bits(MAGIC + qmin - zpOut) (requant.ts rqFloor)
export const O_SHIFT = 32;  // i32 lanes MAGIC_BITS - zpOut (requant.ts rqShift)

/** Fills the constant block for one call. */
// @ts-ignore: decorator
@inline
export function setOutput(c: usize, zpOut: i32, qmin: i32, qmax: i32): void {
  v128.store(c, f32x4.splat(MAGIC), O_MAGIC);
  v128.store(c, rqFloor(zpOut, qmin), O_FLOOR);
  v128.store(c, rqShift(zpOut), O_SHIFT);
}

/**
 * The min with qmax, as a pass over the stored slice after the tiles: the tiles store
 * max(round(v) + zp, qmin) saturated to int8, and min(·, qmax) commutes with that saturation, so
 * applying it afterwards gives the same bytes. Only a call with qmax < 127 pays for it (GhostNet has
 * none: ReLU only raises qmin), and the tiles' epilogues carry no per-pixel test for it.
 */
export function clampMaxPass(y: usize, pixels: i32, cout: i32, yStride: i32, qmax: i32): void {
  const m = i8x16.splat(<i8>qmax);
  for (let p = 0; p < pixels; p++) {
    const row = y + <usize>p * <usize>yStride;
    let o = 0;
    for (; o + 16 <= cout; o += 16) v128.store(row + <usize>o, i8x16.min_s(v128.load(row + <usize>o), m));
    for (; o < cout; o++) store<i8>(row + <usize>o, <i8>min(<i32>load<i8>(row + <usize>o), qmax));
  }
}

/** Stores the low n (1..7) bytes of q. */
// @ts-ignore: decorator
@inline
export function storeBytes(p: usize, q: v128, n: i32): void {
  if (n & 4) { v128.store32_lane(p, q, 0); q = i64x2.shr_u(q, 32); p += 4; }
  if (n & 2) { v128.store16_lane(p, q, 0); q = i64x2.shr_u(q, 16); p += 2; }
  if (n & 1) v128.store8_lane(p, q, 0);
}

/** Stores the first n (1..7) f32 lanes of r0:r1. */
// @ts-ignore: decorator
@inline
export function storeFloats(p: usize, r0: v128, r1: v128, n: i32): void {
  if (n & 4) { v128.store(p, r0); r0 = r1; p += 16; }
  if (n & 2) { v128.store64_lane(p, r0, 0); r0 = i32x4.shuffle(r0, r0, 2, 3, 2, 3); p += 8; }
  if (n & 1) v128.store32_lane(p, r0, 0);
}

/**
 * Requantizes (or scales, F32) 8 channels of one pixel and stores min(n, 8) of them. magic, floor and
 * shift are the block's O_MAGIC / O_FLOOR / O_SHIFT, loaded once per tile by the caller.
 */
// @ts-ignore: decorator
@inline
export function out8(F32: bool, a0: v128, a1: v128, s0: v128, s1: v128, y: usize, n: i32, c: usize, magic: v128, floor: v128, shift: v128): void {
  if (F32) {
    const r0 = f32x4.mul(f32x4.convert_i32x4_s(a0), s0);
    const r1 = f32x4.mul(f32x4.convert_i32x4_s(a1), s1);
    if (n >= 8) { v128.store(y, r0); v128.store(y, r1, 16); } else storeFloats(y, r0, r1, n);
  } else {
    const q = narrow8(requantFloor4(a0, s0, magic, floor, shift), requantFloor4(a1, s1, magic, floor, shift));
    if (n >= 8) v128.store64_lane(y, q, 0); else storeBytes(y, q, n);
  }
}

/**
 * Two pixels' 8 channels (a0:a1 at y, b0:b1 at y + ys), all 8 stored: one shared i16 → i8 narrow.
 */
// @ts-ignore: decorator
@inline
export function out8x2(F32: bool, a0: v128, a1: v128, b0: v128, b1: v128, s0: v128, s1: v128, y: usize, ys: usize, c: usize, magic: v128, floor: v128, shift: v128): void {
  if (F32) {
    out8(F32, a0, a1, s0, s1, y, 8, c, magic, floor, shift);
    out8(F32, b0, b1, s0, s1, y + ys, 8, c, magic, floor, shift);
  } else {
    const ha = i16x8.narrow_i32x4_s(requantFloor4(a0, s0, magic, floor, shift), requantFloor4(a1, s1, magic, floor, shift));
    const hb = i16x8.narrow_i32x4_s(requantFloor4(b0, s0, magic, floor, shift), requantFloor4(b1, s1, magic, floor, shift));
    const q = i8x16.narrow_i16x8_s(ha, hb);
    v128.store64_lane(y, q, 0);
    v128.store64_lane(y + ys, q, 1);
  }
}

/** Same for 4 channels, storing min(n, 4) of them. */
// @ts-ignore: decorator
@inline
export function out4(F32: bool, a0: v128, s0: v128, y: usize, n: i32, c: usize, magic: v128, floor: v128, shift: v128): void {
  if (F32) {
    const r0 = f32x4.mul(f32x4.convert_i32x4_s(a0), s0);
    if (n >= 4) v128.store(y, r0); else storeFloats(y, r0, r0, n);
  } else {
    const r = requantFloor4(a0, s0, magic, floor, shift);
    const q = narrow8(r, r);
    if (n >= 4) v128.store32_lane(y, q, 0); else storeBytes(y, q, n);
  }
}
