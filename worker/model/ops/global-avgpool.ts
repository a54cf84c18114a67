/** Global average pool (SE squeeze, and the pool before conv_head). */
import { call, defineOp } from './op.ts';

export const globalAvgpool = defineOp({
  kind: 'global_avgpool',
  kernels: ['global_avgpool'],
  prepare(op, ctx) {
    const x = ctx.operand(op.input);
    const y = ctx.operand(op.output);
    const pixels = x.h * x.w;
    const scale = ctx.f32Scale(x.scale / (pixels * y.scale), op.output.tensor);
    return [call('global_avgpool', x.ptr, pixels, x.c, x.stride, x.zp, scale, y.ptr, y.zp)];
  },
});
