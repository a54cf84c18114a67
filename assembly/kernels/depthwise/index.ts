// Depthwise conv: the variant this build was compiled for, plus the scalar reference.
// SIMD builds (simd128 and relaxed) run simd128.ts with its own packed weight layout; the scalar
// build runs the reference, whose "packed" weights are a plain copy.
// depthwise_unpack reads the packed layout of any build (`build` = its variant(): 0 scalar, 1 SIMD128,
// 2 relaxed), so a build can load weights another build packed (worker/model/ops/context.ts).
import { depthwise_reference, depthwise_pack_reference, depthwise_packed_size_reference, depthwise_unpack_reference } from './reference';
import { depthwise_simd128, depthwise_pack_simd128, depthwise_packed_size_simd128, depthwise_unpack_simd128 } from './simd128';

export { depthwise_reference };

export function depthwise_packed_size(C: i32, kh: i32, kw: i32): i32 {
  if (ASC_FEATURE_SIMD) return depthwise_packed_size_simd128(C, kh, kw);
  return depthwise_packed_size_reference(C, kh, kw);
}

export function depthwise_pack(w: usize, C: i32, kh: i32, kw: i32, dst: usize): void {
  if (ASC_FEATURE_SIMD) depthwise_pack_simd128(w, C, kh, kw, dst);
  else depthwise_pack_reference(w, C, kh, kw, dst);
}

/** The size of depthwise_pack's layout in build `build` (its variant()). */
export function depthwise_packed_size_of(build: i32, C: i32, kh: i32, kw: i32): i32 {
  return build > 0 ? depthwise_packed_size_simd128(C, kh, kw) : depthwise_packed_size_reference(C, kh, kw);
}

/** The plain [C][kh][kw] weights back from build `build`'s packed layout (the exact inverse of its depthwise_pack). */
export function depthwise_unpack(build: i32, packed: usize, C: i32, kh: i32, kw: i32, w: usize): void {
  if (build > 0) depthwise_unpack_simd128(packed, C, kh, kw, w);
  else depthwise_unpack_reference(packed, C, kh, kw, w);
}

/**
 * Build `build`'s packed weights (its variant()) as this build's depthwise_pack would pack them:
 * exactly depthwise_pack(depthwise_unpack(build, packed)). Both SIMD builds share one layout, so
 * between them (and from a build to itself) this is a copy; to the scalar build it is the unpack,
 * from it the pack. Between the SIMD builds dst may be packed itself (in place: nothing to do).
 */
export function depthwise_repack(build: i32, packed: usize, C: i32, kh: i32, kw: i32, dst: usize): void {
  const own = ASC_FEATURE_SIMD ? 1 : 0;
  const from = build > 0 ? 1 : 0;
  if (from == own) {
    if (dst != packed) memory.copy(dst, packed, <usize>depthwise_packed_size(C, kh, kw)); // in place: nothing to do
  } else if (own == 0) depthwise_unpack(build, packed, C, kh, kw, dst);
  else depthwise_pack(packed, C, kh, kw, dst);
}

export function depthwise(
  x: usize, H: i32, W: i32, C: i32, xStride: i32, packed: usize, bias: usize, scale: usize,
  kh: i32, kw: i32, stride: i32, zpIn: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  if (ASC_FEATURE_SIMD) depthwise_simd128(x, H, W, C, xStride, packed, bias, scale, kh, kw, stride, zpIn, y, yStride, zpOut, qmin, qmax);
  else depthwise_reference(x, H, W, C, xStride, packed, bias, scale, kh, kw, stride, zpIn, y, yStride, zpOut, qmin, qmax);
}
