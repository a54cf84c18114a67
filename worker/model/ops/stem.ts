/**
 * The stem: 3x3 stride-2 conv + ReLU on the RGB input, one kernel (stem_3x3s2: a direct kernel in the
 * SIMD128 build, im2col + the GEMM in the relaxed build). An engine built before that kernel existed
 * (main 8e174d2 and older, e.g. a `bench --baseline` binary) gets im2col then the 1x1 GEMM (K = 27), as it did.
 */
import { call, defineOp } from './op.ts';

export const stem = defineOp({
  kind: 'stem',
  kernels: ['stem_3x3s2', 'stem_3x3s2_scratch_size', 'im2col_3x3s2', 'pointwise'],
  prepare(op, ctx, k) {
    const x = ctx.operand(op.input);
    const y = ctx.operand(op.output);
    const cout = y.c;
    // [cout][c][ky][kx] → [cout][ky][kx][c], the tap order of the stem kernel (and of im2col's patches).
    const reorder = () => {
      const src = ctx.model.tensor(`${op.conv}.weight`) as Int8Array;
      const wt = new Int8Array(cout * 27);
      for (let o = 0; o < cout; o++) for (let c = 0; c < 3; c++) for (let t = 0; t < 9; t++) wt[o * 27 + t * 3 + c] = src[o * 27 + c * 9 + t];
      return wt;
    };
    // The weights are packed as a 1x1 conv's with cin 27 (the stem kernel takes that packing).
    const { packed, bias, scale } = ctx.convWeights(op.conv, { kind: 'pointwise', cin: 27, cout }, reorder, x.scale, y.scale, x.zp);
    const qmin = Math.max(-128, y.zp);
    if (typeof k.stem_3x3s2 !== 'function') {
      const pixels = y.h * y.w;
      const cols = ctx.alloc(pixels * 32);
      return [call('im2col_3x3s2', x.ptr, x.h, x.w, x.zp, cols), call('pointwise', cols, pixels, 27, 32, packed, bias, scale, cout, y.ptr, y.stride, y.zp, qmin, 127)];
    }
    const scratch = ctx.alloc(k.stem_3x3s2_scratch_size(x.h, x.w, cout));
    return [call('stem_3x3s2', x.ptr, x.h, x.w, x.zp, packed, bias, scale, cout, y.ptr, y.stride, y.zp, qmin, 127, scratch)];
  },
});
