/**
 * PNG decoding with our own WebAssembly decoder (native/png/: the chunk walk, SIMD128 unfiltering
 * and RGBA expansion are ours, zlib decompression is Debian's libdeflate 1.14; -O3, one call,
 * api.c). PNG is lossless, so any correct decoder gives Pillow's pixels; what we choose is the
 * expansion to 8-bit RGBA: palettes and gray are expanded, tRNS becomes alpha, 16-bit samples keep
 * their high byte, gamma and ICC are ignored — as Pillow's convert('RGB') does, except 16-bit
 * gray (see the README).
 *
 * The module has no imports: it reports errors by return code, never by unwinding, and frees what
 * it allocated. After a failure the instance is dropped all the same (a fresh one costs well under
 * a millisecond), as for every decoder, and after a decode that grew its memory past
 * RECYCLE_BYTES (wasm memory never shrinks).
 *
 * The RGBA result is not copied out: `decode()` hands a view of the module's memory to a
 * synchronous callback and frees the buffer afterwards (nothing can run on this instance in
 * between), which saves 4 bytes a pixel at the peak.
 */

import { CodecFailure, DecoderSetupError, RECYCLE_BYTES, readCString, type RawImage } from './codec-common.ts';

const MESSAGE_LENGTH = 200;

/** pd_decode's results besides 0 (native/png/api.c). */
const FRAME_MISMATCH = 1;
const BAD_DATA = 3;
const NO_MEMORY = 4;

/** The exports of native/png/png.wasm. */
export interface PngExports {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(ptr: number): void;
  pd_init(): number;
  pd_decode(src: number, size: number, width: number, height: number, dst: number): number;
  pd_message(): number;
  pd_info(): number;
}

/** Instantiates the decoder module (it imports nothing) and allocates its decompressor, before any buffer of ours. */
export function instantiatePngDecoder(module: WebAssembly.Module): PngExports {
  const ex = new WebAssembly.Instance(module, {}).exports as unknown as PngExports;
  for (const name of ['malloc', 'free', 'pd_init', 'pd_decode', 'pd_message', 'pd_info'] as const) {
    if (typeof ex[name] !== 'function') throw new Error(`the PNG decoder module does not export ${name} (is it native/png/png.wasm?)`);
  }
  if (ex.pd_init() !== 0) throw new Error('the PNG decoder could not allocate its decompressor');
  return ex;
}

export class PngCodec {
  #instance: PngExports | null = null;
  /** Size of the decoder's wasm memory at the end of the last decode (tests and benchmarks read it). */
  lastMemoryBytes = 0;

  constructor(private readonly module: WebAssembly.Module) {}

  /** Drops the instance: the next decode starts from a fresh (128 KiB) memory (decode.ts does this before a large decode of another format). */
  reset(): void {
    this.#instance = null;
  }

  /**
   * Decodes `bytes`, whose IHDR says `width` x `height` (from our header parser, which sized the
   * budget), to 8-bit RGBA and calls `use` with it: a view of the decoder's memory, valid until
   * `use` returns. Returns what `use` returns; its exceptions pass through. A decoder failure
   * throws CodecFailure with the decoder's message.
   */
  decode<T>(bytes: Uint8Array, width: number, height: number, use: (image: RawImage) => T): T {
    let ex: PngExports;
    try {
      ex = this.#instance ??= instantiatePngDecoder(this.module);
    } catch (e) {
      throw new DecoderSetupError(`could not instantiate the PNG decoder: ${String(e)}`, { cause: e });
    }
    const size = width * height * 4;
    let dst = 0;
    try {
      const src = ex.malloc(bytes.length);
      dst = ex.malloc(size);
      if (!src || !dst) throw new CodecFailure('out of memory (malloc)', []);
      new Uint8Array(ex.memory.buffer, src, bytes.length).set(bytes);
      const status = ex.pd_decode(src, bytes.length, width, height, dst);
      ex.free(src);
      if (status === FRAME_MISMATCH) {
        const info = new Uint32Array(ex.memory.buffer, ex.pd_info(), 2);
        throw new CodecFailure(`the IHDR reads as ${info[0]}x${info[1]} to the decoder but ${width}x${height} to the header parser`, []);
      }
      if (status === BAD_DATA || status === NO_MEMORY) {
        const text = readCString(ex.memory, ex.pd_message(), MESSAGE_LENGTH) || 'PNG decoder error';
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
