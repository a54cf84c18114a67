/** GhostNetV2's DFC attention: x · upsample(sigmoid(gate)), the gate at half resolution. */
import { defineOp } from './op.ts';
import { gateSlices, prepareGate, sigmoid } from './gate.ts';

export const dfcGate = defineOp({
  kind: 'dfc_gate',
  kernels: ['lut_u8', 'gate_upsample_mul'],
  slices: gateSlices,
  prepare(op, ctx, k) {
    const { lut, gIn, gn, g, gate, h, w, c, scale, x, xs, zpX, y, ys, zpOut } = prepareGate(op, ctx, sigmoid);
    return () => {
      k.lut_u8(gIn, gn, lut, g);
      k.gate_upsample_mul(x, h, w, c, xs, zpX, g, gate.h, gate.w, scale, y, ys, zpOut, -128, 127);
    };
  },
});
