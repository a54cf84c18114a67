/** The classifier: a 1x1 conv whose outputs are the f32 logits (no output quantization: s_out = 1). */
import { defineOp } from './op.ts';

export const classifier = defineOp({
  kind: 'classifier',
  kernels: ['pointwise_f32'],
  slices: (op) => [op.input],
  prepare(op, ctx, k) {
    const qi = ctx.q(op.input.tensor);
    const cin = op.input.channels;
    const cout = ctx.conv(op.conv).cout;
    const plain = () => ctx.model.tensor(`${op.conv}.weight`) as Int8Array;
    const { packed, bias, scale } = ctx.convWeights(op.conv, { kind: 'pointwise', cin, cout }, plain, qi.scale, 1, qi.zero_point);
    const { h, w } = ctx.dims(op.input);
    const pixels = h * w;
    const x = ctx.ptr(op.input);
    const xs = ctx.stride(op.input);
    const y = ctx.logits;
    return () => k.pointwise_f32(x, pixels, cin, xs, packed, bias, scale, cout, y, cout);
  },
});
