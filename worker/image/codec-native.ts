/**
 * Host glue for our one-call C decoders (native/png: our PNG decoder + libdeflate; native/webp:
 * libwebp): each module exports `malloc`, `free` and
 *
 *   <p>_decode(src, size, width, height, dst) -> 0 | FRAME_MISMATCH | BAD_DATA | NO_MEMORY
 *   <p>_message() -> why the last decode failed (a C string)
 *   <p>_info()    -> { width, height } the decoder read from the file
 *   <p>_init()    -> 0 (optional: allocations that must come first on a fresh instance)
 *
 * and imports nothing. The output is 8-bit RGBA written into a buffer we allocate from the
 * header's size (our parser's, which the memory budget was judged on; the decoder must read the
 * same size). The modules report errors by return code, never by unwinding, and free what they
 * allocated; the instance is dropped after any failure all the same (a fresh one costs well under
 * a millisecond), as for every decoder, and after a decode that grew its memory past
 * RECYCLE_BYTES (wasm memory never shrinks).
 *
 * The RGBA result is not copied out: `decode()` hands a view of the module's memory to a
 * synchronous callback and frees the buffer afterwards (nothing can run on this instance in
 * between), which saves 4 bytes a pixel at the peak.
 */

import { CodecFailure, DecoderSetupError, RECYCLE_BYTES, readCString, type RawImage } from './codec-common.ts';

const MESSAGE_LENGTH = 200;

/** <p>_decode's results besides 0 (native/png/api.c, native/webp/api.c). */
const FRAME_MISMATCH = 1;
const BAD_DATA = 3;
const NO_MEMORY = 4;

interface NativeExports {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(ptr: number): void;
  decode(src: number, size: number, width: number, height: number, dst: number): number;
  message(): number;
  info(): number;
}

/** Which module: the format's name for messages, the exports' prefix, and the file (for messages). */
export interface NativeDecoderSpec {
  format: string;
  prefix: string;
  file: string;
}

export const PNG_DECODER: NativeDecoderSpec = { format: 'PNG', prefix: 'pd', file: 'native/png/png.wasm' };
export const WEBP_DECODER: NativeDecoderSpec = { format: 'WebP', prefix: 'wd', file: 'native/webp/webp.wasm' };

/** Instantiates a decoder module (it imports nothing) and runs its `_init`, before any buffer of ours is allocated. */
function instantiate(module: WebAssembly.Module, spec: NativeDecoderSpec): NativeExports {
  const raw = new WebAssembly.Instance(module, {}).exports as Record<string, unknown>;
  const fn = (name: string) => {
    if (typeof raw[name] !== 'function') throw new Error(`the ${spec.format} decoder module does not export ${name} (is it ${spec.file}?)`);
    return raw[name] as (...a: number[]) => number;
  };
  const init = raw[`${spec.prefix}_init`];
  if (typeof init === 'function' && init() !== 0) throw new Error(`the ${spec.format} decoder could not initialise`);
  return {
    memory: raw.memory as WebAssembly.Memory,
    malloc: fn('malloc'),
    free: fn('free'),
    decode: fn(`${spec.prefix}_decode`),
    message: fn(`${spec.prefix}_message`),
    info: fn(`${spec.prefix}_info`),
  };
}

export class NativeCodec {
  #instance: NativeExports | null = null;
  /** Size of the decoder's wasm memory at the end of the last decode (tests and benchmarks read it). */
  lastMemoryBytes = 0;

  constructor(
    private readonly module: WebAssembly.Module,
    readonly spec: NativeDecoderSpec,
  ) {}

  /** Drops the instance: the next decode starts from a fresh (128 KiB) memory (decode.ts does this before a large decode of another format). */
  reset(): void {
    this.#instance = null;
  }

  /**
   * Decodes `bytes`, whose header says `width` x `height` (from our header parser, which sized the
   * budget), to 8-bit RGBA and calls `use` with it: a view of the decoder's memory, valid until
   * `use` returns. Returns what `use` returns; its exceptions pass through. A decoder failure
   * throws CodecFailure with the decoder's message.
   */
  decode<T>(bytes: Uint8Array, width: number, height: number, use: (image: RawImage) => T): T {
    let ex: NativeExports;
    try {
      ex = this.#instance ??= instantiate(this.module, this.spec);
    } catch (e) {
      throw new DecoderSetupError(`could not instantiate the ${this.spec.format} decoder: ${String(e)}`, { cause: e });
    }
    const size = width * height * 4;
    let dst = 0;
    try {
      const src = ex.malloc(bytes.length);
      dst = ex.malloc(size);
      if (!src || !dst) throw new CodecFailure('out of memory (malloc)', []);
      new Uint8Array(ex.memory.buffer, src, bytes.length).set(bytes);
      const status = ex.decode(src, bytes.length, width, height, dst);
      ex.free(src);
      if (status === FRAME_MISMATCH) {
        const info = new Uint32Array(ex.memory.buffer, ex.info(), 2);
        throw new CodecFailure(`the decoder reads the image as ${info[0]}x${info[1]}, the header parser as ${width}x${height}`, []);
      }
      if (status === BAD_DATA || status === NO_MEMORY) {
        const text = readCString(ex.memory, ex.message(), MESSAGE_LENGTH) || `${this.spec.format} decoder error`;
        throw new CodecFailure(text, [text]);
      }
      if (status !== 0) throw new CodecFailure(`the decoder rejected the request (${status})`, []);
    } catch (e) {
      this.#instance = null;
      if (e instanceof CodecFailure) throw e;
      // A RangeError/RuntimeError: the wasm memory refusing to grow, or a trap.
      throw new CodecFailure(e instanceof Error ? e.message : String(e), [], { cause: e });
    }

    try {
      return use({ width, height, data: new Uint8ClampedArray(ex.memory.buffer, dst, size) });
    } finally {
      this.lastMemoryBytes = ex.memory.buffer.byteLength;
      if (this.#instance === ex) {
        ex.free(dst);
        if (this.lastMemoryBytes > RECYCLE_BYTES) this.#instance = null; // wasm memory never shrinks
      }
    }
  }
}
