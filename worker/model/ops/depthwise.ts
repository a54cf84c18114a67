/** A depthwise conv (Ghost cheap op, DFC 1x5 / 5x1, the block's strided dw, the shortcut's dw). */
import { defineOp } from './op.ts';

export const depthwise = defineOp({
  kind: 'depthwise',
  kernels: ['depthwise'],
  prepare(op, ctx, k) {
    const qi = ctx.q(op.input.tensor);
    const qo = ctx.q(op.output.tensor);
    const c = op.input.channels;
    const { kh, kw } = ctx.conv(op.conv);
    // The Ghost cheap op has `init` filters but only the first `oup - init` outputs are used.
    const plain = () => (ctx.model.tensor(`${op.conv}.weight`) as Int8Array).subarray(0, c * kh * kw);
    const { packed, bias, scale } = ctx.convWeights(op.conv, { kind: 'depthwise', c, kh, kw }, plain, qi.scale, qo.scale, qi.zero_point);
    const { h, w } = ctx.dims(op.input);
    const stride = op.stride;
    const x = ctx.ptr(op.input);
    const xs = ctx.stride(op.input);
    const y = ctx.ptr(op.output);
    const ys = ctx.stride(op.output);
    const qmin = op.relu ? Math.max(-128, qo.zero_point) : -128;
    return () => k.depthwise(x, h, w, c, xs, packed, bias, scale, kh, kw, stride, qi.zero_point, y, ys, qo.zero_point, qmin, 127);
  },
});
