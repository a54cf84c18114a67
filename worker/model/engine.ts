/**
 * The int8 engine binding: the only code that knows the WASM exports.
 *
 * prepare (once per isolate): lay out every tensor in one arena (greedy by size, reusing memory
 * of tensors that are dead), pack weights, fold input zero points into biases, compute every
 * requantization scale and the gate lookup tables from the model's quantization parameters.
 * eval (per image): quantize the input, then call integer kernels in order. No allocation.
 */
import { netSpec } from './architecture.ts';
import { buildGraph, type Graph, type Op, type Slice } from './graph.ts';
import type { ModelFile } from './format.ts';

export interface KernelExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  variant(): number;
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

export class Int8Engine {
  private readonly steps: Array<() => void> = [];
  private inputPtr = 0;
  private logitsPtr = 0;
  /** f32 staging buffer of run(chw): 12 bytes per input pixel (0.6 MB at 224²), allocated at prepare. */
  private chwPtr = 0;
  private readonly tensorPtr = new Map<string, number>();

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
    debug: boolean,
  ) {
    const h = model.header;
    this.inputSize = h.preprocessing.input_size;
    this.numClasses = h.architecture.num_classes;
    this.graph = buildGraph(netSpec(h.architecture.width, h.architecture.num_classes, h.architecture.family), this.inputSize);
    const arena = planArena(this.graph, !debug);
    const base = this.alloc(arena.size);
    for (const [name, off] of arena.offsets) this.tensorPtr.set(name, base + off);
    this.inputPtr = this.tensorPtr.get('input')!;
    this.logitsPtr = this.alloc(4 * this.numClasses);
    this.chwPtr = this.alloc(12 * this.inputSize * this.inputSize);
    for (const op of this.graph.ops) this.steps.push(this.prepare(op));
  }

  /** Instantiates the WASM module (from a module, never from bytes: workerd forbids that) and prepares the model. */
  static async create(model: ModelFile, wasm: WebAssembly.Module, opts: { debug?: boolean } = {}): Promise<Int8Engine> {
    if (model.header.precision !== 'int8') throw new EngineError('the int8 engine needs an int8 model file');
    const q = model.header.quantization as { scheme?: string; activations?: Record<string, QParams> } | null;
    if (!q?.activations) throw new EngineError('model file has no activation quantization parameters');
    const instance = await WebAssembly.instantiate(wasm, { env: { abort: () => { throw new EngineError('engine aborted'); } } });
    return new Int8Engine(instance.exports as unknown as KernelExports, model, q.activations, !!opts.debug);
  }

  get variant(): 'scalar' | 'simd128' | 'relaxed' {
    return (['scalar', 'simd128', 'relaxed'] as const)[this.k.variant()];
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

  /** Per-channel requantization scales s_in · s_w[c] / s_out, as f32. */
  private convScales(conv: string, sIn: number, sOut: number, channels?: number): number {
    const sw = (this.model.tensor(`${conv}.weight_scale`) as Float32Array).subarray(0, channels);
    const out = new Float32Array(sw.length);
    for (let c = 0; c < sw.length; c++) out[c] = this.f32Scale((sIn * sw[c]) / sOut, conv);
    return this.put(out);
  }

  /** Pointwise bias with the input zero point folded in: b - z_in · Σ_k w[c][k]. */
  private foldedBias(conv: string, w: Int8Array, cin: number, zpIn: number): number {
    const b = this.model.tensor(`${conv}.bias`) as Int32Array;
    const out = new Int32Array(b.length);
    for (let o = 0; o < b.length; o++) {
      let s = 0;
      for (let k = 0; k < cin; k++) s += w[o * cin + k];
      out[o] = (b[o] - zpIn * s) | 0;
    }
    return this.put(out);
  }

  private packPointwise(w: Int8Array, cin: number, cout: number): number {
    const plain = this.put(w);
    const packed = this.alloc(this.k.pointwise_packed_size(cin, cout));
    this.k.pointwise_pack(plain, cin, cout, packed);
    return packed;
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
        const src = this.model.tensor(`${op.conv}.weight`) as Int8Array;
        const wt = new Int8Array(cout * 27);
        for (let o = 0; o < cout; o++)
          for (let c = 0; c < 3; c++) for (let t = 0; t < 9; t++) wt[o * 27 + t * 3 + c] = src[o * 27 + c * 9 + t];
        const packed = this.packPointwise(wt, 27, cout);
        const bias = this.foldedBias(op.conv, wt, 27, qi.zero_point);
        const scale = this.convScales(op.conv, qi.scale, qo.scale);
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
        const wt = this.model.tensor(`${op.conv}.weight`) as Int8Array;
        const cout = wt.length / cin;
        const packed = this.packPointwise(wt, cin, cout);
        const bias = this.foldedBias(op.conv, wt, cin, qi.zero_point);
        const { h, w } = this.dims(op.input);
        const pixels = h * w;
        const x = this.ptr(op.input);
        const xs = this.stride(op.input);
        if (op.kind === 'classifier') {
          const scale = this.convScales(op.conv, qi.scale, 1);
          const y = this.logitsPtr;
          return () => k.pointwise_f32(x, pixels, cin, xs, packed, bias, scale, cout, y, cout);
        }
        const qo = this.q(op.output.tensor);
        const scale = this.convScales(op.conv, qi.scale, qo.scale);
        const y = this.ptr(op.output);
        const ys = this.stride(op.output);
        const qmin = op.relu ? Math.max(-128, qo.zero_point) : -128;
        return () => k.pointwise(x, pixels, cin, xs, packed, bias, scale, cout, y, ys, qo.zero_point, qmin, 127);
      }
      case 'depthwise': {
        const qi = this.q(op.input.tensor);
        const qo = this.q(op.output.tensor);
        const c = op.input.channels;
        const wt = this.model.tensor(`${op.conv}.weight`) as Int8Array;
        const entry = this.model.header.tensors.find((t) => t.name === `${op.conv}.weight`)!;
        const [, , kh, kw] = entry.shape;
        // The Ghost cheap op has `init` filters but only the first `oup - init` outputs are used.
        const plain = this.put(wt.subarray(0, c * kh * kw));
        const packed = this.alloc(k.depthwise_packed_size(c, kh, kw));
        k.depthwise_pack(plain, c, kh, kw, packed);
        const bias = this.put((this.model.tensor(`${op.conv}.bias`) as Int32Array).subarray(0, c));
        const scale = this.convScales(op.conv, qi.scale, qo.scale, c);
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
