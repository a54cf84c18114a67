// The image module (build/resample.{scalar,simd128}.wasm): Pillow's resampler for the
// preprocessing, separate from the engine so the image pipeline needs no model and its memory is
// its own. Memory comes from the same bump allocator as the engine's (../arena): the JS driver
// (worker/image/resample-wasm.ts) marks, allocates its buffers for one resize and releases them,
// so the memory grows to the largest resize seen and is reused after that.
export { alloc, mark, release } from '../arena';
export * from '../kernels/resample';
export * from '../kernels/quantize';

/** Which variant this build runs: 0 scalar, 1 SIMD128. */
export function variant(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}
