/** The residual add of a block: requantized a + b. */
import { call, defineOp } from './op.ts';

export const add = defineOp({
  kind: 'add',
  kernels: ['add'],
  slices: (op) => [op.a, op.b, op.output],
  prepare(op, ctx) {
    const a = ctx.operand(op.a);
    const b = ctx.operand(op.b);
    const y = ctx.operand(op.output);
    const mA = ctx.f32Scale(a.scale / y.scale, op.output.tensor);
    const mB = ctx.f32Scale(b.scale / y.scale, op.output.tensor);
    return [call('add', a.ptr, y.h * y.w, y.c, a.stride, a.zp, mA, b.ptr, b.stride, b.zp, mB, y.ptr, y.stride, y.zp, -128, 127)];
  },
});
