// pointwise — the output stage shared by the SIMD128 and relaxed variants: per-call constants,
// requantization (requant.ts requant4) and stores that never pass the slice end.
import { narrow8, requant4, rqLo, rqHi, rqBias } from '../../requant';

// Per-call constants of the output stage, in a static block (no allocation at inference).
export const OUT: usize = memory.data(64, 16);
export const O_LO = 0;      // f32 lanes qmin - zpOut
export const O_HI = 16;     // f32 lanes qmax - zpOut
export const O_BIAS = 32;   // i32 lanes zpOut - MAGIC_BITS

/** Fills the constant block for one call (requant.ts rqLo / rqHi / rqBias). */
// @ts-ignore: decorator
@inline
export function setOutput(c: usize, zpOut: i32, qmin: i32, qmax: i32): void {
  v128.store(c, rqLo(zpOut, qmin), O_LO);
  v128.store(c, rqHi(zpOut, qmax), O_HI);
  v128.store(c, rqBias(zpOut), O_BIAS);
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

/** Four accumulators → four requantized int32 lanes in [qmin, qmax]. */
// @ts-ignore: decorator
@inline
function rq(acc: v128, scale: v128, c: usize): v128 {
  return requant4(acc, scale, v128.load(c, O_LO), v128.load(c, O_HI), v128.load(c, O_BIAS));
}

/** Requantizes (or scales, F32) 8 channels of one pixel and stores min(n, 8) of them. */
// @ts-ignore: decorator
@inline
export function out8(F32: bool, a0: v128, a1: v128, s0: v128, s1: v128, y: usize, n: i32, c: usize): void {
  if (F32) {
    const r0 = f32x4.mul(f32x4.convert_i32x4_s(a0), s0);
    const r1 = f32x4.mul(f32x4.convert_i32x4_s(a1), s1);
    if (n >= 8) { v128.store(y, r0); v128.store(y, r1, 16); } else storeFloats(y, r0, r1, n);
  } else {
    const q = narrow8(rq(a0, s0, c), rq(a1, s1, c));
    if (n >= 8) v128.store64_lane(y, q, 0); else storeBytes(y, q, n);
  }
}

/** Same for 4 channels, storing min(n, 4) of them. */
// @ts-ignore: decorator
@inline
export function out4(F32: bool, a0: v128, s0: v128, y: usize, n: i32, c: usize): void {
  if (F32) {
    const r0 = f32x4.mul(f32x4.convert_i32x4_s(a0), s0);
    if (n >= 4) v128.store(y, r0); else storeFloats(y, r0, r0, n);
  } else {
    const r = rq(a0, s0, c);
    const q = narrow8(r, r);
    if (n >= 4) v128.store32_lane(y, q, 0); else storeBytes(y, q, n);
  }
}
