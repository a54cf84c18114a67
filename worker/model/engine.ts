/**
 * The int8 engine: prepare (once per isolate) lays out every tensor in one arena (arena.ts) and
 * prepares each op of the graph through its module in the op registry (ops/index.ts): weights
 * in place, multipliers and tables computed. A conv's weights are the packed weights, the int32
 * bias with the input zero point folded in, and the f32 requantization scales: a format-2 file
 * carries them ready (packed by this build at this pack_layout_version), and prepare only copies
 * them; otherwise (format 1, or packed for another build) they are computed here from the plain
 * weights, or, in a file without plain weights, from another build's packed weights unpacked
 * (PackSource in ops/context.ts), and `record` hands them to the converter to store.
 * An op's eval is its kernel calls with their prepared arguments (ops/op.ts); prepare writes all of
 * them as one plan into engine memory (plan.ts), and eval (per image) quantizes the input, then runs
 * the plan: one call into WebAssembly (run_plan) for the whole network. Engine binaries without
 * run_plan, and the per-op profile, run the same calls op by op from JS. No allocation.
 */
import { convSpecs, netSpec } from './architecture.ts';
import { planArena } from './arena.ts';
import type { ModelFile, TensorToWrite } from './format.ts';
import { buildGraph, type Graph, type Op } from './graph.ts';
import { defaultPointwiseTiles, type EngineExports } from '../kernels.ts';
import { BUILDS, EngineError, PrepareContext, type PackSource, type QParams } from './ops/context.ts';
import { prepareOp } from './ops/index.ts';
import type { Eval } from './ops/op.ts';
import { canPlan, type Plan, RECORD_BYTES, runPlan, warmPlan, writePlan } from './plan.ts';

export { EngineError, preparedName, type QParams } from './ops/context.ts';
export type { EngineExports } from '../kernels.ts';

/** Passes of run_plan's loop over empty records at prepare (plan.ts warmPlan: why). */
const WARM_PLAN_ITERATIONS = 4096;

export interface EngineOutput {
  logits: Float32Array;
  features: Float32Array;
}

export interface PrepareOptions {
  /** Every intermediate tensor keeps its own memory (readable after a run). */
  debug?: boolean;
  /**
   * The SIMD128 build's pointwise tile form (pointwise_tiles in assembly/kernels/pointwise/index.ts;
   * the same bytes either way): by default 'shuffle' under workerd, whose V8 bounds-checks every wasm
   * memory access explicitly, else 'splat' (docs/KERNELS.md). No effect in the other builds.
   */
  pointwiseTiles?: 'splat' | 'shuffle';
  /** Keep a copy of every prepared buffer computed here (`recorded`), for the converter. */
  record?: boolean;
  /**
   * Run the network as one plan (run_plan, one JS → WebAssembly call) when the engine binary has it
   * (default); false: op by op from JS, one call per kernel call (the same calls, the same bytes).
   */
  plan?: boolean;
}

export class Int8Engine {
  /** Per op: its kernel calls bound to their arguments (the per-op path and the profile). */
  private readonly steps: Array<Array<() => void>> = [];
  /** The whole network's calls as a plan in engine memory; null when run op by op. */
  private readonly plan: Plan | null = null;
  private inputPtr = 0;
  private logitsPtr = 0;
  /** f32 staging buffer of run(chw): 12 bytes per input pixel (0.6 MB at 224²), allocated at prepare. */
  private chwPtr = 0;
  private readonly tensorPtr = new Map<string, number>();
  private readonly records: TensorToWrite[] | null;

  readonly graph: Graph;
  readonly inputSize: number;
  readonly numClasses: number;
  /** Bytes of WASM linear memory after prepare. */
  get memoryBytes(): number {
    return this.k.memory.buffer.byteLength;
  }

  private constructor(
    private readonly k: EngineExports,
    private readonly model: ModelFile,
    private readonly act: Record<string, QParams>,
    opts: PrepareOptions,
  ) {
    const h = model.header;
    this.inputSize = h.preprocessing.input_size;
    this.numClasses = h.architecture.num_classes;
    const spec = netSpec(h.architecture.width, h.architecture.num_classes, h.architecture.family);
    this.graph = buildGraph(spec, this.inputSize);
    this.records = opts.record ? [] : null;
    const packSource = this.checkPacking();
    const arena = planArena(this.graph, !opts.debug);
    const base = this.alloc(arena.size);
    for (const [name, off] of arena.offsets) this.tensorPtr.set(name, base + off);
    this.inputPtr = this.tensorPtr.get('input')!;
    this.logitsPtr = this.alloc(4 * this.numClasses);
    this.chwPtr = this.alloc(12 * this.inputSize * this.inputSize);
    const ctx = new PrepareContext({
      k,
      model,
      act,
      graph: this.graph,
      convs: new Map(convSpecs(spec).map((c) => [c.name, c])),
      tensorPtr: this.tensorPtr,
      logits: this.logitsPtr,
      variant: this.variant,
      packSource,
      records: this.records,
    });
    const evals: Eval[] = this.graph.ops.map((op) => prepareOp(op, ctx, k));
    const kernels = k as unknown as Record<string, (...args: number[]) => void>;
    for (const e of evals) this.steps.push(e.map((c) => kernels[c.kernel].bind(null, ...c.args)));
    const calls = evals.flat();
    if (opts.plan !== false && canPlan(k, calls)) {
      const table = this.alloc(calls.length * RECORD_BYTES);
      warmPlan(k, table, calls.length, WARM_PLAN_ITERATIONS);
      this.plan = writePlan(k, calls, table);
    }
  }

  /**
   * Instantiates the WASM module (from a module, never from bytes: workerd forbids that) and
   * prepares the model, synchronously: the Worker does this at module scope for its default model.
   */
  static prepare(model: ModelFile, wasm: WebAssembly.Module, opts: PrepareOptions = {}): Int8Engine {
    if (model.header.precision !== 'int8') throw new EngineError('the int8 engine needs an int8 model file');
    const q = model.header.quantization as { scheme?: string; activations?: Record<string, QParams> } | null;
    if (!q?.activations) throw new EngineError('model file has no activation quantization parameters');
    const instance = new WebAssembly.Instance(wasm, {
      env: {
        abort: () => {
          throw new EngineError('engine aborted');
        },
      },
    });
    const k = instance.exports as unknown as EngineExports;
    // (optional: engine binaries older than the tile forms, e.g. a bench's --baseline, lack it)
    (k as Partial<Pick<EngineExports, 'pointwise_tiles'>>).pointwise_tiles?.((opts.pointwiseTiles ?? defaultPointwiseTiles()) === 'shuffle' ? 1 : 2);
    return new Int8Engine(k, model, q.activations, opts);
  }

  /** `prepare` for callers that await (tools, tests). */
  static async create(model: ModelFile, wasm: WebAssembly.Module, opts: PrepareOptions = {}): Promise<Int8Engine> {
    return Int8Engine.prepare(model, wasm, opts);
  }

  get variant(): 'scalar' | 'simd128' | 'relaxed' {
    return BUILDS[this.k.variant()];
  }

  /** The version of the packed weight layouts of this engine build (assembly/layout.ts). */
  get packLayoutVersion(): number {
    return this.k.pack_layout_version();
  }

  /** The prepared buffers computed (not copied) at prepare, when asked with `record`. */
  get recorded(): TensorToWrite[] {
    if (!this.records) throw new EngineError('prepare was not asked to record');
    return this.records;
  }

  /**
   * Where prepare takes the packed weights from (PackSource): the file's own, when it is packed by
   * this variant at this pack_layout_version; else its plain weights, packed now; else another
   * build's packing at this layout version, unpacked and packed for this build (a file packed for
   * SIMD128 only runs on the relaxed build; bit-identical, since the weights are the same). A file
   * packed only at another layout version, without plain weights, is refused.
   */
  private checkPacking(): PackSource {
    const p = this.model.header.packing;
    if (!p) return { kind: 'plain' };
    const sameLayout = p.layout_version === this.packLayoutVersion;
    if (sameLayout && p.builds.includes(this.variant as 'simd128' | 'relaxed')) return { kind: 'own' };
    if (p.plain) return { kind: 'plain' };
    if (sameLayout && p.builds.length) return { kind: 'from', build: p.builds[0] };
    const has = p.builds.length ? `weights packed by the ${p.builds.join(' and ')} build${p.builds.length > 1 ? 's' : ''} (layout version ${p.layout_version})` : 'no packed weights';
    throw new EngineError(
      `the model file has ${has} and no plain weights, but this is the ${this.variant} build (layout version ${this.packLayoutVersion}): ` +
        `re-convert it with ${this.variant === 'scalar' ? '--pack plain' : `--pack ${this.variant} (or --pack plain, which every build can load)`}`,
    );
  }

  private alloc(bytes: number): number {
    const p = this.k.alloc(bytes);
    if (!p) throw new EngineError(`engine out of memory allocating ${bytes} bytes`);
    return p;
  }

  private q(name: string): QParams {
    const p = this.act[name];
    if (!p) throw new EngineError(`model has no quantization parameters for tensor ${name}`);
    return p;
  }

  /** Quantizes a normalized CHW float image into the input tensor (NHWC int8), in WASM (kernels/input). */
  private setInput(chw: Float32Array): void {
    const n = this.inputSize * this.inputSize;
    if (chw.length !== 3 * n) throw new EngineError(`input must be [3, ${this.inputSize}, ${this.inputSize}], got ${chw.length} values`);
    const { scale, zero_point } = this.q('input');
    new Float32Array(this.k.memory.buffer, this.chwPtr, 3 * n).set(chw);
    this.k.quantize_chw(this.chwPtr, n, 1 / scale, zero_point, this.inputPtr);
  }

  /** The input tensor's quantization, for callers that quantize images themselves (runInt8). */
  get inputQuantization(): QParams {
    return this.q('input');
  }

  /** Runs the net on one normalized CHW image of the model's input size. */
  run(chw: Float32Array): EngineOutput {
    this.setInput(chw);
    return this.eval();
  }

  /** Runs the net on an already quantized NHWC input ([S, S, 3] int8 at `inputQuantization`). */
  runInt8(hwc: Int8Array): EngineOutput {
    const n = 3 * this.inputSize * this.inputSize;
    if (hwc.length !== n) throw new EngineError(`int8 input must have ${n} values, got ${hwc.length}`);
    new Int8Array(this.k.memory.buffer, this.inputPtr, n).set(hwc);
    return this.eval();
  }

  /** Whether eval runs the network as one plan (run_plan) rather than op by op. */
  get runsPlan(): boolean {
    return this.plan !== null;
  }

  private eval(): EngineOutput {
    if (this.plan) runPlan(this.k, this.plan);
    else for (const step of this.steps) for (const c of step) c();
    const logits = new Float32Array(this.k.memory.buffer, this.logitsPtr, this.numClasses).slice();
    // Finite scales can still overflow f32 if a (crafted or corrupt) file has absurd ones.
    if (!allFinite(logits)) throw new EngineError('the model produced non-finite logits: its scales or biases are out of range');
    return { logits, features: this.tensor(this.graph.features) };
  }

  /** Runs like `run` but op by op from JS, timing every op (for the benchmark's per-family throughput). */
  profile(chw: Float32Array): { kind: Op['kind']; conv?: string; ms: number }[] {
    this.setInput(chw);
    return this.graph.ops.map((op, i) => {
      const t0 = performance.now();
      for (const c of this.steps[i]) c();
      return { kind: op.kind, conv: 'conv' in op ? op.conv : undefined, ms: performance.now() - t0 };
    });
  }

  /** Dequantized copy of a tensor (NCHW order). Intermediates are only intact in debug mode. */
  tensor(name: string): Float32Array {
    const t = this.graph.tensors.get(name);
    const p = this.tensorPtr.get(name);
    if (!t || p === undefined) throw new EngineError(`no tensor ${name}`);
    const { scale, zero_point } = this.q(name);
    const n = t.h * t.w;
    const src = new Int8Array(this.k.memory.buffer, p, n * t.c);
    const out = new Float32Array(n * t.c);
    for (let px = 0; px < n; px++) for (let c = 0; c < t.c; c++) out[c * n + px] = scale * (src[px * t.c + c] - zero_point);
    return out;
  }

  /** Raw int8 bytes of a tensor (NHWC), for bit-exact comparisons between builds. */
  raw(name: string): Int8Array {
    const t = this.graph.tensors.get(name)!;
    return new Int8Array(this.k.memory.buffer, this.tensorPtr.get(name)!, t.c * t.h * t.w).slice();
  }
}

/**
 * Whether every value is finite. A plain loop: TypedArray.prototype.every with Number.isFinite as the
 * callback cost ~16 µs per 1000 logits in Node 20, about 0.2% of an inference at 224².
 */
function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}
