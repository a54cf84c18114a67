/** The stem: 3x3 stride-2 conv + ReLU on the RGB input, as im2col then the 1x1 GEMM (K = 27). */
import { defineOp } from './op.ts';

export const stem = defineOp({
  kind: 'stem',
  kernels: ['im2col_3x3s2', 'pointwise'],
  prepare(op, ctx, k) {
    const x = ctx.operand(op.input);
    const y = ctx.operand(op.output);
    const pixels = y.h * y.w;
    const cout = y.c;
    // [cout][c][ky][kx] → [cout][ky][kx][c], the order im2col writes taps in.
    const reorder = () => {
      const src = ctx.model.tensor(`${op.conv}.weight`) as Int8Array;
      const wt = new Int8Array(cout * 27);
      for (let o = 0; o < cout; o++) for (let c = 0; c < 3; c++) for (let t = 0; t < 9; t++) wt[o * 27 + t * 3 + c] = src[o * 27 + c * 9 + t];
      return wt;
    };
    const { packed, bias, scale } = ctx.convWeights(op.conv, { kind: 'pointwise', cin: 27, cout }, reorder, x.scale, y.scale, x.zp);
    const cols = ctx.alloc(pixels * 32);
    return () => {
      k.im2col_3x3s2(x.ptr, x.h, x.w, x.zp, cols);
      k.pointwise(cols, pixels, 27, 32, packed, bias, scale, cout, y.ptr, y.stride, y.zp, Math.max(-128, y.zp), 127);
    };
  },
});
