/**
 * The int8 engine binding: the only code that knows the WASM exports.
 *
 * prepare (once per isolate): lay out every tensor in one arena (greedy by size, reusing memory
 * of tensors that are dead), put each conv's weights in place, and compute the gate lookup tables
 * and the pooling/add scales from the model's quantization parameters. A conv's weights are the
 * packed weights, the int32 bias with the input zero point folded in, and the f32 requantization
 * scales: a format-2 file carries them ready (packed by this build at this pack_layout_version),
 * and prepare only copies them; otherwise (format 1, or packed for another build) they are
 * computed here from the plain weights, and `record` hands them to the converter to store.
 * eval (per image): quantize the input, then call integer kernels in order. No allocation.
 */
import { convSpecs, netSpec, type ConvSpec } from './architecture.ts';
import { buildGraph, type Graph, type Op, type Slice } from './graph.ts';
import type { ModelFile, TensorToWrite } from './format.ts';

export interface KernelExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  mark(): number;
  release(to: number): void;
  variant(): number;
  pack_layout_version(): number;
  pointwise_packed_size(cin: number, cout: number): number;
  pointwise_pack(w: number, cin: number, cout: number, dst: number): void;
  quantize_chw(x: number, n: number, inv: number, zp: number, y: number): void;
  pointwise(x: number, pixels: number, cin: number, xStride: number, packed: number, bias: number, scale: number, cout: number, y: number, yStride: number, zpOut: number, qmin: number, qmax: number): void;
  pointwise_f32(x: number, pixels: number, cin: number, xStride: number, packed: number, bias: number, scale: number, cout: number, y: number, yStride: number): void;
  im2col_3x3s2(x: number, h: number, w: number, zpIn: number, dst: number): void;
  depthwise_packed_size(c: number, kh: number, kw: number): number;
  depthwise_pack(w: number, c: number, kh: number, kw: number, dst: number): void;
  depthwise(x: number, h: number, w: number, c: number, xStride: number, packed: number, bias: number, scale: number, kh: number, kw: number, stride: number, zpIn: number, y: number, yStride: number, zpOut: number, qmin: number, qmax: number): void;
  avgpool2x2(x: number, h: number, w: number, c: number, xStride: number, zpIn: number, scale: number, y: number, yStride: number, zpOut: number, qmin: number, qmax: number): void;
  global_avgpool(x: number, pixels: number, c: number, xStride: number, zpIn: number, scale: number, y: number, zpOut: number): void;
  lut_u8(x: number, n: number, lut: number, y: number): void;
  gate_upsample_mul(x: number, h: number, w: number, c: number, xStride: number, zpX: number, g: number, gh: number, gw: number, scale: number, y: number, yStride: number, zpOut: number, qmin: number, qmax: number): void;
  channel_scale(x: number, pixels: number, c: number, xStride: number, zpX: number, g: number, scale: number, y: number, yStride: number, zpOut: number, qmin: number, qmax: number): void;
  add(a: number, pixels: number, c: number, aStride: number, zpA: number, mA: number, b: number, bStride: number, zpB: number, mB: number, y: number, yStride: number, zpOut: number, qmin: number, qmax: number): void;
}

export interface QParams {
  scale: number;
  zero_point: number;
}

export class EngineError extends Error {}

export interface EngineOutput {
  logits: Float32Array;
  features: Float32Array;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const hardSigmoid = (v: number) => Math.min(Math.max(v + 3, 0), 6) / 6;

/**
 * Round half to even, as the kernels' f32.nearest does: adding and removing 1.5·2^52 leaves a
 * double with no fraction bits, and IEEE rounding of that addition is round-half-even.
 * Exact for |v| < 2^51, far beyond any value quantized here.
 */
export function roundEven(v: number): number {
  return v + 6755399441055744 - 6755399441055744;
}

interface Placed {
  offset: number;
  size: number;
  first: number;
  last: number;
}

/**
 * TFLite's greedy-by-size arena planner: largest tensors first, each at the lowest offset that
 * does not overlap a tensor alive at the same time. With `share` false every tensor gets its own
 * memory (debug mode: every intermediate stays readable after a run).
 */
function planArena(graph: Graph, share: boolean): { offsets: Map<string, number>; size: number } {
  const life = new Map<string, { first: number; last: number }>();
  const touch = (s: Slice, i: number) => {
    const l = life.get(s.tensor);
    if (!l) life.set(s.tensor, { first: i, last: i });
    else l.last = Math.max(l.last, i), (l.first = Math.min(l.first, i));
  };
  graph.ops.forEach((op, i) => {
    for (const s of slicesOf(op)) touch(s, i);
  });
  const names = [...life.keys()].sort((a, b) => bytesOf(graph, b) - bytesOf(graph, a));
  const placed: Placed[] = [];
  const offsets = new Map<string, number>();
  let size = 0;
  for (const name of names) {
    const l = life.get(name)!;
    const bytes = align(bytesOf(graph, name));
    let offset = 0;
    if (share) {
      const clashes = placed.filter((p) => p.first <= l.last && l.first <= p.last).sort((a, b) => a.offset - b.offset);
      for (const p of clashes) {
        if (offset + bytes <= p.offset) break;
        offset = Math.max(offset, p.offset + p.size);
      }
    } else offset = size;
    placed.push({ offset, size: bytes, ...l });
    offsets.set(name, offset);
    size = Math.max(size, offset + bytes);
  }
  return { offsets, size };
}

const align = (n: number) => (n + 15) & ~15;
const bytesOf = (g: Graph, name: string) => {
  const t = g.tensors.get(name)!;
  return t.c * t.h * t.w;
};

function slicesOf(op: Op): Slice[] {
  switch (op.kind) {
    case 'classifier':
      return [op.input];
    case 'add':
      return [op.a, op.b, op.output];
    case 'dfc_gate':
    case 'se_gate':
      return [op.input, op.gate, op.output];
    default:
      return [op.input, op.output];
  }
}

/** One conv's weights in engine memory, as the kernels take them. */
interface ConvWeights {
  packed: number;
  bias: number;
  scale: number;
}

/** How a conv's weights are packed: as a 1x1 GEMM (stem, pointwise, classifier) or per channel. */
type PackShape = { kind: 'pointwise'; cin: number; cout: number } | { kind: 'depthwise'; c: number; kh: number; kw: number };

/** Names of the prepared tensors of a conv in a format-2 file (models/FORMAT.md, "Prepared weights"). */
export const preparedName = {
  packed: (conv: string, variant: string) => `${conv}.packed.${variant}`,
  bias: (conv: string) => `${conv}.bias_folded`,
  scale: (conv: string) => `${conv}.requant`,
};

export interface PrepareOptions {
  /** Every intermediate tensor keeps its own memory (readable after a run). */
  debug?: boolean;
  /** Keep a copy of every prepared buffer computed here (`recorded`), for the converter. */
  record?: boolean;
}

export class Int8Engine {
  private readonly steps: Array<() => void> = [];
  private inputPtr = 0;
  private logitsPtr = 0;
  /** f32 staging buffer of run(chw): 12 bytes per input pixel (0.6 MB at 224²), allocated at prepare. */
  private chwPtr = 0;
  private readonly tensorPtr = new Map<string, number>();
  private readonly convs: Map<string, ConvSpec>;
  /** The file carries prepared weights packed by this build's variant at this layout version. */
  private readonly filePacked: boolean;
  private readonly records: TensorToWrite[] | null;

  readonly graph: Graph;
  readonly inputSize: number;
  readonly numClasses: number;
  /** Bytes of WASM linear memory after prepare. */
  get memoryBytes(): number {
    return this.k.memory.buffer.byteLength;
  }

  private constructor(
    private readonly k: KernelExports,
    private readonly model: ModelFile,
    private readonly act: Record<string, QParams>,
    opts: PrepareOptions,
  ) {
    const h = model.header;
    this.inputSize = h.preprocessing.input_size;
    this.numClasses = h.architecture.num_classes;
    const spec = netSpec(h.architecture.width, h.architecture.num_classes, h.architecture.family);
    this.graph = buildGraph(spec, this.inputSize);
    this.convs = new Map(convSpecs(spec).map((c) => [c.name, c]));
    this.records = opts.record ? [] : null;
    this.filePacked = this.checkPacking();
    const arena = planArena(this.graph, !opts.debug);
    const base = this.alloc(arena.size);
    for (const [name, off] of arena.offsets) this.tensorPtr.set(name, base + off);
    this.inputPtr = this.tensorPtr.get('input')!;
    this.logitsPtr = this.alloc(4 * this.numClasses);
    this.chwPtr = this.alloc(12 * this.inputSize * this.inputSize);
    for (const op of this.graph.ops) this.steps.push(this.prepare(op));
  }

  /**
   * Instantiates the WASM module (from a module, never from bytes: workerd forbids that) and
   * prepares the model, synchronously: the Worker does this at module scope for its default model.
   */
  static prepare(model: ModelFile, wasm: WebAssembly.Module, opts: PrepareOptions = {}): Int8Engine {
    if (model.header.precision !== 'int8') throw new EngineError('the int8 engine needs an int8 model file');
    const q = model.header.quantization as { scheme?: string; activations?: Record<string, QParams> } | null;
    if (!q?.activations) throw new EngineError('model file has no activation quantization parameters');
    const instance = new WebAssembly.Instance(wasm, { env: { abort: () => { throw new EngineError('engine aborted'); } } });
    return new Int8Engine(instance.exports as unknown as KernelExports, model, q.activations, opts);
  }

  /** `prepare` for callers that await (tools, tests). */
  static async create(model: ModelFile, wasm: WebAssembly.Module, opts: PrepareOptions = {}): Promise<Int8Engine> {
    return Int8Engine.prepare(model, wasm, opts);
  }

  get variant(): 'scalar' | 'simd128' | 'relaxed' {
    return (['scalar', 'simd128', 'relaxed'] as const)[this.k.variant()];
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
   * Whether the file's prepared weights are this build's: packed by the same variant at the same
   * pack_layout_version. When they are not, the plain weights must be there to pack now.
   */
  private checkPacking(): boolean {
    const p = this.model.header.packing;
    if (!p) return false;
    const mine = p.builds.includes(this.variant as 'simd128' | 'relaxed') && p.layout_version === this.packLayoutVersion;
    if (mine || p.plain) return mine;
    const has = p.builds.length ? `packed by the ${p.builds.join(' and ')} build${p.builds.length > 1 ? 's' : ''} (layout version ${p.layout_version})` : 'no packed weights';
    throw new EngineError(
      `the model file has weights ${has} and no plain weights, but this is the ${this.variant} build (layout version ${this.packLayoutVersion}): ` +
        `re-convert it with ${this.variant === 'scalar' ? '--pack plain' : `--pack ${this.variant} (or --pack plain, which every build can load)`}`,
    );
  }

  private alloc(bytes: number): number {
    const p = this.k.alloc(bytes);
    if (!p) throw new EngineError(`engine out of memory allocating ${bytes} bytes`);
    return p;
  }

  private put(data: Int8Array | Uint8Array | Int32Array | Float32Array): number {
    const p = this.alloc(data.byteLength);
    new Uint8Array(this.k.memory.buffer, p, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return p;
  }

  private q(name: string): QParams {
    const p = this.act[name];
    if (!p) throw new EngineError(`model has no quantization parameters for tensor ${name}`);
    return p;
  }

  private ptr(s: Slice): number {
    return this.tensorPtr.get(s.tensor)! + s.offset;
  }

  private stride(s: Slice): number {
    return this.graph.tensors.get(s.tensor)!.c;
  }

  private dims(s: Slice) {
    return this.graph.tensors.get(s.tensor)!;
  }

  /**
   * A requantization scale as the kernels take it (f32). It must be finite: the kernels' clamp-then-round
   * requantization (assembly/requant.ts) is exact for every finite product, but a NaN would not clamp.
   */
  private f32Scale(v: number, what: string): number {
    const s = Math.fround(v);
    if (!Number.isFinite(s)) throw new EngineError(`model has a non-finite requantization scale at ${what}`);
    return s;
  }

  /** Copies raw bytes into engine memory; `expect` is the size the kernels will read. */
  private putBytes(bytes: Uint8Array, expect: number, what: string): number {
    if (bytes.length !== expect) throw new EngineError(`model tensor ${what} has ${bytes.length} bytes, the engine expects ${expect}`);
    const p = this.alloc(bytes.length);
    new Uint8Array(this.k.memory.buffer, p, bytes.length).set(bytes);
    return p;
  }

  private record(name: string, data: Int8Array | Int32Array | Float32Array): void {
    this.records?.push({ name, dtype: data instanceof Float32Array ? 'float32' : data instanceof Int32Array ? 'int32' : 'int8', shape: [data.length], data });
  }

  /**
   * The packed weights, folded bias and requantization scales of `conv`: copied from the file when
   * it has them ready, else computed from its plain weights (`plain()`; recorded when asked).
   *  - bias: b − z_in · Σ_k w[c][k] for 1x1 convs and the stem (their kernels add no zero-point
   *    correction); the plain bias for depthwise (its packed weights carry Σ_t w per channel);
   *  - scale: s_in · s_w[c] / s_out per output channel, as f32.
   */
  private convWeights(conv: string, shape: PackShape, plain: () => Int8Array, sIn: number, sOut: number, zpIn: number): ConvWeights {
    const k = this.k;
    const m = this.model;
    const n = shape.kind === 'pointwise' ? shape.cout : shape.c;
    const size = shape.kind === 'pointwise' ? k.pointwise_packed_size(shape.cin, shape.cout) : k.depthwise_packed_size(shape.c, shape.kh, shape.kw);
    const packedName = preparedName.packed(conv, this.variant);
    let w: Int8Array | null = null;
    const weights = () => (w ??= plain());

    let packed: number;
    if (this.filePacked && m.has(packedName)) packed = this.putBytes(m.bytes(packedName), size, packedName);
    else {
      packed = this.alloc(size);
      const top = k.mark(); // the plain copy is only needed while packing
      const src = this.put(weights());
      if (shape.kind === 'pointwise') k.pointwise_pack(src, shape.cin, shape.cout, packed);
      else k.depthwise_pack(src, shape.c, shape.kh, shape.kw, packed);
      k.release(top);
      this.record(packedName, new Int8Array(k.memory.buffer, packed, size).slice());
    }

    let bias: number;
    const biasName = preparedName.bias(conv);
    if (m.has(biasName)) bias = this.putBytes(m.bytes(biasName), 4 * n, biasName);
    else {
      const b = (m.tensor(`${conv}.bias`) as Int32Array).subarray(0, n);
      const out = new Int32Array(n);
      if (shape.kind === 'pointwise') {
        const wt = weights();
        for (let o = 0; o < n; o++) {
          let s = 0;
          for (let i = 0; i < shape.cin; i++) s += wt[o * shape.cin + i];
          out[o] = (b[o] - zpIn * s) | 0;
        }
      } else out.set(b);
      bias = this.put(out);
      this.record(biasName, out);
    }

    let scale: number;
    const scaleName = preparedName.scale(conv);
    if (m.has(scaleName)) {
      scale = this.putBytes(m.bytes(scaleName), 4 * n, scaleName);
    } else {
      const sw = (m.tensor(`${conv}.weight_scale`) as Float32Array).subarray(0, n);
      const out = new Float32Array(n);
      for (let c = 0; c < n; c++) out[c] = this.f32Scale((sIn * sw[c]) / sOut, conv);
      scale = this.put(out);
      this.record(scaleName, out);
    }
    return { packed, bias, scale };
  }

  /** A conv's kernel size from the architecture (a file with only packed weights has no weight shape). */
  private kernel(conv: string): ConvSpec {
    const c = this.convs.get(conv);
    if (!c) throw new EngineError(`the architecture has no conv ${conv}`);
    return c;
  }

  private prepare(op: Op): () => void {
    const k = this.k;
    switch (op.kind) {
      case 'stem': {
        const qi = this.q(op.input.tensor);
        const qo = this.q(op.output.tensor);
        const { h, w } = this.dims(op.input);
        const out = this.dims(op.output);
        const pixels = out.h * out.w;
        const cout = op.output.channels;
        // [cout][c][ky][kx] → [cout][ky][kx][c], the order im2col writes taps in.
        const reorder = () => {
          const src = this.model.tensor(`${op.conv}.weight`) as Int8Array;
          const wt = new Int8Array(cout * 27);
          for (let o = 0; o < cout; o++)
            for (let c = 0; c < 3; c++) for (let t = 0; t < 9; t++) wt[o * 27 + t * 3 + c] = src[o * 27 + c * 9 + t];
          return wt;
        };
        const { packed, bias, scale } = this.convWeights(op.conv, { kind: 'pointwise', cin: 27, cout }, reorder, qi.scale, qo.scale, qi.zero_point);
        const cols = this.alloc(pixels * 32);
        const x = this.ptr(op.input);
        const y = this.ptr(op.output);
        const ys = this.stride(op.output);
        return () => {
          k.im2col_3x3s2(x, h, w, qi.zero_point, cols);
          k.pointwise(cols, pixels, 27, 32, packed, bias, scale, cout, y, ys, qo.zero_point, Math.max(-128, qo.zero_point), 127);
        };
      }
      case 'pointwise':
      case 'classifier': {
        const qi = this.q(op.input.tensor);
        const cin = op.input.channels;
        const cout = this.kernel(op.conv).cout;
        const plain = () => this.model.tensor(`${op.conv}.weight`) as Int8Array;
        // The classifier's outputs are logits: f32, no output quantization (s_out = 1).
        const sOut = op.kind === 'classifier' ? 1 : this.q(op.output.tensor).scale;
        const { packed, bias, scale } = this.convWeights(op.conv, { kind: 'pointwise', cin, cout }, plain, qi.scale, sOut, qi.zero_point);
        const { h, w } = this.dims(op.input);
        const pixels = h * w;
        const x = this.ptr(op.input);
        const xs = this.stride(op.input);
        if (op.kind === 'classifier') {
          const y = this.logitsPtr;
          return () => k.pointwise_f32(x, pixels, cin, xs, packed, bias, scale, cout, y, cout);
        }
        const qo = this.q(op.output.tensor);
        const y = this.ptr(op.output);
        const ys = this.stride(op.output);
        const qmin = op.relu ? Math.max(-128, qo.zero_point) : -128;
        return () => k.pointwise(x, pixels, cin, xs, packed, bias, scale, cout, y, ys, qo.zero_point, qmin, 127);
      }
      case 'depthwise': {
        const qi = this.q(op.input.tensor);
        const qo = this.q(op.output.tensor);
        const c = op.input.channels;
        const { kh, kw } = this.kernel(op.conv);
        // The Ghost cheap op has `init` filters but only the first `oup - init` outputs are used.
        const plain = () => (this.model.tensor(`${op.conv}.weight`) as Int8Array).subarray(0, c * kh * kw);
        const { packed, bias, scale } = this.convWeights(op.conv, { kind: 'depthwise', c, kh, kw }, plain, qi.scale, qo.scale, qi.zero_point);
        const { h, w } = this.dims(op.input);
        const stride = op.stride;
        const x = this.ptr(op.input);
        const xs = this.stride(op.input);
        const y = this.ptr(op.output);
        const ys = this.stride(op.output);
        const qmin = op.relu ? Math.max(-128, qo.zero_point) : -128;
        return () => k.depthwise(x, h, w, c, xs, packed, bias, scale, kh, kw, stride, qi.zero_point, y, ys, qo.zero_point, qmin, 127);
      }
      case 'avgpool2x2': {
        const qi = this.q(op.input.tensor);
        const qo = this.q(op.output.tensor);
        const { h, w } = this.dims(op.input);
        const c = op.input.channels;
        const scale = this.f32Scale(qi.scale / (4 * qo.scale), op.output.tensor);
        const x = this.ptr(op.input);
        const xs = this.stride(op.input);
        const y = this.ptr(op.output);
        const ys = this.stride(op.output);
        return () => k.avgpool2x2(x, h, w, c, xs, qi.zero_point, scale, y, ys, qo.zero_point, -128, 127);
      }
      case 'global_avgpool': {
        const qi = this.q(op.input.tensor);
        const qo = this.q(op.output.tensor);
        const { h, w } = this.dims(op.input);
        const c = op.input.channels;
        const scale = this.f32Scale(qi.scale / (h * w * qo.scale), op.output.tensor);
        const x = this.ptr(op.input);
        const xs = this.stride(op.input);
        const y = this.ptr(op.output);
        return () => k.global_avgpool(x, h * w, c, xs, qi.zero_point, scale, y, qo.zero_point);
      }
      case 'dfc_gate':
      case 'se_gate': {
        const qx = this.q(op.input.tensor);
        const qg = this.q(op.gate.tensor);
        const qo = this.q(op.output.tensor);
        const f = op.kind === 'dfc_gate' ? sigmoid : hardSigmoid;
        // The gate as a table over the 256 int8 codes, on the grid g/255.
        const table = new Uint8Array(256);
        for (let i = 0; i < 256; i++) table[i] = roundEven(255 * f(qg.scale * (i - 128 - qg.zero_point)));
        const lut = this.put(table);
        const gd = this.dims(op.gate);
        const gn = gd.h * gd.w * gd.c;
        const g = this.alloc(gn);
        const gp = this.ptr(op.gate);
        const { h, w } = this.dims(op.input);
        const c = op.input.channels;
        const scale = this.f32Scale(qx.scale / (255 * qo.scale), op.output.tensor);
        const x = this.ptr(op.input);
        const xs = this.stride(op.input);
        const y = this.ptr(op.output);
        const ys = this.stride(op.output);
        if (op.kind === 'dfc_gate') {
          return () => {
            k.lut_u8(gp, gn, lut, g);
            k.gate_upsample_mul(x, h, w, c, xs, qx.zero_point, g, gd.h, gd.w, scale, y, ys, qo.zero_point, -128, 127);
          };
        }
        return () => {
          k.lut_u8(gp, gn, lut, g);
          k.channel_scale(x, h * w, c, xs, qx.zero_point, g, scale, y, ys, qo.zero_point, -128, 127);
        };
      }
      case 'add': {
        const qa = this.q(op.a.tensor);
        const qb = this.q(op.b.tensor);
        const qo = this.q(op.output.tensor);
        const { h, w } = this.dims(op.output);
        const c = op.output.channels;
        const mA = this.f32Scale(qa.scale / qo.scale, op.output.tensor);
        const mB = this.f32Scale(qb.scale / qo.scale, op.output.tensor);
        const a = this.ptr(op.a);
        const as = this.stride(op.a);
        const b = this.ptr(op.b);
        const bs = this.stride(op.b);
        const y = this.ptr(op.output);
        const ys = this.stride(op.output);
        return () => k.add(a, h * w, c, as, qa.zero_point, mA, b, bs, qb.zero_point, mB, y, ys, qo.zero_point, -128, 127);
      }
    }
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

  private eval(): EngineOutput {
    for (const step of this.steps) step();
    const logits = new Float32Array(this.k.memory.buffer, this.logitsPtr, this.numClasses).slice();
    // Finite scales can still overflow f32 if a (crafted or corrupt) file has absurd ones.
    if (!logits.every(Number.isFinite)) throw new EngineError('the model produced non-finite logits: its scales or biases are out of range');
    return { logits, features: this.tensor(this.graph.features) };
  }

  /** Runs like `run`, timing every op (for the benchmark's per-family throughput). */
  profile(chw: Float32Array): { kind: Op['kind']; conv?: string; ms: number }[] {
    this.setInput(chw);
    return this.graph.ops.map((op, i) => {
      const t0 = performance.now();
      this.steps[i]();
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
