/**
 * The network as a plan (XNNPACK's runtime of compute records): every kernel call of every op's
 * eval, in order, as one fixed-size record in engine memory, which assembly/plan.ts `run_plan` runs
 * in one call from JS. Why: after workerd flushes V8's baseline code (tools/repro/liftoff-flush), a
 * request compiled again every exported entry point it called (~10 of them, ~40 calls a request, too
 * few for V8 to optimise them); run_plan has them inlined and is optimised during the warm-up.
 *
 * The record layout and codes are assembly/plan.ts's: RECORD_BYTES bytes, word 0 the code, words 1..
 * the arguments in the kernel's order (worker/kernels.ts), f32 arguments as f32 bits (the rounding
 * JS → WebAssembly applies to an f32 parameter), everything else as i32.
 */
import type { EngineExports, EngineKernelName } from '../kernels.ts';
import { EngineError } from './ops/context.ts';
import type { KernelCall } from './ops/op.ts';

export const RECORD_BYTES = 80;

/** The kernels a plan can call: their code in assembly/plan.ts and which arguments are f32. */
export const PLAN_KERNELS: Partial<Record<EngineKernelName, { code: number; f32: readonly number[] }>> = {
  pointwise: { code: 1, f32: [] },
  pointwise_f32: { code: 2, f32: [] },
  depthwise: { code: 3, f32: [] },
  stem_3x3s2: { code: 4, f32: [] },
  add: { code: 5, f32: [5, 9] },
  avgpool2x2: { code: 6, f32: [6] },
  global_avgpool: { code: 7, f32: [5] },
  lut_u8: { code: 8, f32: [] },
  gate_upsample_mul: { code: 9, f32: [9] },
  channel_scale: { code: 10, f32: [6] },
};

type PlanExports = EngineExports & { run_plan?(plan: number, count: number): void; plan_record_bytes?(): number };

export interface Plan {
  ptr: number;
  count: number;
}

/**
 * Whether this engine binary can run `calls` as a plan: it has run_plan with this record layout
 * (binaries built before it, e.g. a bench's --baseline, do not), and every call is to a kernel the
 * plan knows (the stem's im2col fallback for binaries without stem_3x3s2 is not).
 */
export function canPlan(k: EngineExports, calls: readonly KernelCall[]): boolean {
  const p = k as PlanExports;
  return typeof p.run_plan === 'function' && p.plan_record_bytes?.() === RECORD_BYTES && calls.every((c) => PLAN_KERNELS[c.kernel] !== undefined);
}

/** Writes `calls` as plan records into `ptr` (count · RECORD_BYTES bytes of engine memory). */
export function writePlan(k: EngineExports, calls: readonly KernelCall[], ptr: number): Plan {
  const view = new DataView(k.memory.buffer, ptr, calls.length * RECORD_BYTES);
  calls.forEach((c, i) => {
    const kind = PLAN_KERNELS[c.kernel];
    if (!kind) throw new EngineError(`the plan has no code for kernel ${c.kernel}`);
    if (4 * (1 + c.args.length) > RECORD_BYTES) throw new EngineError(`kernel ${c.kernel} takes more arguments than a plan record holds`);
    const at = i * RECORD_BYTES;
    view.setInt32(at, kind.code, true);
    c.args.forEach((v, j) => {
      if (kind.f32.includes(j)) view.setFloat32(at + 4 * (1 + j), v, true);
      else if (Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 32) view.setInt32(at + 4 * (1 + j), v | 0, true);
      else throw new EngineError(`kernel ${c.kernel}: argument ${j} (${v}) is not a 32-bit integer`);
    });
  });
  return { ptr, count: calls.length };
}

/**
 * Runs run_plan's loop `iterations` times over records that do nothing (code 0), so that V8 optimises
 * run_plan now. Why: V8 optimises a baseline (Liftoff) function once it has spent a budget, which
 * each pass of a loop charges by the loop's code size; the start-up warm-up's 7 runs of the
 * default model (~220 records each) left run_plan short of it (traced: optimised during the 5th
 * request alone in workerd), and only optimised code survives the flushes of baseline code that
 * workerd causes (tools/repro/liftoff-flush). The empty records go into the plan's own table (`ptr`,
 * `records` long) before writePlan fills it: no memory of its own. ~10 µs for 4096 passes.
 */
export function warmPlan(k: EngineExports, ptr: number, records: number, iterations: number): void {
  if (records <= 0) return;
  new Uint8Array(k.memory.buffer, ptr, records * RECORD_BYTES).fill(0);
  for (let done = 0; done < iterations; done += records) (k as Required<PlanExports>).run_plan(ptr, Math.min(records, iterations - done));
}

/** Runs the plan: the whole network, one JS → WebAssembly call. */
export function runPlan(k: EngineExports, plan: Plan): void {
  (k as Required<PlanExports>).run_plan(plan.ptr, plan.count);
}
