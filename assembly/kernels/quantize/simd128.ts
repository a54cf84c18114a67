// The input quantization (reference.ts) as an affine map in i32, 48 bytes a step — bit-exact with
// the table because worker/image/quantize.ts `quantizeParams` only writes an affine form after
// checking it gives every table entry: q = sat8((v · M_c + B_c) >> shift) for the 256 bytes v of
// each channel c (no i32 overflow for any v; sat8 = the saturating narrows i32 → i16 → i8, i.e.
// the table's clamp to -128..127). Without one (shift -1) the table runs (the reference).
//
// C = 3: the channel of byte i is i % 3, so a 48-byte step (3 vectors, 12 i32x4 of 4 bytes)
// covers each channel pattern once: i32x4 k of the step holds bytes 4k..4k+3, and the params'
// multiplier/offset vector k has lane l = M/B of channel (4k + l) % 3. The last step (n % 48 bytes)
// loads past the end (the arena's slack) and stores exactly its bytes.
// C = 1: 16 gray bytes a step, each channel's affine map on all 16, interleaved into 48 bytes.
import { storeTail } from '../../store';
import { PARAM_AFFINE, PARAM_SHIFT, quantize_hwc_reference } from './reference';

// @ts-ignore: decorator
@inline function affine4(v: v128, m: v128, b: v128, shift: i32): v128 {
  return i32x4.shr_s(i32x4.add(i32x4.mul(v, m), b), shift);
}

/** 16 bytes through the 4 affine maps at params k0..k0+3: int8 results. */
// @ts-ignore: decorator
@inline function quantize16(v: v128, p: usize, shift: i32): v128 {
  const lo = i16x8.extend_low_i8x16_u(v);
  const hi = i16x8.extend_high_i8x16_u(v);
  const q0 = affine4(i32x4.extend_low_i16x8_u(lo), v128.load(p), v128.load(p, 192), shift);
  const q1 = affine4(i32x4.extend_high_i16x8_u(lo), v128.load(p, 16), v128.load(p, 208), shift);
  const q2 = affine4(i32x4.extend_low_i16x8_u(hi), v128.load(p, 32), v128.load(p, 224), shift);
  const q3 = affine4(i32x4.extend_high_i16x8_u(hi), v128.load(p, 48), v128.load(p, 240), shift);
  return i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q3));
}

/** Stores the first r (≤ 16) bytes of v. */
// @ts-ignore: decorator
@inline function storeUpTo16(p: usize, v: v128, r: i32): void {
  if (r >= 16) v128.store(p, v);
  else if (r > 0) storeTail(p, v, r);
}

/** One channel's affine map (lane c of the first multiplier/offset vectors) on 16 gray bytes. */
// @ts-ignore: decorator
@inline function channel16(e0: v128, e1: v128, e2: v128, e3: v128, m: v128, b: v128, shift: i32): v128 {
  const q0 = affine4(e0, m, b, shift);
  const q1 = affine4(e1, m, b, shift);
  const q2 = affine4(e2, m, b, shift);
  const q3 = affine4(e3, m, b, shift);
  return i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q3));
}

export function quantize_hwc_simd128(src: usize, n: i32, C: i32, params: usize, dst: usize): void {
  const shift = load<i32>(params + PARAM_SHIFT);
  if (shift < 0) {
    quantize_hwc_reference(src, n, C, params, dst);
    return;
  }
  const p = params + PARAM_AFFINE;
  if (C == 3) {
    for (let i = 0; i < n; i += 48) {
      const s = src + <usize>i,
        o = dst + <usize>i;
      const r = n - i;
      const a = quantize16(v128.load(s), p, shift);
      if (r >= 48) {
        v128.store(o, a);
        v128.store(o, quantize16(v128.load(s, 16), p + 64, shift), 16);
        v128.store(o, quantize16(v128.load(s, 32), p + 128, shift), 32);
      } else {
        storeUpTo16(o, a, r);
        if (r > 16) storeUpTo16(o + 16, quantize16(v128.load(s, 16), p + 64, shift), r - 16);
        if (r > 32) storeUpTo16(o + 32, quantize16(v128.load(s, 32), p + 128, shift), r - 32);
      }
    }
    return;
  }
  // Gray: lane c of multiplier/offset vector 0 is channel c's (vector 0 covers channels 0 1 2 0).
  const m = v128.load(p),
    b = v128.load(p, 192);
  const m0 = i32x4.splat(i32x4.extract_lane(m, 0)), m1 = i32x4.splat(i32x4.extract_lane(m, 1)), m2 = i32x4.splat(i32x4.extract_lane(m, 2));
  const b0 = i32x4.splat(i32x4.extract_lane(b, 0)), b1 = i32x4.splat(i32x4.extract_lane(b, 1)), b2 = i32x4.splat(i32x4.extract_lane(b, 2));
  for (let i = 0; i < n; i += 16) {
    const v = v128.load(src + <usize>i);
    const lo = i16x8.extend_low_i8x16_u(v);
    const hi = i16x8.extend_high_i8x16_u(v);
    const e0 = i32x4.extend_low_i16x8_u(lo), e1 = i32x4.extend_high_i16x8_u(lo);
    const e2 = i32x4.extend_low_i16x8_u(hi), e3 = i32x4.extend_high_i16x8_u(hi);
    const x = channel16(e0, e1, e2, e3, m0, b0, shift);
    const y = channel16(e0, e1, e2, e3, m1, b1, shift);
    const z = channel16(e0, e1, e2, e3, m2, b2, shift);
    // Interleave x y z → x0 y0 z0 x1 y1 z1 …: pairs of x y first, then z into every third byte.
    const xy0 = i8x16.shuffle(x, y, 0, 16, 0, 1, 17, 0, 2, 18, 0, 3, 19, 0, 4, 20, 0, 5);
    const xy1 = i8x16.shuffle(x, y, 21, 0, 6, 22, 0, 7, 23, 0, 8, 24, 0, 9, 25, 0, 10, 26);
    const xy2 = i8x16.shuffle(x, y, 0, 11, 27, 0, 12, 28, 0, 13, 29, 0, 14, 30, 0, 15, 31, 0);
    const o0 = i8x16.shuffle(xy0, z, 0, 1, 16, 3, 4, 17, 6, 7, 18, 9, 10, 19, 12, 13, 20, 15);
    const o1 = i8x16.shuffle(xy1, z, 0, 21, 2, 3, 22, 5, 6, 23, 8, 9, 24, 11, 12, 25, 14, 15);
    const o2 = i8x16.shuffle(xy2, z, 26, 1, 2, 27, 4, 5, 28, 7, 8, 29, 10, 11, 30, 13, 14, 31);
    const o = dst + <usize>(3 * i);
    const r = 3 * (n - i);
    if (r >= 48) {
      v128.store(o, o0);
      v128.store(o, o1, 16);
      v128.store(o, o2, 32);
    } else {
      storeUpTo16(o, o0, r);
      if (r > 16) storeUpTo16(o + 16, o1, r - 16);
      if (r > 32) storeUpTo16(o + 32, o2, r - 32);
    }
  }
}
