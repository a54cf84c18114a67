/**
 * A tensor as a checkpoint describes it — a strided view into a storage — decoded to float32
 * only on request.
 *
 * Readers build LazyTensors while parsing; nothing is read or allocated from tensor data until
 * normalize.ts has unwrapped and filtered the state_dict, checked every remaining view against
 * its storage, and summed the output size. So a hostile shape can't cause an out-of-bounds read
 * or a giant allocation, and the error can name the state_dict key.
 */
import { ITEM_SIZE, halfToFloatBitsTable, isConvertibleFloat, viewStorage, type DType } from './dtype.ts';
import { CheckpointError, LIMITS } from './errors.ts';

/** A flat run of elements of one dtype (a torch storage, or a safetensors byte range). */
export interface Storage {
  readonly dtype: DType;
  /** Number of elements; bytes() returns exactly numel * ITEM_SIZE[dtype] bytes. */
  readonly numel: number;
  /** Where it came from, for messages: "zip record archive/data/3", "safetensors bytes 0..96". */
  readonly describe: string;
  bytes(): Uint8Array;
}

export class LazyTensor {
  readonly numel: number;
  /** Why this view can't be read (out of bounds, too large), or undefined if it can. */
  readonly problem: string | undefined;

  /**
   * shape/stride/offset must already be non-negative safe integers (the readers check types);
   * this checks that the view fits its storage and the output-size limit.
   */
  constructor(
    readonly storage: Storage,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {
    // Element count; stops growing once over the limit, so it can't overflow.
    const maxElements = LIMITS.maxOutputBytes / 4;
    let numel = 1;
    for (const n of shape) numel = Math.min(numel * n, maxElements + 1);
    this.numel = numel;
    this.problem = this.check();
  }

  static contiguous(storage: Storage, shape: readonly number[]): LazyTensor {
    const stride = new Array<number>(shape.length);
    let s = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      stride[d] = s;
      s *= shape[d]!;
    }
    return new LazyTensor(storage, 0, shape, stride);
  }

  get dtype(): DType {
    return this.storage.dtype;
  }

  private check(): string | undefined {
    const shapeStr = `[${this.shape.join(', ')}]`;
    if (this.shape.length !== this.stride.length) {
      return `shape ${shapeStr} and stride [${this.stride.join(', ')}] have different ranks`;
    }
    if (this.shape.length > LIMITS.maxDims) return `rank ${this.shape.length} exceeds ${LIMITS.maxDims}`;
    if (this.numel * 4 > LIMITS.maxOutputBytes) return `shape ${shapeStr} is larger than ${LIMITS.maxOutputBytes} bytes as float32`;
    const have = this.storage.numel;
    if (this.numel === 0) {
      return this.offset <= have ? undefined : `offset ${this.offset} is past the end of its storage (${have} elements)`;
    }
    // Highest element the view touches. Strides are >= 0, so this is the max over all indices;
    // compare after every term so a huge stride can't lose precision before we notice.
    let last = this.offset;
    for (let d = 0; d < this.shape.length && last < have; d++) {
      last += (this.shape[d]! - 1) * this.stride[d]!;
    }
    if (last >= have) {
      return `shape ${shapeStr} (stride [${this.stride.join(', ')}], offset ${this.offset}) reaches beyond ` + `its storage, which holds ${have} ${this.dtype} elements (${this.storage.describe})`;
    }
    return undefined;
  }

  /** Row-major float32 copy of the view. The dtype must be a float type and problem undefined. */
  toFloat32(): Float32Array {
    const dtype = this.dtype;
    if (this.problem !== undefined) throw new CheckpointError(this.problem);
    if (!isConvertibleFloat(dtype)) throw new CheckpointError(`cannot convert ${dtype} to float32`);
    const bytes = this.storage.bytes();
    if (bytes.byteLength !== this.storage.numel * ITEM_SIZE[dtype]) {
      throw new CheckpointError(`${this.storage.describe} has ${bytes.byteLength} bytes, expected ${this.storage.numel * ITEM_SIZE[dtype]}`);
    }
    const out = new Float32Array(this.numel);
    if (this.numel === 0) return out;
    const src = viewStorage(bytes, dtype);

    if (dtype === 'float32' && this.isContiguous()) {
      out.set((src as Float32Array).subarray(this.offset, this.offset + this.numel));
      return out;
    }
    switch (dtype) {
      case 'float32':
      case 'float64': {
        // Typed-array stores round to nearest-even, as torch's .float() does.
        const values = src as Float32Array | Float64Array;
        this.gather((dst, s) => {
          out[dst] = values[s]!;
        });
        break;
      }
      case 'float16': {
        const table = halfToFloatBitsTable();
        const bits = new Uint32Array(out.buffer);
        const halves = src as Uint16Array;
        this.gather((dst, s) => {
          bits[dst] = table[halves[s]!]!;
        });
        break;
      }
      case 'bfloat16': {
        // bfloat16 is the top half of a float32.
        const bits = new Uint32Array(out.buffer);
        const halves = src as Uint16Array;
        this.gather((dst, s) => {
          bits[dst] = halves[s]! << 16;
        });
        break;
      }
    }
    return out;
  }

  /** C-contiguous, ignoring the stride of size-1 dims (torch doesn't normalise those). */
  private isContiguous(): boolean {
    let expected = 1;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      if (this.shape[d] !== 1 && this.stride[d] !== expected) return false;
      expected *= this.shape[d]!;
    }
    return true;
  }

  /**
   * Visits every element in row-major order as (output index, storage index). Only called with
   * numel > 0 and a view check() accepted, so every storage index is in bounds.
   */
  private gather(visit: (dst: number, src: number) => void): void {
    const { shape, stride } = this;
    const rank = shape.length;
    if (rank === 0) {
      visit(0, this.offset);
      return;
    }
    const inner = shape[rank - 1]!;
    const innerStride = stride[rank - 1]!;
    const counter = new Array<number>(rank).fill(0); // odometer over the outer dims
    let base = this.offset;
    let dst = 0;
    for (let row = this.numel / inner; row > 0; row--) {
      for (let i = 0, s = base; i < inner; i++, s += innerStride) visit(dst++, s);
      for (let d = rank - 2; d >= 0; d--) {
        base += stride[d]!;
        if (++counter[d]! < shape[d]!) break;
        base -= stride[d]! * shape[d]!;
        counter[d] = 0;
      }
    }
  }
}
