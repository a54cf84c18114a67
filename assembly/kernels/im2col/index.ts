// im2col family: the variant this build was compiled for, plus the scalar reference.
import * as ref from './reference';
import * as s128 from './simd128';

export { im2col_3x3s2_reference } from './reference';

// @ts-ignore: decorator
@inline export function im2col_3x3s2(x: usize, H: i32, W: i32, zpIn: i32, dst: usize): void {
  if (ASC_FEATURE_SIMD) s128.im2col_3x3s2(x, H, W, zpIn, dst);
  else ref.im2col_3x3s2_reference(x, H, W, zpIn, dst);
}
