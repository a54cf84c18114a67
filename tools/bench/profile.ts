/**
 * Per-op profile of the int8 engine: time every engine step, attribute MACs from shapes, and sum by
 * kernel family. Uses `engine.profile(chw)` (worker/model/engine.ts), which runs the same prepared
 * steps as `run` with a performance.now() pair around each one — the engine is not modified here.
 */
import type { Int8Engine } from '../../worker/model/engine.ts';
import type { Op } from '../../worker/model/graph.ts';
import type { ModelFile } from '../../worker/model/format.ts';
import { median } from '../lib/median.ts';

export type ProfileFn = (chw: Float32Array) => { kind: string; conv?: string; ms: number }[];

/** The method this profiler needs on Int8Engine, or null when the engine does not have it. */
export function profileHook(engine: Int8Engine): ProfileFn | null {
  const f = (engine as unknown as { profile?: ProfileFn }).profile;
  return typeof f === 'function' ? f.bind(engine) : null;
}

export interface OpProfile {
  index: number;
  kind: string;
  name: string; // conv name, else the output tensor
  shape: string; // e.g. 112x112 16→8, or 56x56x72 k3 s2
  macs: number;
  ms: number; // median over runs
}

export interface FamilyProfile {
  family: string;
  ops: number;
  macs: number;
  ms: number;
  gmacs: number | null; // GMAC/s, for the conv families
  share: number; // of the summed op time
}

/** A finer grouping than the op kind, for the GMAC/s-against-the-peak view (see opClass). */
export interface ClassProfile {
  name: string;
  ops: number;
  macs: number;
  ms: number;
  gmacs: number | null; // null for the classes that do no MACs (gates, adds, pools, outside the ops)
  share: number; // of the summed op time plus the time outside the ops
}

export interface EngineProfile {
  runs: number;
  ops: OpProfile[];
  families: FamilyProfile[];
  /** By class: spatial 1×1, 1-pixel GEMVs, each depthwise kernel shape, gates, adds, ..., outside the ops. */
  classes: ClassProfile[];
  /** Depthwise by layer shape (C×H×W, kernel, stride), summed over the layers of that shape. */
  depthwiseShapes: ClassProfile[];
  totalMs: number; // sum of per-op medians
  /**
   * Median over runs of the run's summed op times. Not the same figure as totalMs: each op's median
   * drops that op's slow runs (a preemption, an interrupt, a cold line), but nearly every run has a
   * few slow ops somewhere, so on a shared machine Σ medians reads 4–8% below this (docs/benchmarks/engine.md).
   */
  opSumMedianMs: number;
  totalMacs: number;
  memoryBytes: number;
  /** Median of plain run() calls alternated with the profiled ones (same warm state, no per-op timers). */
  runBackToBackMs: number;
  runBackToBackMinMs: number;
  /** Median over runs of profile()'s wall time minus its per-op times: input quantization, glue, timer calls. */
  outsideOpsMs: number;
}

/** MACs of one op from the graph's tensor shapes and the model's weight shapes. */
export function opMacs(engine: Int8Engine, model: ModelFile, op: Op): { macs: number; shape: string } {
  const t = (name: string) => engine.graph.tensors.get(name)!;
  const wShape = (conv: string) => model.header.tensors.find((e) => e.name === `${conv}.weight`)?.shape;
  switch (op.kind) {
    case 'stem': {
      const o = t(op.output.tensor);
      const [cout, cin, kh, kw] = wShape(op.conv) ?? [op.output.channels, 3, 3, 3];
      return { macs: o.h * o.w * cout * cin * kh * kw, shape: `${o.h}x${o.w} ${cin}→${cout} k${kh}` };
    }
    case 'pointwise': {
      const o = t(op.output.tensor);
      const cin = op.input.channels;
      const cout = op.output.channels;
      const ws = wShape(op.conv);
      if (ws && (ws[0] !== cout || ws[1] !== cin)) throw new Error(`${op.conv}: weight [${ws}] does not match ${cin}→${cout}`);
      return { macs: o.h * o.w * cin * cout, shape: `${o.h}x${o.w} ${cin}→${cout}` };
    }
    case 'classifier': {
      const i = t(op.input.tensor);
      const ws = wShape(op.conv);
      const cout = ws ? ws[0] : engine.numClasses;
      return { macs: i.h * i.w * op.input.channels * cout, shape: `${op.input.channels}→${cout}` };
    }
    case 'depthwise': {
      const o = t(op.output.tensor);
      const [, , kh, kw] = wShape(op.conv) ?? [0, 0, 3, 3];
      const c = op.output.channels;
      return { macs: o.h * o.w * c * kh * kw, shape: `${o.h}x${o.w}x${c} k${kh}x${kw} s${op.stride}` };
    }
    default: {
      const o = t(op.output.tensor);
      return { macs: 0, shape: `${o.h}x${o.w}x${op.output.channels}` };
    }
  }
}

const CONV_FAMILIES = new Set(['stem', 'pointwise', 'depthwise', 'classifier']);

/** Display order of the classes (opClass). */
export const CLASS_ORDER = [
  'stem',
  '1×1 spatial',
  '1×1 1-pixel (GEMV)',
  'dw 3×3 s1',
  'dw 3×3 s2',
  'dw 5×5 s2',
  'dw 1×5 / 5×1 (DFC)',
  'dw other',
  'DFC avg-pool 2×2',
  'DFC gate',
  'SE pool',
  'SE gate',
  'add',
  'outside the ops',
];

/**
 * The class of an op in the per-class view: the 1×1 family splits into spatial GEMMs and 1-pixel
 * GEMVs (SE reduce/expand, conv_head, the classifier: memory-bound), depthwise by kernel shape.
 */
export function opClass(op: Pick<OpProfile, 'kind' | 'shape'>): string {
  switch (op.kind) {
    case 'stem':
      return 'stem';
    case 'classifier':
      return '1×1 1-pixel (GEMV)';
    case 'pointwise':
      return op.shape.startsWith('1x1 ') ? '1×1 1-pixel (GEMV)' : '1×1 spatial';
    case 'depthwise': {
      const m = / k(\d+)x(\d+) s(\d+)$/.exec(op.shape);
      const k = m ? `${m[1]}×${m[2]} s${m[3]}` : '?';
      if (k === '1×5 s1' || k === '5×1 s1') return 'dw 1×5 / 5×1 (DFC)';
      return ['3×3 s1', '3×3 s2', '5×5 s2'].includes(k) ? `dw ${k}` : 'dw other';
    }
    case 'avgpool2x2':
      return 'DFC avg-pool 2×2';
    case 'dfc_gate':
      return 'DFC gate';
    case 'global_avgpool':
      return 'SE pool';
    case 'se_gate':
      return 'SE gate';
    default:
      return op.kind;
  }
}

function group(per: OpProfile[], key: (o: OpProfile) => string, order: string[], totalMs: number): ClassProfile[] {
  const names = [...new Set(per.map(key))].sort((a, b) => (order.indexOf(a) + 1 || 1e9) - (order.indexOf(b) + 1 || 1e9));
  return names.map((name) => {
    const members = per.filter((p) => key(p) === name);
    const ms = members.reduce((s, p) => s + p.ms, 0);
    const macs = members.reduce((s, p) => s + p.macs, 0);
    return { name, ops: members.length, macs, ms, gmacs: macs ? macs / (ms * 1e6) : null, share: ms / totalMs };
  });
}
export const FAMILY_ORDER = ['stem', 'pointwise', 'depthwise', 'classifier', 'avgpool2x2', 'global_avgpool', 'dfc_gate', 'se_gate', 'add'];

/**
 * Profiles several engines (e.g. a build and its --baseline) in alternation: each round runs every
 * engine once (plain run(), then profile()), in an order rotated every round, after `warmup` rounds;
 * per-op medians and per-family sums for each. Profiling one engine's runs after the other's compared
 * two stretches of time: the memory-bound ops (the GEMVs stream their weights from L3, which every
 * process on the machine shares) read 0.83–0.88× apart between identical GEMV kernels that way, in
 * three of four runs; 1.00× interleaved (2026-12-07, tmp runs of npm run bench --baseline).
 */
export function profileEngines(list: { engine: Int8Engine; model: ModelFile }[], chw: Float32Array, runs: number, warmup: number): EngineProfile[] {
  const hooks = list.map(({ engine }) => {
    const hook = profileHook(engine);
    if (!hook) throw new Error('the engine has no profile(chw) method (see tools/bench/profile.ts)');
    return hook;
  });
  for (let i = 0; i < warmup; i++) for (const hook of hooks) hook(chw);
  const state = list.map(({ engine }) => ({ times: engine.graph.ops.map(() => [] as number[]), plain: [] as number[], outside: [] as number[] }));
  for (let r = 0; r < runs; r++) {
    for (let j = 0; j < list.length; j++) {
      const e = (j + r) % list.length;
      const { engine } = list[e];
      const ops = engine.graph.ops;
      const st = state[e];
      const t0 = performance.now();
      engine.run(chw);
      st.plain.push(performance.now() - t0);
      const w0 = performance.now();
      const steps = hooks[e](chw);
      st.outside.push(performance.now() - w0 - steps.reduce((acc, s) => acc + s.ms, 0));
      if (steps.length !== ops.length) throw new Error(`engine.profile returned ${steps.length} steps for ${ops.length} ops`);
      steps.forEach((s, i) => {
        if (s.kind !== ops[i].kind) throw new Error(`engine.profile step ${i} is ${s.kind}, the graph says ${ops[i].kind}`);
        st.times[i].push(s.ms);
      });
    }
  }
  return list.map(({ engine, model }, e) => summarizeProfile(engine, model, state[e].times, state[e].plain, state[e].outside, runs));
}

function summarizeProfile(engine: Int8Engine, model: ModelFile, times: number[][], plain: number[], outside: number[], runs: number): EngineProfile {
  const ops = engine.graph.ops;
  const per: OpProfile[] = ops.map((op, i) => {
    const { macs, shape } = opMacs(engine, model, op);
    const name = 'conv' in op ? op.conv : op.output.tensor;
    return { index: i, kind: op.kind, name, shape, macs, ms: median(times[i]) };
  });
  const totalMs = per.reduce((s, p) => s + p.ms, 0);
  const opSums = Array.from({ length: runs }, (_, r) => times.reduce((s, t) => s + t[r], 0));
  const families: FamilyProfile[] = [];
  for (const family of FAMILY_ORDER) {
    const members = per.filter((p) => p.kind === family);
    if (!members.length) continue;
    const ms = members.reduce((s, p) => s + p.ms, 0);
    const macs = members.reduce((s, p) => s + p.macs, 0);
    families.push({ family, ops: members.length, macs, ms, gmacs: CONV_FAMILIES.has(family) ? macs / (ms * 1e6) : null, share: ms / totalMs });
  }
  const outsideOpsMs = median(outside);
  const classes = group(per, opClass, CLASS_ORDER, totalMs + outsideOpsMs);
  classes.push({ name: 'outside the ops', ops: 0, macs: 0, ms: outsideOpsMs, gmacs: null, share: outsideOpsMs / (totalMs + outsideOpsMs) });
  const dw = per.filter((p) => p.kind === 'depthwise');
  const dwMs = dw.reduce((a, p) => a + p.ms, 0);
  const depthwiseShapes = group(dw, (p) => p.shape, [], dwMs).sort((a, b) => b.ms - a.ms);
  return {
    runs,
    ops: per,
    families,
    classes,
    depthwiseShapes,
    totalMs,
    opSumMedianMs: median(opSums),
    totalMacs: per.reduce((s, p) => s + p.macs, 0),
    memoryBytes: engine.memoryBytes,
    runBackToBackMs: median(plain),
    runBackToBackMinMs: Math.min(...plain),
    outsideOpsMs,
  };
}
