/** The classifier: a 1x1 conv whose outputs are the f32 logits (no output quantization: s_out = 1). */
import { call, defineOp } from './op.ts';

export const classifier = defineOp({
  kind: 'classifier',
  kernels: ['pointwise_f32'],
  slices: (op) => [op.input],
  prepare(op, ctx) {
    const x = ctx.operand(op.input);
    const cout = ctx.conv(op.conv).cout;
    const plain = () => ctx.model.tensor(`${op.conv}.weight`) as Int8Array;
    const { packed, bias, scale } = ctx.convWeights(op.conv, { kind: 'pointwise', cin: x.c, cout }, plain, x.scale, 1, x.zp);
    const y = ctx.logits;
    return [call('pointwise_f32', x.ptr, x.h * x.w, x.c, x.stride, packed, bias, scale, cout, y, cout)];
  },
});
