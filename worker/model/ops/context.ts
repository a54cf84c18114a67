/**
 * What ops see at prepare: the graph's tensors placed in engine memory, the model's quantization
 * parameters, and the conv weights as the kernels take them (packed, folded bias, f32 scales).
 */
import type { ConvSpec } from '../architecture.ts';
import type { ModelFile, TensorToWrite } from '../format.ts';
import type { Graph, Slice, TensorShape } from '../graph.ts';
import type { EngineExports } from '../../kernels.ts';

export interface QParams {
  scale: number;
  zero_point: number;
}

export class EngineError extends Error {}

/** A slice as an op's kernels take it: where it is, its pixel stride, its shape and quantization. */
export interface Operand {
  ptr: number;
  /** Bytes from one pixel to the next (its tensor's channel count). */
  stride: number;
  h: number;
  w: number;
  /** The slice's channels (not the tensor's). */
  c: number;
  scale: number;
  zp: number;
}

/** One conv's weights in engine memory, as the kernels take them. */
export interface ConvWeights {
  packed: number;
  bias: number;
  scale: number;
}

/** How a conv's weights are packed: as a 1x1 GEMM (stem, pointwise, classifier) or per channel. */
export type PackShape = { kind: 'pointwise'; cin: number; cout: number } | { kind: 'depthwise'; c: number; kh: number; kw: number };

/**
 * Where prepare takes the packed weights from (Int8Engine.checkPacking): the file's packing for this
 * build (`own`, copied), the plain weights (`plain`, packed here: format 1, or a file with plain
 * weights packed for another build or layout version), or another build's packing at this layout
 * version (`from`: repacked for this build by <family>_repack, exactly this build's pack of
 * <family>_unpack, the inverse of that build's pack; the relaxed build loading a file packed for
 * SIMD128 only).
 */
export type PackSource = { kind: 'own' } | { kind: 'plain' } | { kind: 'from'; build: 'simd128' | 'relaxed' };

/** The builds by their variant() number (assembly/index.ts), which <family>_unpack, _repack and _packed_size_of take. */
export const BUILDS = ['scalar', 'simd128', 'relaxed'] as const;

/** Names of the prepared tensors of a conv in a format-2 file (models/FORMAT.md, "Prepared weights"). */
export const preparedName = {
  packed: (conv: string, variant: string) => `${conv}.packed.${variant}`,
  bias: (conv: string) => `${conv}.bias_folded`,
  scale: (conv: string) => `${conv}.requant`,
};

export interface PrepareContextInit {
  k: EngineExports;
  model: ModelFile;
  act: Record<string, QParams>;
  graph: Graph;
  convs: Map<string, ConvSpec>;
  tensorPtr: Map<string, number>;
  /** Where the classifier writes its f32 logits. */
  logits: number;
  variant: string;
  /** Where the packed weights come from (see PackSource). */
  packSource: PackSource;
  /** Collects the prepared buffers computed (not copied) here, for the converter; null = don't. */
  records: TensorToWrite[] | null;
}

export class PrepareContext {
  readonly model: ModelFile;
  readonly logits: number;
  private readonly k: EngineExports;

  constructor(private readonly init: PrepareContextInit) {
    this.k = init.k;
    this.model = init.model;
    this.logits = init.logits;
  }

  alloc(bytes: number): number {
    const p = this.k.alloc(bytes);
    if (!p) throw new EngineError(`engine out of memory allocating ${bytes} bytes`);
    return p;
  }

  /** Copies `data` into a new block of engine memory. */
  put(data: Int8Array | Uint8Array | Int32Array | Float32Array): number {
    const p = this.alloc(data.byteLength);
    new Uint8Array(this.k.memory.buffer, p, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return p;
  }

  /** Copies raw bytes into engine memory; `expect` is the size the kernels will read. */
  private putBytes(bytes: Uint8Array, expect: number, what: string): number {
    if (bytes.length !== expect) throw new EngineError(`model tensor ${what} has ${bytes.length} bytes, the engine expects ${expect}`);
    return this.put(bytes);
  }

  q(name: string): QParams {
    const p = this.init.act[name];
    if (!p) throw new EngineError(`model has no quantization parameters for tensor ${name}`);
    return p;
  }

  /** Address of a slice's first channel at pixel 0. */
  ptr(s: Slice): number {
    return this.init.tensorPtr.get(s.tensor)! + s.offset;
  }

  /** Bytes from one pixel of a slice to the next: its tensor's channel count. */
  stride(s: Slice): number {
    return this.init.graph.tensors.get(s.tensor)!.c;
  }

  dims(s: Slice): TensorShape {
    return this.init.graph.tensors.get(s.tensor)!;
  }

  /** Everything about a slice an op's prepare reads. */
  operand(s: Slice): Operand {
    const { h, w, c } = this.dims(s);
    const q = this.q(s.tensor);
    return { ptr: this.ptr(s), stride: c, h, w, c: s.channels, scale: q.scale, zp: q.zero_point };
  }

  /** A conv's kernel size from the architecture (a file with only packed weights has no weight shape). */
  conv(name: string): ConvSpec {
    const c = this.init.convs.get(name);
    if (!c) throw new EngineError(`the architecture has no conv ${name}`);
    return c;
  }

  /**
   * A requantization scale as the kernels take it (f32). It must be finite: the kernels' clamp-then-round
   * requantization (assembly/requant.ts) is exact for every finite product, but a NaN would not clamp.
   */
  f32Scale(v: number, what: string): number {
    const s = Math.fround(v);
    if (!Number.isFinite(s)) throw new EngineError(`model has a non-finite requantization scale at ${what}`);
    return s;
  }

  private record(name: string, data: Int8Array | Int32Array | Float32Array): void {
    this.init.records?.push({ name, dtype: data instanceof Float32Array ? 'float32' : data instanceof Int32Array ? 'int32' : 'int8', shape: [data.length], data });
  }

  /**
   * The packed weights, folded bias and requantization scales of `conv`: copied from the file when
   * it has them ready, else computed from its plain weights (`plain()`), or from another build's
   * packed weights repacked (PackSource `from`); what is computed is recorded when asked.
   *  - bias: b − z_in · Σ_k w[c][k] for 1x1 convs and the stem (their kernels add no zero-point
   *    correction); the plain bias for depthwise (its packed weights carry Σ_t w per channel);
   *  - scale: s_in · s_w[c] / s_out per output channel, as f32.
   */
  convWeights(conv: string, shape: PackShape, plain: () => Int8Array, sIn: number, sOut: number, zpIn: number): ConvWeights {
    const k = this.k;
    const m = this.model;
    const n = shape.kind === 'pointwise' ? shape.cout : shape.c;
    const size = shape.kind === 'pointwise' ? k.pointwise_packed_size(shape.cin, shape.cout) : k.depthwise_packed_size(shape.c, shape.kh, shape.kw);
    const packedName = preparedName.packed(conv, this.init.variant);
    let w: Int8Array | null = null;
    const weights = () => (w ??= plain());

    const source = this.init.packSource;
    let packed: number;
    if (source.kind === 'own' && m.has(packedName)) packed = this.putBytes(m.bytes(packedName), size, packedName);
    else {
      packed = this.alloc(size);
      const top = k.mark(); // the file's bytes or the plain copy are only needed while packing
      if (source.kind === 'from') this.repack(conv, shape, source.build, packed, size, (n) => (w = n));
      else {
        const src = this.put(weights());
        if (shape.kind === 'pointwise') k.pointwise_pack(src, shape.cin, shape.cout, packed);
        else k.depthwise_pack(src, shape.c, shape.kh, shape.kw, packed);
      }
      k.release(top);
      if (this.init.records) this.record(packedName, new Int8Array(k.memory.buffer, packed, size).slice()); // not a copy per byte unless asked
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

  /**
   * `build`'s packed weights of `conv` from the file, packed for this build into `dst` (a block of
   * `size` bytes) by <family>_repack (exactly <family>_pack of <family>_unpack, without the plain
   * copy: a copy where the layouts agree, e.g. depthwise between the SIMD builds; a shuffle per k-quad
   * for pointwise SIMD128 ↔ relaxed). Between the SIMD builds the file's bytes go straight into `dst`
   * and are repacked in place when they fit (SIMD128's layout into the relaxed build's: always). `keep`
   * gets the plain weights (unpacked) only when the bias still needs folding.
   */
  private repack(conv: string, shape: PackShape, build: 'simd128' | 'relaxed', dst: number, size: number, keep: (w: Int8Array) => void): void {
    const k = this.k;
    const v = BUILDS.indexOf(build);
    const name = preparedName.packed(conv, build);
    if (!this.model.has(name)) throw new EngineError(`model has no tensor ${name}`);
    const pw = shape.kind === 'pointwise';
    const bytes = this.model.bytes(name);
    const n = pw ? k.pointwise_packed_size_of(v, shape.cin, shape.cout) : k.depthwise_packed_size_of(v, shape.c, shape.kh, shape.kw);
    if (bytes.length !== n) throw new EngineError(`model tensor ${name} has ${bytes.length} bytes, the engine expects ${n}`);
    const inPlace = k.variant() > 0 && n <= size;
    let from = dst;
    if (inPlace) new Uint8Array(k.memory.buffer, dst, n).set(bytes);
    else from = this.put(bytes);
    if (pw && !this.model.has(preparedName.bias(conv))) {
      // before the repack: in place it overwrites what is unpacked here
      const count = shape.cin * shape.cout;
      const w = this.alloc(count);
      k.pointwise_unpack(v, from, shape.cin, shape.cout, w);
      keep(new Int8Array(k.memory.buffer, w, count).slice());
    }
    if (pw) k.pointwise_repack(v, from, shape.cin, shape.cout, dst);
    else k.depthwise_repack(v, from, shape.c, shape.kh, shape.kw, dst);
  }
}
