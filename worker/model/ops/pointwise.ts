/** A 1x1 conv (Ghost primary, DFC short conv, SE reduce/expand, shortcut, final conv, head), int8 out. */
import { defineOp } from './op.ts';

export const pointwise = defineOp({
  kind: 'pointwise',
  kernels: ['pointwise'],
  prepare(op, ctx, k) {
    const qi = ctx.q(op.input.tensor);
    const qo = ctx.q(op.output.tensor);
    const cin = op.input.channels;
    const cout = ctx.conv(op.conv).cout;
    const plain = () => ctx.model.tensor(`${op.conv}.weight`) as Int8Array;
    const { packed, bias, scale } = ctx.convWeights(op.conv, { kind: 'pointwise', cin, cout }, plain, qi.scale, qo.scale, qi.zero_point);
    const { h, w } = ctx.dims(op.input);
    const pixels = h * w;
    const x = ctx.ptr(op.input);
    const xs = ctx.stride(op.input);
    const y = ctx.ptr(op.output);
    const ys = ctx.stride(op.output);
    const qmin = op.relu ? Math.max(-128, qo.zero_point) : -128;
    return () => k.pointwise(x, pixels, cin, xs, packed, bias, scale, cout, y, ys, qo.zero_point, qmin, 127);
  },
});
