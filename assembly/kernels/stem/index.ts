// stem family: the 3x3 stride-2 pad-1 convolution of the 3-channel input with its requantization.
// The weights are the pointwise packing of the plain [cout][27] (ky, kx, c) weights (cin 27), so a
// model file's stem is packed as before. SIMD128: the direct kernel (simd128.ts); relaxed: im2col
// then the relaxed GEMM (its AVX-VNNI form beats any SIMD128 kernel); scalar: the reference.
import * as ref from './reference';
import * as s128 from './simd128';
import { im2col_3x3s2 } from '../im2col';
import { pointwise } from '../pointwise';

export { stem_3x3s2_reference } from './reference';

/** Bytes of working memory stem_3x3s2 needs in this build for an H×W input and cout channels. */
export function stem_3x3s2_scratch_size(H: i32, W: i32, cout: i32): i32 {
  if (ASC_FEATURE_RELAXED_SIMD) return ((H + 1) >> 1) * ((W + 1) >> 1) * 32;
  else if (ASC_FEATURE_SIMD) return s128.stem_scratch_size(W, cout);
  else return 16;
}

// @ts-ignore: decorator
@inline export function stem_3x3s2(
  x: usize, H: i32, W: i32, zpIn: i32, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32, scratch: usize,
): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    im2col_3x3s2(x, H, W, zpIn, scratch);
    pointwise(scratch, ((H + 1) >> 1) * ((W + 1) >> 1), 27, 32, packed, bias, scale, cout, y, yStride, zpOut, qmin, qmax);
  } else if (ASC_FEATURE_SIMD) s128.stem_3x3s2(x, H, W, zpIn, packed, bias, scale, cout, y, yStride, zpOut, qmin, qmax, scratch);
  else ref.stem_3x3s2_reference(x, H, W, zpIn, packed, bias, scale, cout, y, yStride, zpOut, qmin, qmax, scratch);
}
