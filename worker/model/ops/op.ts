/**
 * What an op is to the engine, as in TFLite Micro's op registrations: `prepare` runs once per
 * model (reads quantization parameters, computes multipliers and tables, places weights) and
 * returns `eval`, which runs per image, calls integer kernels only and allocates nothing.
 * Every op kind of the graph (graph.ts `Op`) has one module, registered in ops/index.ts.
 */
import type { Op, Slice } from '../graph.ts';
import type { EngineExports, EngineKernelName } from '../../kernels.ts';
import type { PrepareContext } from './context.ts';

export type OpKind = Op['kind'];
export type OpOf<K extends OpKind> = Extract<Op, { kind: K }>;

/** The per-image step of one op: integer kernels on prepared pointers, no allocation. */
export type Eval = () => void;

export interface OpModule<K extends OpKind = OpKind, N extends EngineKernelName = EngineKernelName> {
  kind: K;
  /** The kernels eval calls; prepare gets only these (test/node/kernel-coverage.test.ts checks each). */
  kernels: readonly N[];
  /** The tensor slices the op reads and writes, which the arena keeps alive across it. Default: input and output. */
  slices?(op: OpOf<NoInfer<K>>): Slice[];
  prepare(op: OpOf<NoInfer<K>>, ctx: PrepareContext, k: Pick<EngineExports, N>): Eval;
}

/** Declares an op module; the kernel names are inferred from `kernels`. */
export function defineOp<K extends OpKind, N extends EngineKernelName>(m: OpModule<K, N>): OpModule<K, N> {
  return m;
}
