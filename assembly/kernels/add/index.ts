// Residual add: the variant this build was compiled for (simd128 in both SIMD builds), plus the reference.
import { add_reference } from './reference';
import { add_simd128 } from './simd128';

export { add_reference };

export function add(
  a: usize, pixels: i32, C: i32, aStride: i32, zpA: i32, mA: f32,
  b: usize, bStride: i32, zpB: i32, mB: f32,
  y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  if (ASC_FEATURE_SIMD) add_simd128(a, pixels, C, aStride, zpA, mA, b, bStride, zpB, mB, y, yStride, zpOut, qmin, qmax);
  else add_reference(a, pixels, C, aStride, zpA, mA, b, bStride, zpB, mB, y, yStride, zpOut, qmin, qmax);
}
