// Pillow's 8-bit resampling passes: the variant this build was compiled for (simd128 in the SIMD
// build), plus the reference. The horizontal pass has its own weight layout in the SIMD build
// (resample_h_pack); in the scalar build the pack is a plain copy of the i32 weights.
import { resample_h_reference, resample_v_reference, rgba_to_l_reference } from './reference';
import {
  resample_h_packed_size_simd128, resample_h_pack_simd128, resample_h_simd128, resample_v_simd128, rgba_to_l_simd128,
} from './simd128';

export { resample_h_reference, resample_v_reference, rgba_to_l_reference };

export function resample_h_packed_size(nx: i32, ksize: i32, C: i32): i32 {
  if (ASC_FEATURE_SIMD) return resample_h_packed_size_simd128(nx, ksize, C);
  return nx * ksize * 4;
}

export function resample_h_pack(k: usize, count: usize, nx: i32, ksize: i32, C: i32, dst: usize): void {
  if (ASC_FEATURE_SIMD) resample_h_pack_simd128(k, count, nx, ksize, C, dst);
  else memory.copy(dst, k, <usize>(nx * ksize) * 4);
}

export function resample_h(
  src: usize, srcStride: i32, rows: i32, start: usize, count: usize, packed: usize, ksize: i32, nx: i32, C: i32,
  dst: usize, dstStride: i32,
): void {
  if (ASC_FEATURE_SIMD) resample_h_simd128(src, srcStride, rows, start, count, packed, ksize, nx, C, dst, dstStride);
  else resample_h_reference(src, srcStride, rows, start, count, packed, ksize, nx, C, dst, dstStride);
}

export function resample_v(
  ring: usize, ringRows: i32, ringStride: i32, width: i32, start: usize, count: usize, k: usize, ksize: i32, ny: i32,
  dst: usize, dstStride: i32,
): void {
  if (ASC_FEATURE_SIMD) resample_v_simd128(ring, ringRows, ringStride, width, start, count, k, ksize, ny, dst, dstStride);
  else resample_v_reference(ring, ringRows, ringStride, width, start, count, k, ksize, ny, dst, dstStride);
}

export function rgba_to_l(src: usize, n: i32, dst: usize): void {
  if (ASC_FEATURE_SIMD) rgba_to_l_simd128(src, n, dst);
  else rgba_to_l_reference(src, n, dst);
}
