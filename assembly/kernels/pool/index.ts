// Average pools: the variant this build was compiled for (simd128 in both SIMD builds), plus the reference.
import { avgpool2x2_reference, global_avgpool_reference } from './reference';
import { avgpool2x2_simd128, global_avgpool_simd128 } from './simd128';

export { avgpool2x2_reference, global_avgpool_reference };

// @ts-ignore: decorator
@inline export function avgpool2x2(
  x: usize, H: i32, W: i32, C: i32, xStride: i32, zpIn: i32, scale: f32,
  y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  if (ASC_FEATURE_SIMD) avgpool2x2_simd128(x, H, W, C, xStride, zpIn, scale, y, yStride, zpOut, qmin, qmax);
  else avgpool2x2_reference(x, H, W, C, xStride, zpIn, scale, y, yStride, zpOut, qmin, qmax);
}

// @ts-ignore: decorator
@inline export function global_avgpool(x: usize, pixels: i32, C: i32, xStride: i32, zpIn: i32, scale: f32, y: usize, zpOut: i32): void {
  if (ASC_FEATURE_SIMD) global_avgpool_simd128(x, pixels, C, xStride, zpIn, scale, y, zpOut);
  else global_avgpool_reference(x, pixels, C, xStride, zpIn, scale, y, zpOut);
}
