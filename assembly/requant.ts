// Requantization shared by every kernel (models/FORMAT.md, "Requantization"):
//   q = clamp(round_half_even(f32(acc) * scale) + zp, qmin, qmax)
// with one IEEE f32 multiply (no FMA) and everything after it exact: nothing saturates or wraps
// half-way, for any finite product.
//
// Scalar form (requant / quantize): clamp the product to the integer bounds [qmin - zp, qmax - zp]
// (exact: with integer bounds, clamping commutes with rounding), f32.nearest, + zp.
//
// SIMD form (requantFloor4 / quantizeFloor4: XNNPACK's fp32 "magic min" requantization), five
// instructions per four lanes: u = v + MAGIC (f32), q = max_i32(bits(u), bits(MAGIC + qmin − zp))
// − (MAGIC_BITS − zp), then the saturating narrows to int8 and one i8x16.min_s with qmax (callers skip
// it when qmax = 127). Exact for every finite (or infinite) product v:
//  - |v| ≤ 2^22: the f32 add rounds v half-to-even into the low mantissa bits of u ∈ [2^23, 2^24]
//    (ulp 1, MAGIC = 1.5·2^23 even), so bits(u) = MAGIC_BITS + round(v) and q = max(round(v) + zp, qmin);
//    the narrows saturate values above 127 and the min applies qmax.
//  - v > 2^22: u ≥ 2^24 (IEEE addition is monotone), bits(u) − (MAGIC_BITS − zp) ≥ 2^22 + zp > 127, and
//    never overflows (bits(+inf) = 0x7F800000): the narrows give 127, the min gives qmax.
//  - v < −2^22: u ≤ 2^23, or negative (negative floats are negative i32 bit patterns), either way below
//    the bound MAGIC_BITS + qmin − zp (qmin − zp ≥ −255): the max gives qmin.
// The previous form clamped with f32x4.pmax/pmin before the add (six instructions per four lanes).
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

// The per-call constants of the SIMD form (with f32x4.splat(MAGIC) and i8x16.splat(qmax)).
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
  return quantizeFloor4(f32x4.mul(f32x4.convert_i32x4_s(acc), scale), magic, floor, shift);
}

/** Four f32 values v → int32 lanes max(round(v) + zp, qmin), possibly above 127 (narrow, then min qmax). */
// @ts-ignore: decorator
@inline
export function quantizeFloor4(v: v128, magic: v128, floor: v128, shift: v128): v128 {
  return i32x4.sub(i32x4.max_s(f32x4.add(v, magic), floor), shift);
}

/** Sixteen int32 lanes (four vectors) → sixteen int8 lanes, saturating. */
// @ts-ignore: decorator
@inline
export function narrow16(a: v128, b: v128, c: v128, d: v128): v128 {
  return i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(a, b), i16x8.narrow_i32x4_s(c, d));
}

/** Eight int32 lanes → int8 lanes 0..7 (lanes 8..15 repeat them), saturating. */
// @ts-ignore: decorator
@inline
export function narrow8(a: v128, b: v128): v128 {
  const h = i16x8.narrow_i32x4_s(a, b);
  return i8x16.narrow_i16x8_s(h, h);
}

// The lean SIMD form (depthwise/common.ts setup, gate, add, pool): when a call's setup proves every
// product |v| ≤ 2^22, bits(v + MAGIC) = MAGIC_BITS + round_half_even(v) (above), so
// q = bits(v + MAGIC) − (MAGIC_BITS − zp) = round(v) + zp without the floor, and the saturating narrows
// clamp it to [−128, 127]; qmin > −128 and qmax < 127 are then one i8x16.max_s / min_s on the bytes
// (clampBytes). Four instructions per four lanes from the accumulators, two from a product.
/** Four f32 values v, |v| ≤ 2^22 → int32 lanes round(v) + zp (unclamped). */
// @ts-ignore: decorator
@inline
export function quantizeLean4(v: v128, magic: v128, shift: v128): v128 {
  return i32x4.sub(f32x4.add(v, magic), shift);
}

/** Four accumulators with |f32(acc)·scale| ≤ 2^22 → int32 lanes round(v) + zp (unclamped). */
// @ts-ignore: decorator
@inline
export function requantLean4(acc: v128, scale: v128, magic: v128, shift: v128): v128 {
  return quantizeLean4(f32x4.mul(f32x4.convert_i32x4_s(acc), scale), magic, shift);
}

/** Four accumulators → int32 lanes by form (a literal): requantLean4 when LEAN (bounded products), else requantFloor4. */
// @ts-ignore: decorator
@inline
export function requant4(LEAN: bool, acc: v128, scale: v128, magic: v128, floor: v128, shift: v128): v128 {
  return LEAN ? requantLean4(acc, scale, magic, shift) : requantFloor4(acc, scale, magic, floor, shift);
}

/**
 * The store modes of the SIMD kernels (M, a literal at each specialized call site): the requantization
 * form, then the byte clamp after the narrows (clampBytes).
 *   RQ_GENERAL       requantFloor4 (applies qmin), min qmax
 *   RQ_GENERAL_FULL  qmax = 127: requantFloor4, nothing
 *   RQ_LEAN_FULL     qmin = −128, qmax = 127: the lean form, nothing
 *   RQ_LEAN_CLAMP    the lean form, max qmin, min qmax
 *   RQ_LEAN_RELU     qmin > −128, qmax = 127 (a fused ReLU): the lean form, max qmin
 * The lean modes are those ≥ RQ_LEAN_FULL. Gate and add take rqMode's (the first four, clampBytes);
 * depthwise takes RQ_GENERAL, RQ_LEAN_FULL and RQ_LEAN_RELU (depthwise/common.ts setup and clamp8,
 * which loads qmax's bytes only in RQ_GENERAL).
 */
export const RQ_GENERAL = 0, RQ_GENERAL_FULL = 1, RQ_LEAN_FULL = 2, RQ_LEAN_CLAMP = 3, RQ_LEAN_RELU = 4;

// @ts-ignore: decorator
@inline
export function clampBytes(M: i32, r: v128, vmin: v128, vmax: v128): v128 {
  if (M == RQ_GENERAL) return i8x16.min_s(r, vmax);
  if (M == RQ_LEAN_CLAMP) return i8x16.min_s(i8x16.max_s(r, vmin), vmax);
  return r;
}

/** The store mode of a call: lean if every product is bounded (|v| ≤ 2^21 proven), general otherwise. */
// @ts-ignore: decorator
@inline
export function rqMode(lean: bool, qmin: i32, qmax: i32): i32 {
  if (lean) return qmin == -128 && qmax == 127 ? RQ_LEAN_FULL : RQ_LEAN_CLAMP;
  return qmax == 127 ? RQ_GENERAL_FULL : RQ_GENERAL;
}
