// pointwise family: the variant this build was compiled for, plus the scalar reference.
// Each build has its own packed weight layout (pointwise_pack / pointwise_packed_size):
// scalar = plain [cout][cin]; simd128 = c2x8 (simd128.ts); relaxed = c4x8 (relaxed.ts).
// pointwise_unpack reads the packed layout of any build (`build` = its variant(): 0 scalar, 1 SIMD128,
// 2 relaxed), so a build can load weights another build packed (worker/model/ops/context.ts).
import * as ref from './reference';
import * as s128 from './simd128';
import * as rlx from './relaxed';
import { repack_c2x8_c4x8_simd128, repack_c4x8_c2x8_simd128 } from './repack';

export { pointwise_reference, pointwise_f32_reference } from './reference';

export function pointwise_packed_size(cin: i32, cout: i32): i32 {
  if (ASC_FEATURE_RELAXED_SIMD) return rlx.pointwise_packed_size(cin, cout);
  else if (ASC_FEATURE_SIMD) return s128.pointwise_packed_size(cin, cout);
  else return ref.pointwise_packed_size_plain(cin, cout);
}

export function pointwise_pack(w: usize, cin: i32, cout: i32, dst: usize): void {
  if (ASC_FEATURE_RELAXED_SIMD) rlx.pointwise_pack(w, cin, cout, dst);
  else if (ASC_FEATURE_SIMD) s128.pointwise_pack(w, cin, cout, dst);
  else ref.pointwise_pack_plain(w, cin, cout, dst);
}

/** The size of pointwise_pack's layout in build `build` (its variant()). */
export function pointwise_packed_size_of(build: i32, cin: i32, cout: i32): i32 {
  if (build == 2) return rlx.pointwise_packed_size(cin, cout);
  else if (build == 1) return s128.pointwise_packed_size(cin, cout);
  else return ref.pointwise_packed_size_plain(cin, cout);
}

/** The plain [cout][cin] weights back from build `build`'s packed layout (the exact inverse of its pointwise_pack). */
export function pointwise_unpack(build: i32, packed: usize, cin: i32, cout: i32, w: usize): void {
  if (build == 2) rlx.pointwise_unpack(packed, cin, cout, w);
  else if (build == 1) s128.pointwise_unpack(packed, cin, cout, w);
  else ref.pointwise_unpack_plain(packed, cin, cout, w);
}

/**
 * Build `build`'s packed weights (its variant()) as this build's pointwise_pack would pack them:
 * exactly pointwise_pack(pointwise_unpack(build, packed)), without the plain intermediate. The same
 * layout is copied; SIMD128 ↔ relaxed is a shuffle per k-quad (repack.ts); the scalar build's
 * layout is the plain weights, so to it this is the unpack and from it the pack. Between the SIMD
 * builds' layouts (build > 0 and this build's variant() > 0) dst may be packed itself (in place, a
 * block of the larger of the two sizes, the packed bytes at its start).
 */
export function pointwise_repack(build: i32, packed: usize, cin: i32, cout: i32, dst: usize): void {
  const own = ASC_FEATURE_RELAXED_SIMD ? 2 : ASC_FEATURE_SIMD ? 1 : 0;
  if (build == own) {
    if (dst != packed) memory.copy(dst, packed, <usize>pointwise_packed_size(cin, cout)); // in place: nothing to do
  } else if (own == 0) pointwise_unpack(build, packed, cin, cout, dst);
  else if (build == 0) pointwise_pack(packed, cin, cout, dst);
  else if (ASC_FEATURE_RELAXED_SIMD) repack_c2x8_c4x8_simd128(packed, cin, cout, dst);
  else if (ASC_FEATURE_SIMD) repack_c4x8_c2x8_simd128(packed, cin, cout, dst);
}

/**
 * The SIMD128 build's tile form for the multi-pixel calls (simd128.ts setTiles): 1 = 5-pixel tiles
 * with shuffled broadcasts (hosts that bounds-check every wasm memory access explicitly: workerd),
 * 2 = 4-pixel tiles with splat loads (hosts with a trap handler: Node, browsers; the default); any
 * other request gives 2. Returns the form in force; 0 in the scalar and relaxed builds (no effect).
 * Every form gives the same bytes.
 */
export function pointwise_tiles(request: i32): i32 {
  if (ASC_FEATURE_RELAXED_SIMD || !ASC_FEATURE_SIMD) return 0;
  return s128.setTiles(request);
}

// @ts-ignore: decorator
@inline export function pointwise(
  x: usize, pixels: i32, cin: i32, xStride: i32, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  if (ASC_FEATURE_RELAXED_SIMD) rlx.pointwise(x, pixels, cin, xStride, packed, bias, scale, cout, y, yStride, zpOut, qmin, qmax);
  else if (ASC_FEATURE_SIMD) s128.pointwise(x, pixels, cin, xStride, packed, bias, scale, cout, y, yStride, zpOut, qmin, qmax);
  else ref.pointwise_reference(x, pixels, cin, xStride, packed, bias, scale, cout, y, yStride, zpOut, qmin, qmax);
}

/** y is f32 and yStride counts f32 elements. */
// @ts-ignore: decorator
@inline export function pointwise_f32(
  x: usize, pixels: i32, cin: i32, xStride: i32, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, yStride: i32,
): void {
  if (ASC_FEATURE_RELAXED_SIMD) rlx.pointwise_f32(x, pixels, cin, xStride, packed, bias, scale, cout, y, yStride);
  else if (ASC_FEATURE_SIMD) s128.pointwise_f32(x, pixels, cin, xStride, packed, bias, scale, cout, y, yStride);
  else ref.pointwise_f32_reference(x, pixels, cin, xStride, packed, bias, scale, cout, y, yStride);
}
