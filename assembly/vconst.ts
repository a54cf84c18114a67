// v128 constants for loops, in a static block (docs/KERNELS.md, Conventions, "v128 constants").
//
// V8 13.6+ (Node 24, workerd's V8 14.x) rematerializes a v128.const at every use inside a loop:
// `movq r10, imm64` (or the same 8 bytes again from the code stream, `movq r10, [rip+…]`), `vmovq`,
// `vpunpcklqdq`: three instructions per use, per iteration. A value loaded from memory before the loop
// is an ordinary value to V8: kept in a register, or spilled and reloaded (one instruction, often
// folded into its user). A splat of a literal does not do: Binaryen folds it to a v128.const, and
// passing it as a parameter does not either (Binaryen's dead-argument pass propagates a constant
// argument into its callee). So the hot loops take their compile-time constants from here, loaded
// once per call (`v128.load(VK, VK_…)`), the loads outside the loops.
export const VK: usize = memory.data<i32>(
  [
    0x4b400000, 0x4b400000, 0x4b400000, 0x4b400000, // VK_MAGIC:  f32 lanes 1.5·2^23 (requant.ts MAGIC)
    0x80808080, 0x80808080, 0x80808080, 0x80808080, // VK_X80:    bytes 0x80
    0x00010001, 0x00010001, 0x00010001, 0x00010001, // VK_ONES16: i16 lanes 1
    0x0000ffff, 0x0000ffff, 0x0000ffff, 0x0000ffff, // VK_EVEN16: the even i16 lanes
    <i32>0xffff0000, <i32>0xffff0000, <i32>0xffff0000, <i32>0xffff0000, // VK_ODD16: the odd i16 lanes
    0x10101010, 0x10101010, 0x10101010, 0x10101010, // VK_X10:    bytes 16
    0, 0x43380000, 0, 0x43380000, //                   VK_MAGIC64: f64 lanes 1.5·2^52 (input/simd128.ts)
    0x04020100, 0x09080605, 0x0e0d0c0a, 0x00000000, // VK_RGB4: bytes 0,1,2,4,5,6,8,9,10,12,13,14,0,0,0,0 (a swizzle: RGBX → RGB)
  ],
  16,
);
export const VK_MAGIC: usize = 0;
export const VK_X80: usize = 16;
export const VK_ONES16: usize = 32;
export const VK_EVEN16: usize = 48;
export const VK_ODD16: usize = 64;
export const VK_X10: usize = 80;
export const VK_MAGIC64: usize = 96;
export const VK_RGB4: usize = 112;
