// Input quantization: the variant this build was compiled for (simd128 in both SIMD builds), plus the reference.
import { quantize_chw_reference } from './reference';
import { quantize_chw_simd128 } from './simd128';

export { quantize_chw_reference };

export function quantize_chw(x: usize, n: i32, inv: f64, zp: i32, y: usize): void {
  if (ASC_FEATURE_SIMD) quantize_chw_simd128(x, n, inv, zp, y);
  else quantize_chw_reference(x, n, inv, zp, y);
}
