// The model input's quantization of the resized image: the variant this build was compiled for
// (the affine SIMD128 kernel in the SIMD build, which falls back to the table when the params have
// no affine form), plus the reference (the table).
import { quantize_hwc_reference } from './reference';
import { quantize_hwc_simd128 } from './simd128';

export { quantize_hwc_reference };

export function quantize_hwc(src: usize, n: i32, C: i32, params: usize, dst: usize): void {
  if (ASC_FEATURE_SIMD) quantize_hwc_simd128(src, n, C, params, dst);
  else quantize_hwc_reference(src, n, C, params, dst);
}
