/** A depthwise conv (Ghost cheap op, DFC 1x5 / 5x1, the block's strided dw, the shortcut's dw). */
import { call, defineOp } from './op.ts';

export const depthwise = defineOp({
  kind: 'depthwise',
  kernels: ['depthwise'],
  prepare(op, ctx) {
    const x = ctx.operand(op.input);
    const y = ctx.operand(op.output);
    const { kh, kw } = ctx.conv(op.conv);
    const c = x.c;
    // The Ghost cheap op has `init` filters but only the first `oup - init` outputs are used.
    const plain = () => (ctx.model.tensor(`${op.conv}.weight`) as Int8Array).subarray(0, c * kh * kw);
    const { packed, bias, scale } = ctx.convWeights(op.conv, { kind: 'depthwise', c, kh, kw }, plain, x.scale, y.scale, x.zp);
    const stride = op.stride;
    const qmin = op.relu ? Math.max(-128, y.zp) : -128;
    return [call('depthwise', x.ptr, x.h, x.w, c, x.stride, packed, bias, scale, kh, kw, stride, x.zp, y.ptr, y.stride, y.zp, qmin, 127)];
  },
});
