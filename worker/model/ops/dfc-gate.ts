/** GhostNetV2's DFC attention: x · upsample(sigmoid(gate)), the gate at half resolution. */
import { gateSlices, prepareGate, sigmoid } from './gate.ts';
import { call, defineOp } from './op.ts';

export const dfcGate = defineOp({
  kind: 'dfc_gate',
  kernels: ['lut_u8', 'gate_upsample_mul'],
  slices: gateSlices,
  prepare(op, ctx) {
    const { x, gate, y, lut, gn, g, scale } = prepareGate(op, ctx, sigmoid);
    return [call('lut_u8', gate.ptr, gn, lut, g), call('gate_upsample_mul', x.ptr, x.h, x.w, x.c, x.stride, x.zp, g, gate.h, gate.w, scale, y.ptr, y.stride, y.zp, -128, 127)];
  },
});
