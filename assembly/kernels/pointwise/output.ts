// pointwise — the output stage shared by the SIMD128 and relaxed variants: per-call constants,
// the exact requantization shortcut (or requant4), and stores that never pass the slice end.
import { requant4 } from '../../requant';

export const MAGIC: f32 = 12582912.0; // 1.5 * 2^23
export const MAGIC_BITS: i32 = 0x4b400000;

// Per-call constants of the output stage, in a static block (no allocation at inference).
export const OUT: usize = memory.data(128, 16);
export const O_FAST = 0;    // i32: 1 when the requantization shortcut applies
export const O_ZP = 16;     // requant4 path: i32 lanes zpOut
export const O_QMIN = 32;   // requant4 path: i8 lanes qmin
export const O_QMAX = 48;   // requant4 path: i8 lanes qmax
export const O_LO = 64;     // shortcut: f32 lanes qmin - zpOut
export const O_HI = 80;     // shortcut: f32 lanes qmax - zpOut
export const O_BIAS = 96;   // shortcut: i32 lanes zpOut - MAGIC_BITS
export const O_MAGIC = 112; // shortcut: f32 lanes MAGIC

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

/** Four accumulators → four requantized int32 lanes, already within [qmin, qmax] on the fast path. */
// @ts-ignore: decorator
@inline
export function rq(FAST: bool, acc: v128, scale: v128, c: usize): v128 {
  if (FAST) {
    const t = f32x4.pmin(f32x4.pmax(f32x4.mul(f32x4.convert_i32x4_s(acc), scale), v128.load(c, O_LO)), v128.load(c, O_HI));
    return i32x4.add(f32x4.add(t, v128.load(c, O_MAGIC)), v128.load(c, O_BIAS));
  }
  return requant4(acc, scale, v128.load(c, O_ZP));
}

// @ts-ignore: decorator
@inline
export function clamp8(FAST: bool, q: v128, c: usize): v128 {
  return FAST ? q : i8x16.min_s(i8x16.max_s(q, v128.load(c, O_QMIN)), v128.load(c, O_QMAX));
}

/** Requantizes (or scales, F32) 8 channels of one pixel and stores min(n, 8) of them. */
// @ts-ignore: decorator
@inline
export function out8(F32: bool, FAST: bool, a0: v128, a1: v128, s0: v128, s1: v128, y: usize, n: i32, c: usize): void {
  if (F32) {
    const r0 = f32x4.mul(f32x4.convert_i32x4_s(a0), s0);
    const r1 = f32x4.mul(f32x4.convert_i32x4_s(a1), s1);
    if (n >= 8) { v128.store(y, r0); v128.store(y, r1, 16); } else storeFloats(y, r0, r1, n);
  } else {
    const h = i16x8.narrow_i32x4_s(rq(FAST, a0, s0, c), rq(FAST, a1, s1, c));
    const q = clamp8(FAST, i8x16.narrow_i16x8_s(h, h), c);
    if (n >= 8) v128.store64_lane(y, q, 0); else storeBytes(y, q, n);
  }
}

/** Same for 4 channels, storing min(n, 4) of them. */
// @ts-ignore: decorator
@inline
export function out4(F32: bool, FAST: bool, a0: v128, s0: v128, y: usize, n: i32, c: usize): void {
  if (F32) {
    const r0 = f32x4.mul(f32x4.convert_i32x4_s(a0), s0);
    if (n >= 4) v128.store(y, r0); else storeFloats(y, r0, r0, n);
  } else {
    const r = rq(FAST, a0, s0, c);
    const h = i16x8.narrow_i32x4_s(r, r);
    const q = clamp8(FAST, i8x16.narrow_i16x8_s(h, h), c);
    if (n >= 4) v128.store32_lane(y, q, 0); else storeBytes(y, q, n);
  }
}

/** True when every |scale[o]| ≤ 0.5 (false for NaN): the requantization shortcut is exact. */
export function smallScales(scale: usize, cout: i32): bool {
  const lim = f32x4.splat(0.5);
  let ok = i32x4.splat(-1);
  let o = 0;
  for (; o + 4 <= cout; o += 4) ok = v128.and(ok, f32x4.le(f32x4.abs(v128.load(scale + (<usize>o << 2))), lim));
  for (; o < cout; o++) if (!(Mathf.abs(load<f32>(scale + (<usize>o << 2))) <= 0.5)) return false;
  return i32x4.all_true(ok);
}
