// Which instruction the runtime lowers i32x4.relaxed_dot_i8x16_i7x16_add_s to, told by its result on
// operands outside the deterministic range (the "i7" operand above 127, products summing past i16):
//   -65536   x86 without AVX-VNNI: pmaddubsw (i16 pair sums, saturating) + pmaddwd + paddd, five
//            instructions with the splat of ones (V8 SharedMacroAssemblerBase::I32x4DotI8x16I7x16AddS):
//            slower than the SIMD128 build's i32x4.dot_i16x8_s.
//   -130560  x86 with AVX-VNNI: one vpdpbusd (unsigned × signed bytes, exact): the relaxed build's case.
//   512      signed × signed (Arm SDOT; x86 AVX-VNNI-INT8 vpdpbssd, which V8 13.x prefers where the CPU
//            has it; or the deterministic semantics).
// ENGINE=auto (worker/model/registry.ts) runs the relaxed build only in the VNNI case. 0 in builds
// without relaxed SIMD.
export const RELAXED_DOT_VNNI: i32 = -130560;

export function relaxed_dot_lowering(): i32 {
  if (!ASC_FEATURE_RELAXED_SIMD) return 0;
  // Through memory, so that the optimizer cannot fold the relaxed instruction at compile time.
  const p = memory.data(32, 16);
  v128.store(p, i8x16.splat(-128));
  v128.store(p, i8x16.splat(<i8>0xff), 16);
  const r = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(p), v128.load(p, 16), i32x4.splat(0));
  return i32x4.extract_lane(r, 0);
}

/**
 * The relaxed build's pointwise dot form (assembly/kernels/pointwise/relaxed.ts): 1 = two bit planes
 * per k-quad (exact under every lowering), 2 = one dot per k-quad on x + 128 (exact only where the
 * relaxed dot is AVX-VNNI vpdpbusd). The depthwise AVX-VNNI forms (kernels/depthwise/vnni3x3.ts: 3×3 s1
 * and s2; vnni5.ts: 1×5 / 5×1) run exactly when this is 2, too. Decided from relaxed_dot_lowering() on the first pointwise call;
 * relaxed_dot_mode(request) sets it: 0 = that decision, 1 = planes, 2 = VNNI, which is granted only
 * where the lowering is VNNI (else planes). Returns the mode in force; 0 in builds without relaxed SIMD.
 * Liftoff and TurboFan lower the instruction through the same V8 macro-assembler function
 * (SharedMacroAssemblerBase::I32x4DotI8x16I7x16AddS), so the probe and the kernels agree in every tier.
 */
let dotMode: i32 = 0;

export function relaxed_dot_mode(request: i32): i32 {
  if (!ASC_FEATURE_RELAXED_SIMD) return 0;
  dotMode = request != 1 && relaxed_dot_lowering() == RELAXED_DOT_VNNI ? 2 : 1;
  return dotMode;
}

/** Whether the relaxed pointwise and depthwise run their VNNI forms (decides on first use). */
export function relaxedDotIsVnni(): bool {
  if (dotMode == 0) relaxed_dot_mode(0);
  return dotMode == 2;
}
