/** The DFC branch's 2x2 average pool (stride 2). */
import { defineOp } from './op.ts';

export const avgpool2x2 = defineOp({
  kind: 'avgpool2x2',
  kernels: ['avgpool2x2'],
  prepare(op, ctx, k) {
    const qi = ctx.q(op.input.tensor);
    const qo = ctx.q(op.output.tensor);
    const { h, w } = ctx.dims(op.input);
    const c = op.input.channels;
    const scale = ctx.f32Scale(qi.scale / (4 * qo.scale), op.output.tensor);
    const x = ctx.ptr(op.input);
    const xs = ctx.stride(op.input);
    const y = ctx.ptr(op.output);
    const ys = ctx.stride(op.output);
    return () => k.avgpool2x2(x, h, w, c, xs, qi.zero_point, scale, y, ys, qo.zero_point, -128, 127);
  },
});
