// The engine's exports. Each kernel family lives in kernels/<family>/: reference.ts (scalar, the
// definition), simd128.ts, relaxed.ts where relaxed SIMD helps, and index.ts, which exports the
// variant this build was compiled for plus the reference, so one build can test one against the other.
export { alloc, mark, release } from './arena';
export { pack_layout_version } from './layout';
export { relaxed_dot_lowering, relaxed_dot_mode } from './lowering';
export * from './kernels/pointwise';
export * from './kernels/im2col';
export * from './kernels/stem';
export * from './kernels/depthwise';
export * from './kernels/pool';
export * from './kernels/gate';
export * from './kernels/add';
export * from './kernels/input';
export { run_plan, plan_record_bytes } from './plan';

/** Which variant this build runs: 0 scalar, 1 SIMD128, 2 relaxed SIMD. */
export function variant(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 2 : ASC_FEATURE_SIMD ? 1 : 0;
}
