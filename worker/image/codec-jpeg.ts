/**
 * JPEG decoding with our WebAssembly build of libjpeg-turbo 2.1.5 (native/jpeg/: Debian's
 * source, a WebAssembly SIMD128 back end for its jsimd_* interface, a faster sequential Huffman
 * decoder, and a one-call C API in place of TurboJPEG). It is the library Pillow links, and every
 * kernel of ours is bit-exact with libjpeg's C code, so full-size output is bit-identical to
 * Pillow's; it decodes at any scale M/8 (M = 1..8) in the IDCT — 1/2, 1/4 and 1/8 are Pillow's
 * `Image.draft()` — which is what lets a 40 Mpx JPEG decode in ~10 MiB.
 *
 * The module imports one function of ours and four WASI calls; this file is the whole host side:
 *  - `env.jpeg_fail(message)`: libjpeg's fatal error (its error_exit, in api.c) with the message
 *    already formatted; it throws, which unwinds the wasm stack. Whatever libjpeg had allocated is
 *    never freed and the shadow stack pointer is never restored, so after any failure the
 *    instance is thrown away (a fresh one costs well under a millisecond).
 *  - WASI `fd_write`/`fd_seek`/`fd_close`/`proc_exit`: linked in by libjpeg's default error
 *    handlers, which api.c replaces; writes are swallowed, exit throws.
 *
 * The output stays in the instance's memory: `decode()` hands a view of it to a synchronous
 * callback and frees it afterwards. Nothing can run on this instance in between (no await), so
 * the view stays valid, and the caller never holds a second full-size copy of the pixels.
 */

import { CodecFailure, DecoderSetupError, RECYCLE_BYTES, readCString, type RawImage } from './codec-common.ts';

const ERRNO_BADF = 8;
const MESSAGE_LENGTH = 200; // JMSG_LENGTH_MAX

/** jd_decode's results besides 0 (native/jpeg/api.c). */
const FRAME_MISMATCH = 1;
const OUTPUT_MISMATCH = 2;

/** The exports of native/jpeg/jpeg-turbo.wasm (the test build has more; see test/node/jpeg-kernels.test.ts). */
export interface JpegExports {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(ptr: number): void;
  jd_decode(src: number, size: number, fileWidth: number, fileHeight: number, scaleNum: number, scaleDenom: number, cmyk: number, dst: number, width: number, height: number): number;
  jd_message(): number;
  jd_info(): number;
  /** A WASI reactor's initialisation (api.c), called once after instantiation; absent from older builds. */
  _initialize?(): void;
}

/** What `jpeg_fail` throws: libjpeg gave up, with its own words. */
class LibjpegError extends Error {}

/** Instantiates the decoder module with its host functions. */
export function instantiateJpegDecoder(module: WebAssembly.Module): JpegExports {
  let memory: WebAssembly.Memory | null = null;
  const view = () => new DataView(memory!.buffer);
  const imports = {
    env: {
      jpeg_fail: (message: number) => {
        throw new LibjpegError(readCString(memory!, message, MESSAGE_LENGTH) || 'libjpeg error');
      },
    },
    wasi_snapshot_preview1: {
      proc_exit: (code: number) => {
        throw new LibjpegError(`exit(${code})`);
      },
      fd_close: () => ERRNO_BADF,
      fd_seek: () => ERRNO_BADF,
      fd_write: (_fd: number, iovs: number, iovsLen: number, written: number) => {
        const v = view();
        let n = 0;
        for (let i = 0; i < iovsLen; i++) n += v.getUint32(iovs + 8 * i + 4, true);
        v.setUint32(written, n, true);
        return 0;
      },
    },
  };
  const ex = new WebAssembly.Instance(module, imports).exports as unknown as JpegExports;
  for (const name of ['malloc', 'free', 'jd_decode', 'jd_message', 'jd_info'] as const) {
    if (typeof ex[name] !== 'function') throw new Error(`the JPEG decoder module does not export ${name} (is it native/jpeg/jpeg-turbo.wasm?)`);
  }
  memory = ex.memory;
  ex._initialize?.();
  return ex;
}

/**
 * A DCT scale: num/denom = M/8 for M in 1..8, with denom 1, 2, 4 or 8 (so 1/2 may be written 4/8).
 * libjpeg's IDCT makes M x M pixels of every 8 x 8 block (jidctint.c has an IDCT for each M).
 */
export interface JpegScale {
  num: number;
  denom: 1 | 2 | 4 | 8;
}

/** The 1/k scales (k = 1, 2, 4, 8), the ones Pillow's draft() offers. */
export const jpegScale = (k: 1 | 2 | 4 | 8): JpegScale => ({ num: 1, denom: k });

/** M/8 (M = 1..8). */
export const jpegEighths = (m: number): JpegScale => ({ num: m, denom: 8 });

/** libjpeg's output size at `scale` (jdmaster.c): ceil(size * M / 8), i.e. ceil(size * num / denom). */
export function jpegScaledSize(width: number, height: number, scale: JpegScale): { width: number; height: number } {
  if (!(Number.isInteger(scale.num) && scale.num >= 1 && scale.num <= scale.denom && [1, 2, 4, 8].includes(scale.denom))) {
    throw new RangeError(`a JPEG DCT scale is M/8 for M in 1..8 (denominator 1, 2, 4 or 8), not ${scale.num}/${scale.denom}`);
  }
  return { width: Math.ceil((width * scale.num) / scale.denom), height: Math.ceil((height * scale.num) / scale.denom) };
}

export interface JpegDecodeRequest {
  /** Size in the file (from the header). */
  width: number;
  height: number;
  /** DCT scaling: the output is jpegScaledSize(width, height, scale). */
  scale: JpegScale;
  /** 4-component file: decode as CMYK and convert the way Pillow does (see cmykToRgbaInPlace). */
  cmyk: boolean;
}

/**
 * Pillow's view of a CMYK JPEG: the samples are read as Adobe-inverted ("CMYK;I", with or without
 * an Adobe marker) and `convert('RGB')` is libImaging/Convert.c `cmyk2rgb`:
 *   nk = 255 - K;  R = CLIP8(nk - MULDIV255(C, nk))   with MULDIV255(a, b) = ((a*b + 128) >> 8 + a*b + 128) >> 8
 * With stored samples s, C = 255 - s_c and nk = s_k. In place: RGBA has the same 4 bytes a pixel.
 */
export function cmykToRgbaInPlace(px: Uint8Array | Uint8ClampedArray): void {
  for (let i = 0; i < px.length; i += 4) {
    const nk = px[i + 3];
    let t = (255 - px[i]) * nk + 128;
    px[i] = nk - (((t >> 8) + t) >> 8);
    t = (255 - px[i + 1]) * nk + 128;
    px[i + 1] = nk - (((t >> 8) + t) >> 8);
    t = (255 - px[i + 2]) * nk + 128;
    px[i + 2] = nk - (((t >> 8) + t) >> 8);
    px[i + 3] = 255;
  }
}

export class JpegCodec {
  #instance: JpegExports | null = null;
  /** Size of the decoder's wasm memory at the end of the last decode (tests and benchmarks read it). */
  lastMemoryBytes = 0;

  /** `onInstance` runs on every fresh instance (the tests use it to flip the test build's switches). */
  constructor(
    private readonly module: WebAssembly.Module,
    private readonly onInstance?: (exports: JpegExports) => void,
  ) {}

  /** Drops the instance: the next decode starts from a fresh (128 KiB) memory (decode.ts does this before a large decode of another format). */
  reset(): void {
    this.#instance = null;
  }

  /**
   * Decodes `bytes` and calls `use` with the RGBA pixels — a view of the decoder's memory, valid
   * only until `use` returns — and libjpeg's warning if there was one (e.g. "Premature end of
   * JPEG file"). Returns what `use` returns; its exceptions pass through untouched. A decoder
   * failure throws CodecFailure with libjpeg's message.
   */
  decode<T>(bytes: Uint8Array, req: JpegDecodeRequest, use: (image: RawImage, warning: string | null) => T): T {
    let ex: JpegExports;
    try {
      if (!this.#instance) {
        this.#instance = instantiateJpegDecoder(this.module);
        this.onInstance?.(this.#instance);
      }
      ex = this.#instance;
    } catch (e) {
      throw new DecoderSetupError(`could not instantiate the JPEG decoder: ${String(e)}`, { cause: e });
    }
    const { width, height } = jpegScaledSize(req.width, req.height, req.scale);
    const size = width * height * 4;
    let dst = 0;
    let warning: string | null = null;
    try {
      const src = ex.malloc(bytes.length);
      dst = ex.malloc(size);
      if (!src || !dst) throw new CodecFailure('Insufficient memory (out of memory in malloc)', []);
      new Uint8Array(ex.memory.buffer, src, bytes.length).set(bytes);
      const status = ex.jd_decode(src, bytes.length, req.width, req.height, req.scale.num, req.scale.denom, req.cmyk ? 1 : 0, dst, width, height);
      ex.free(src);
      const info = new Int32Array(ex.memory.buffer, ex.jd_info(), 4);
      // libjpeg must see the frame our header parser saw (the memory budget and the output buffer
      // were sized from it), and scale it to the size we allocated.
      if (status === FRAME_MISMATCH) {
        throw new CodecFailure(`the frame header reads as ${info[0]}x${info[1]} to libjpeg but ${req.width}x${req.height} to the header parser`, []);
      }
      if (status === OUTPUT_MISMATCH) throw new CodecFailure(`libjpeg decodes it to ${info[2]}x${info[3]}, not ${width}x${height}`, []);
      if (status !== 0) throw new CodecFailure(`the decoder rejected the request (${status})`, []);
      warning = readCString(ex.memory, ex.jd_message(), MESSAGE_LENGTH) || null;
    } catch (e) {
      this.#instance = null;
      if (e instanceof CodecFailure) throw e;
      // LibjpegError carries libjpeg's own words ("Bogus Huffman table definition"); a
      // RangeError/RuntimeError is the wasm memory refusing to grow or a trap.
      const text = e instanceof Error ? e.message : String(e);
      throw new CodecFailure(text, e instanceof LibjpegError ? [text] : [], { cause: e });
    }

    try {
      const data = new Uint8ClampedArray(ex.memory.buffer, dst, size);
      if (req.cmyk) cmykToRgbaInPlace(data);
      return use({ width, height, data }, warning);
    } finally {
      this.lastMemoryBytes = ex.memory.buffer.byteLength;
      if (this.#instance === ex) {
        ex.free(dst);
        if (this.lastMemoryBytes > RECYCLE_BYTES) this.#instance = null; // wasm memory never shrinks
      }
    }
  }
}
