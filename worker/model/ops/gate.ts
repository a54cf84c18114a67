/**
 * What the two gates share: the gate function as a table over the 256 int8 codes (on the grid
 * g/255, applied by lut_u8 at eval), and the output multiplier s_x / (255 · s_out).
 */
import type { OpOf } from './op.ts';
import type { PrepareContext } from './context.ts';

/**
 * Round half to even, as the kernels' f32.nearest does: adding and removing 1.5·2^52 leaves a
 * double with no fraction bits, and IEEE rounding of that addition is round-half-even.
 * Exact for |v| < 2^51, far beyond any value quantized here.
 */
export function roundEven(v: number): number {
  return v + 6755399441055744 - 6755399441055744;
}

export const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
export const hardSigmoid = (v: number) => Math.min(Math.max(v + 3, 0), 6) / 6;

export const gateSlices = (op: OpOf<'dfc_gate' | 'se_gate'>) => [op.input, op.gate, op.output];

/** The gate's table and scratch, and the input/output operands of the gated multiply. */
export function prepareGate(op: OpOf<'dfc_gate' | 'se_gate'>, ctx: PrepareContext, f: (v: number) => number) {
  const x = ctx.operand(op.input);
  const gate = ctx.operand(op.gate);
  const y = ctx.operand(op.output);
  const table = new Uint8Array(256);
  for (let i = 0; i < 256; i++) table[i] = roundEven(255 * f(gate.scale * (i - 128 - gate.zp)));
  const lut = ctx.put(table);
  const gn = gate.h * gate.w * gate.stride;
  const g = ctx.alloc(gn);
  return { x, gate, y, lut, gn, g, scale: ctx.f32Scale(x.scale / (255 * y.scale), op.output.tensor) };
}
