/** A 1x1 conv (Ghost primary, DFC short conv, SE reduce/expand, shortcut, final conv, head), int8 out. */
import { call, defineOp } from './op.ts';

export const pointwise = defineOp({
  kind: 'pointwise',
  kernels: ['pointwise'],
  prepare(op, ctx) {
    const x = ctx.operand(op.input);
    const y = ctx.operand(op.output);
    const cout = ctx.conv(op.conv).cout;
    const plain = () => ctx.model.tensor(`${op.conv}.weight`) as Int8Array;
    const { packed, bias, scale } = ctx.convWeights(op.conv, { kind: 'pointwise', cin: x.c, cout }, plain, x.scale, y.scale, x.zp);
    const qmin = op.relu ? Math.max(-128, y.zp) : -128;
    return [call('pointwise', x.ptr, x.h * x.w, x.c, x.stride, packed, bias, scale, cout, y.ptr, y.stride, y.zp, qmin, 127)];
  },
});
