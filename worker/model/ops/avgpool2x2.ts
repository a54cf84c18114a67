/** The DFC branch's 2x2 average pool (stride 2). */
import { call, defineOp } from './op.ts';

export const avgpool2x2 = defineOp({
  kind: 'avgpool2x2',
  kernels: ['avgpool2x2'],
  prepare(op, ctx) {
    const x = ctx.operand(op.input);
    const y = ctx.operand(op.output);
    const scale = ctx.f32Scale(x.scale / (4 * y.scale), op.output.tensor);
    return [call('avgpool2x2', x.ptr, x.h, x.w, x.c, x.stride, x.zp, scale, y.ptr, y.stride, y.zp, -128, 127)];
  },
});
