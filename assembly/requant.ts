// Requantization shared by every kernel (models/FORMAT.md, "Requantization"):
//   q = clamp(trunc_sat(nearest(f32(acc) * scale)) + zp, qmin, qmax)
// IEEE f32 multiply, round-half-even, saturating f32→i32, wrapping i32 add. No FMA anywhere,
// so the scalar and SIMD forms agree bit for bit.

// @ts-ignore: decorator
@inline
export function requant(acc: i32, scale: f32, zp: i32, qmin: i32, qmax: i32): i32 {
  let v = <i32>f32.nearest(<f32>acc * scale) + zp; // nontrapping-f2i: i32.trunc_sat_f32_s
  v = v < qmin ? qmin : v;
  return v > qmax ? qmax : v;
}

/** Four accumulators → four requantized int32 lanes, before narrowing and clamping. */
// @ts-ignore: decorator
@inline
export function requant4(acc: v128, scale: v128, zp: v128): v128 {
  return i32x4.add(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(f32x4.convert_i32x4_s(acc), scale))), zp);
}

/** Sixteen int32 lanes (four vectors) → sixteen int8 lanes, saturating, then clamped to [qmin, qmax]. */
// @ts-ignore: decorator
@inline
export function narrow16(a: v128, b: v128, c: v128, d: v128, qmin: v128, qmax: v128): v128 {
  const lo = i16x8.narrow_i32x4_s(a, b);
  const hi = i16x8.narrow_i32x4_s(c, d);
  return i8x16.min_s(i8x16.max_s(i8x16.narrow_i16x8_s(lo, hi), qmin), qmax);
}
