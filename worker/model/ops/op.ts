/**
 * What an op is to the engine, as in TFLite Micro's op registrations: `prepare` runs once per
 * model (reads quantization parameters, computes multipliers and tables, places weights) and
 * returns its eval, which runs per image, calls integer kernels only and allocates nothing.
 * Every op kind of the graph (graph.ts `Op`) has one module, registered in ops/index.ts.
 *
 * Eval is data, as XNNPACK's operators hand their runtime compute records: the kernel calls with
 * their prepared arguments. The engine runs them as one plan (plan.ts: one JS → WebAssembly call per
 * network) or, for the per-op profile and engine binaries without run_plan, op by op from JS.
 */
import type { Op, Slice } from '../graph.ts';
import type { EngineExports, EngineKernelName } from '../../kernels.ts';
import type { PrepareContext } from './context.ts';

export type OpKind = Op['kind'];
export type OpOf<K extends OpKind> = Extract<Op, { kind: K }>;

/** One kernel call of an eval: the kernel's name and its arguments, in its order (worker/kernels.ts). */
export type KernelCall<N extends EngineKernelName = EngineKernelName> = { [K in N]: { kernel: K; args: Parameters<EngineExports[K]> } }[N];

/** The per-image step of one op: integer kernels on prepared pointers, in order, no allocation. */
export type Eval<N extends EngineKernelName = EngineKernelName> = readonly KernelCall<N>[];

/** A kernel call, typed by the kernel's parameters. */
export function call<N extends EngineKernelName>(kernel: N, ...args: Parameters<EngineExports[N]>): KernelCall<N> {
  return { kernel, args } as KernelCall<N>;
}

export interface OpModule<K extends OpKind = OpKind, N extends EngineKernelName = EngineKernelName> {
  kind: K;
  /** The kernels eval calls; prepare gets only these (test/node/kernel-coverage.test.ts checks each). */
  kernels: readonly N[];
  /** The tensor slices the op reads and writes, which the arena keeps alive across it. Default: input and output. */
  slices?(op: OpOf<NoInfer<K>>): Slice[];
  prepare(op: OpOf<NoInfer<K>>, ctx: PrepareContext, k: Pick<EngineExports, N>): Eval<N>;
}

/** Declares an op module; the kernel names are inferred from `kernels`. */
export function defineOp<K extends OpKind, N extends EngineKernelName>(m: OpModule<K, N>): OpModule<K, N> {
  return m;
}
