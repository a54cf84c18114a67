/** The stem: 3x3 stride-2 conv + ReLU on the RGB input, as im2col then the 1x1 GEMM (K = 27). */
import { defineOp } from './op.ts';

export const stem = defineOp({
  kind: 'stem',
  kernels: ['im2col_3x3s2', 'pointwise'],
  prepare(op, ctx, k) {
    const qi = ctx.q(op.input.tensor);
    const qo = ctx.q(op.output.tensor);
    const { h, w } = ctx.dims(op.input);
    const out = ctx.dims(op.output);
    const pixels = out.h * out.w;
    const cout = op.output.channels;
    // [cout][c][ky][kx] → [cout][ky][kx][c], the order im2col writes taps in.
    const reorder = () => {
      const src = ctx.model.tensor(`${op.conv}.weight`) as Int8Array;
      const wt = new Int8Array(cout * 27);
      for (let o = 0; o < cout; o++) for (let c = 0; c < 3; c++) for (let t = 0; t < 9; t++) wt[o * 27 + t * 3 + c] = src[o * 27 + c * 9 + t];
      return wt;
    };
    const { packed, bias, scale } = ctx.convWeights(op.conv, { kind: 'pointwise', cin: 27, cout }, reorder, qi.scale, qo.scale, qi.zero_point);
    const cols = ctx.alloc(pixels * 32);
    const x = ctx.ptr(op.input);
    const y = ctx.ptr(op.output);
    const ys = ctx.stride(op.output);
    return () => {
      k.im2col_3x3s2(x, h, w, qi.zero_point, cols);
      k.pointwise(cols, pixels, 27, 32, packed, bias, scale, cout, y, ys, qo.zero_point, Math.max(-128, qo.zero_point), 127);
    };
  },
});
