// The packed weight layouts' version. Kernels that want their own weight order (pointwise,
// depthwise) take weights through <family>_pack at prepare time; a model file may store weights
// already packed (models/FORMAT.md). Packed bytes made by one build are valid for another build
// exactly when both report the same variant() and the same pack_layout_version(); at the same
// pack_layout_version a build reads another's through <family>_unpack (the inverse of its pack).
//
// Bump PACK_LAYOUT_VERSION whenever any family's packed layout changes in any build (and note it
// in docs/KERNELS.md, "Packed layouts").
//   1  pointwise c2x8 (SIMD128) / c4x8 (relaxed); depthwise 8-channel groups, 3×3 as row pairs
//   2  depthwise: 4-channel groups, pairs per kernel row (down the column for k×1), Σw per channel first
export const PACK_LAYOUT_VERSION: i32 = 2;

export function pack_layout_version(): i32 {
  return PACK_LAYOUT_VERSION;
}
