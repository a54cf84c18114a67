/**
 * The op registry: one module per op kind of the graph (graph.ts `Op`). The mapped type makes a
 * missing or misfiled op a type error; a new op is one file here plus its line below.
 */
import type { Op, Slice } from '../graph.ts';
import type { EngineExports, EngineKernelName } from '../../kernels.ts';
import { add } from './add.ts';
import { avgpool2x2 } from './avgpool2x2.ts';
import { classifier } from './classifier.ts';
import type { PrepareContext } from './context.ts';
import { depthwise } from './depthwise.ts';
import { dfcGate } from './dfc-gate.ts';
import { globalAvgpool } from './global-avgpool.ts';
import type { Eval, OpKind, OpModule } from './op.ts';
import { pointwise } from './pointwise.ts';
import { seGate } from './se-gate.ts';
import { stem } from './stem.ts';

export const OPS: { readonly [K in OpKind]: OpModule<K, EngineKernelName> } = {
  stem,
  pointwise,
  depthwise,
  classifier,
  avgpool2x2,
  global_avgpool: globalAvgpool,
  dfc_gate: dfcGate,
  se_gate: seGate,
  add,
};

// One op of the union at a time: TypeScript cannot correlate `op.kind` with OPS[op.kind]'s parameter.
const moduleOf = (op: Op) => OPS[op.kind] as unknown as OpModule<OpKind, EngineKernelName> & { prepare(op: Op, ctx: PrepareContext, k: EngineExports): Eval; slices?(op: Op): Slice[] };

/** The slices `op` reads and writes. */
export function slicesOf(op: Op): Slice[] {
  const m = moduleOf(op);
  return m.slices ? m.slices(op) : [(op as { input: Slice }).input, (op as { output: Slice }).output];
}

/** Prepares `op` and returns its eval (its kernel calls). */
export function prepareOp(op: Op, ctx: PrepareContext, k: EngineExports): Eval {
  return moduleOf(op).prepare(op, ctx, k);
}
