/** Global average pool (SE squeeze, and the pool before conv_head). */
import { defineOp } from './op.ts';

export const globalAvgpool = defineOp({
  kind: 'global_avgpool',
  kernels: ['global_avgpool'],
  prepare(op, ctx, k) {
    const qi = ctx.q(op.input.tensor);
    const qo = ctx.q(op.output.tensor);
    const { h, w } = ctx.dims(op.input);
    const c = op.input.channels;
    const scale = ctx.f32Scale(qi.scale / (h * w * qo.scale), op.output.tensor);
    const x = ctx.ptr(op.input);
    const xs = ctx.stride(op.input);
    const y = ctx.ptr(op.output);
    return () => k.global_avgpool(x, h * w, c, xs, qi.zero_point, scale, y, qo.zero_point);
  },
});
