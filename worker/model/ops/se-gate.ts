/** Squeeze-and-excitation: x · hard_sigmoid(gate), one gate value per channel. */
import { defineOp } from './op.ts';
import { gateSlices, hardSigmoid, prepareGate } from './gate.ts';

export const seGate = defineOp({
  kind: 'se_gate',
  kernels: ['lut_u8', 'channel_scale'],
  slices: gateSlices,
  prepare(op, ctx, k) {
    const { lut, gIn, gn, g, h, w, c, scale, x, xs, zpX, y, ys, zpOut } = prepareGate(op, ctx, hardSigmoid);
    return () => {
      k.lut_u8(gIn, gn, lut, g);
      k.channel_scale(x, h * w, c, xs, zpX, g, scale, y, ys, zpOut, -128, 127);
    };
  },
});
