// Requantization shared by every kernel (models/FORMAT.md, "Requantization"):
//   q = clamp(round_half_even(f32(acc) * scale) + zp, qmin, qmax)
// with one IEEE f32 multiply (no FMA) and everything after it exact: nothing saturates or wraps
// half-way, for any finite product. Both forms clamp the product to the integer bounds
// [qmin - zp, qmax - zp] first (exact: with integer bounds, clamping commutes with rounding), then round.
//
// The SIMD form rounds with the "magic number" trick (XNNPACK's fp32 magic requantization): for
// |v| ≤ 2^22 the f32 add v + 1.5·2^23 rounds v half-to-even into the low mantissa bits, so
// bits(v + MAGIC) − MAGIC_BITS = round(v), and + zp folds into the same i32 add. Six instructions per
// four lanes, where nearest + trunc_sat took about twelve (V8 expands i32x4.trunc_sat_f32x4_s into
// ~7 x64 instructions), and the result is already inside [qmin, qmax], so narrowing needs no clamp.
//
// Scales must be finite (the engine checks them when it prepares a model): a NaN would not clamp.

export const MAGIC: f32 = 12582912.0; // 1.5 * 2^23
export const MAGIC_BITS: i32 = 0x4b400000;

// @ts-ignore: decorator
@inline
export function requant(acc: i32, scale: f32, zp: i32, qmin: i32, qmax: i32): i32 {
  return quantize(<f32>acc * scale, zp, qmin, qmax);
}

/** The part after the multiply: clamp(round_half_even(v) + zp, qmin, qmax), exact for any finite v. */
// @ts-ignore: decorator
@inline
export function quantize(v: f32, zp: i32, qmin: i32, qmax: i32): i32 {
  v = min(max(v, <f32>(qmin - zp)), <f32>(qmax - zp));
  return <i32>f32.nearest(v) + zp; // |v| ≤ 255: the conversion is exact
}

// The per-call constants of the SIMD form, splatted once per kernel call.
// @ts-ignore: decorator
@inline export function rqLo(zp: i32, qmin: i32): v128 { return f32x4.splat(<f32>(qmin - zp)); }
// @ts-ignore: decorator
@inline export function rqHi(zp: i32, qmax: i32): v128 { return f32x4.splat(<f32>(qmax - zp)); }
// @ts-ignore: decorator
@inline export function rqBias(zp: i32): v128 { return i32x4.splat(zp - MAGIC_BITS); }

/** Four accumulators → four requantized int32 lanes, each already in [qmin, qmax]. */
// @ts-ignore: decorator
@inline
export function requant4(acc: v128, scale: v128, lo: v128, hi: v128, bias: v128): v128 {
  return quantize4(f32x4.mul(f32x4.convert_i32x4_s(acc), scale), lo, hi, bias);
}

/** Four f32 values → clamp(round_half_even(v) + zp, qmin, qmax) as int32 lanes (lo, hi, bias from rq*). */
// @ts-ignore: decorator
@inline
export function quantize4(v: v128, lo: v128, hi: v128, bias: v128): v128 {
  const t = f32x4.pmin(f32x4.pmax(v, lo), hi);
  return i32x4.add(f32x4.add(t, f32x4.splat(MAGIC)), bias);
}

/** Sixteen int32 lanes in [-128, 127] (four vectors) → sixteen int8 lanes. */
// @ts-ignore: decorator
@inline
export function narrow16(a: v128, b: v128, c: v128, d: v128): v128 {
  return i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(a, b), i16x8.narrow_i32x4_s(c, d));
}

/** Eight int32 lanes in [-128, 127] → int8 lanes 0..7 (lanes 8..15 repeat them). */
// @ts-ignore: decorator
@inline
export function narrow8(a: v128, b: v128): v128 {
  const h = i16x8.narrow_i32x4_s(a, b);
  return i8x16.narrow_i16x8_s(h, h);
}

// ---- The five-instruction SIMD form (XNNPACK's fp32 "magic min" requantization) ----
// u = f32(acc)·scale + MAGIC; q = max_i32(bits(u), bits(MAGIC + qmin − zp)) − (MAGIC_BITS − zp); then the
// saturating narrows and one i8x16.min_s with qmax. Exact for every finite (or infinite) product v:
//  - |v| ≤ 2^22: bits(u) = MAGIC_BITS + round_half_even(v) (see above), so q = max(round(v) + zp, qmin);
//    the narrows saturate values above 127 and the i8 min applies qmax.
//  - v > 2^22: u ≥ 2^24 (IEEE addition is monotone), bits(u) − (MAGIC_BITS − zp) ≥ 2^22 + zp > 127 and
//    never overflows (bits(+inf) = 0x7F800000): the narrows give 127, the min gives qmax.
//  - v < −2^22: u ≤ 2^23 (or negative, whose bits are negative as i32), below the max's bound
//    MAGIC_BITS + qmin − zp (qmin − zp ≥ −255): the max gives qmin.
// One instruction per four lanes less than requant4 (the clamp is one integer max instead of two
// float ones) plus one i8 min per narrowed vector, which can be skipped when qmax = 127.

/** i32 lanes bits(MAGIC + qmin − zp) = MAGIC_BITS + qmin − zp (|qmin − zp| ≤ 255 < 2^22). */
// @ts-ignore: decorator
@inline export function rqFloor(zp: i32, qmin: i32): v128 { return i32x4.splat(MAGIC_BITS + qmin - zp); }
/** i32 lanes MAGIC_BITS − zp. */
// @ts-ignore: decorator
@inline export function rqShift(zp: i32): v128 { return i32x4.splat(MAGIC_BITS - zp); }

/** Four accumulators → int32 lanes max(round(v) + zp, qmin), possibly above 127 (narrow, then min qmax). */
// @ts-ignore: decorator
@inline
export function requantFloor4(acc: v128, scale: v128, magic: v128, floor: v128, shift: v128): v128 {
  const u = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(acc), scale), magic);
  return i32x4.sub(i32x4.max_s(u, floor), shift);
}
