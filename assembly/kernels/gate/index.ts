// Gates: the variant this build was compiled for (simd128 in both SIMD builds), plus the reference.
import { lut_u8_reference, gate_upsample_mul_reference, channel_scale_reference } from './reference';
import { lut_u8_simd128, gate_upsample_mul_simd128, channel_scale_simd128 } from './simd128';

export { lut_u8_reference, gate_upsample_mul_reference, channel_scale_reference };

// @ts-ignore: decorator
@inline export function lut_u8(x: usize, n: i32, lut: usize, y: usize): void {
  if (ASC_FEATURE_SIMD) lut_u8_simd128(x, n, lut, y);
  else lut_u8_reference(x, n, lut, y);
}

// @ts-ignore: decorator
@inline export function gate_upsample_mul(
  x: usize, H: i32, W: i32, C: i32, xStride: i32, zpX: i32, g: usize, gh: i32, gw: i32, scale: f32,
  y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  if (ASC_FEATURE_SIMD) gate_upsample_mul_simd128(x, H, W, C, xStride, zpX, g, gh, gw, scale, y, yStride, zpOut, qmin, qmax);
  else gate_upsample_mul_reference(x, H, W, C, xStride, zpX, g, gh, gw, scale, y, yStride, zpOut, qmin, qmax);
}

// @ts-ignore: decorator
@inline export function channel_scale(
  x: usize, pixels: i32, C: i32, xStride: i32, zpX: i32, g: usize, scale: f32,
  y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  if (ASC_FEATURE_SIMD) channel_scale_simd128(x, pixels, C, xStride, zpX, g, scale, y, yStride, zpOut, qmin, qmax);
  else channel_scale_reference(x, pixels, C, xStride, zpX, g, scale, y, yStride, zpOut, qmin, qmax);
}
