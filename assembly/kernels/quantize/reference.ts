// The model input's quantization of the resized image (docs/KERNELS.md, "quantize"): the image
// right before ToTensor, as bytes, to the engine's int8 NHWC input, through one table per channel
// (worker/image/quantize.ts inputQuantTable: ToTensor, Normalize and the input's quantization of
// each of the 256 byte values, computed in JS exactly as the float path rounds them).
//
// `params` is the block worker/image/quantize.ts `quantizeParams` writes:
//   [0, 768)    int8 table[c * 256 + v]
//   768         i32 shift of the table's affine form, or -1 when it has none (then every build
//               uses the table)
//   784 + 16·k  i32x4 multipliers, k < 12 (see simd128.ts), then 12 i32x4 offsets

// @ts-ignore: decorator
@inline export const PARAM_SHIFT: usize = 768;
// @ts-ignore: decorator
@inline export const PARAM_AFFINE: usize = 784;

/**
 * C = 3: src is n HWC bytes (n a multiple of 3), dst[i] = table[(i % 3) * 256 + src[i]].
 * C = 1: src is n gray bytes, each repeated into 3 channels: dst[3i + c] = table[c * 256 + src[i]].
 */
export function quantize_hwc_reference(src: usize, n: i32, C: i32, params: usize, dst: usize): void {
  if (C == 1) {
    for (let i = 0; i < n; i++) {
      const v = <usize>load<u8>(src + <usize>i);
      const o = dst + <usize>(3 * i);
      store<i8>(o, load<i8>(params + v));
      store<i8>(o, load<i8>(params + 256 + v), 1);
      store<i8>(o, load<i8>(params + 512 + v), 2);
    }
    return;
  }
  for (let i = 0; i + 3 <= n; i += 3) {
    const s = src + <usize>i,
      o = dst + <usize>i;
    store<i8>(o, load<i8>(params + <usize>load<u8>(s)));
    store<i8>(o, load<i8>(params + 256 + <usize>load<u8>(s, 1)), 1);
    store<i8>(o, load<i8>(params + 512 + <usize>load<u8>(s, 2)), 2);
  }
}
