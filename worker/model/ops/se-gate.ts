/** Squeeze-and-excitation: x · hard_sigmoid(gate), one gate value per channel. */
import { gateSlices, hardSigmoid, prepareGate } from './gate.ts';
import { call, defineOp } from './op.ts';

export const seGate = defineOp({
  kind: 'se_gate',
  kernels: ['lut_u8', 'channel_scale'],
  slices: gateSlices,
  prepare(op, ctx) {
    const { x, y, gate, lut, gn, g, scale } = prepareGate(op, ctx, hardSigmoid);
    return [call('lut_u8', gate.ptr, gn, lut, g), call('channel_scale', x.ptr, x.h * x.w, x.c, x.stride, x.zp, g, scale, y.ptr, y.stride, y.zp, -128, 127)];
  },
});
