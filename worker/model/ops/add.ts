/** The residual add of a block: requantized a + b. */
import { defineOp } from './op.ts';

export const add = defineOp({
  kind: 'add',
  kernels: ['add'],
  slices: (op) => [op.a, op.b, op.output],
  prepare(op, ctx, k) {
    const qa = ctx.q(op.a.tensor);
    const qb = ctx.q(op.b.tensor);
    const qo = ctx.q(op.output.tensor);
    const { h, w } = ctx.dims(op.output);
    const c = op.output.channels;
    const mA = ctx.f32Scale(qa.scale / qo.scale, op.output.tensor);
    const mB = ctx.f32Scale(qb.scale / qo.scale, op.output.tensor);
    const a = ctx.ptr(op.a);
    const as = ctx.stride(op.a);
    const b = ctx.ptr(op.b);
    const bs = ctx.stride(op.b);
    const y = ctx.ptr(op.output);
    const ys = ctx.stride(op.output);
    return () => k.add(a, h * w, c, as, qa.zero_point, mA, b, bs, qb.zero_point, mB, y, ys, qo.zero_point, -128, 127);
  },
});
