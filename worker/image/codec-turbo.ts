/**
 * JPEG decoding with libjpeg-turbo 2.0.4's TurboJPEG API, as built by @cwasm/jpeg-turbo
 * (wasi-sdk, 139 KB, no Emscripten glue): the same library Pillow links, so full-size output is
 * bit-identical to Pillow's, and it can decode at 1/2, 1/4 or 1/8 scale in the IDCT (what
 * Pillow's `Image.draft()` uses), which is what lets a 40 Mpx JPEG decode in ~10 MiB.
 *
 * The module's imports are two libc stubs (setjmp/longjmp) and six WASI calls; this file is the
 * whole host side:
 *  - `setjmp` returns 0 and `longjmp` throws: libjpeg's fatal errors (error_exit) unwind through
 *    the wasm stack as a JS exception. Whatever libjpeg had allocated is never freed and the
 *    shadow stack pointer is never restored, so after any failure the instance is thrown away
 *    (a fresh one costs well under a millisecond), as codec-emscripten.ts does.
 *  - WASI: an empty environment (libjpeg reads JPEGMEM through getenv), writes to stderr are
 *    swallowed, exit throws.
 *
 * libjpeg's message text: TurboJPEG formats every libjpeg message (the fatal one, or the first
 * warning) into a static `errStr[200]` initialised to "No error". It exports no getter, so its
 * address is found once per module by looking for that initial value in a fresh instance's data.
 *
 * The output stays in the instance's memory: `decode()` hands a view of it to a synchronous
 * callback and frees it afterwards. Nothing can run on this instance in between (no await), so
 * the view stays valid, and the caller never holds a second full-size copy of the pixels.
 */

import { CodecFailure, DecoderSetupError, RECYCLE_BYTES, type RawImage } from './codec-common.ts';

const TJPF_RGBA = 7;
const TJPF_CMYK = 11;
const ERRNO_BADF = 8;
const ERR_STR_LENGTH = 200; // JMSG_LENGTH_MAX

interface TurboExports {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(ptr: number): void;
  tjInitDecompress(): number;
  tjDecompressHeader3(handle: number, src: number, size: number, width: number, height: number, subsamp: number, colorspace: number): number;
  tjDecompress2(handle: number, src: number, size: number, dst: number, width: number, pitch: number, height: number, pixelFormat: number, flags: number): number;
  tjDestroy(handle: number): number;
}

/** What our longjmp (and exit) throw: libjpeg gave up; its message is in errStr. */
class LibjpegExit extends Error {}

interface Instance {
  ex: TurboExports;
  /** Address of TurboJPEG's errStr, or -1 if it was not found (messages are then generic). */
  errStr: number;
}

const errStrAddress = new WeakMap<WebAssembly.Module, number>();

function findErrStr(memory: WebAssembly.Memory): number {
  const b = new Uint8Array(memory.buffer);
  const text = [0x4e, 0x6f, 0x20, 0x65, 0x72, 0x72, 0x6f, 0x72]; // "No error"
  let found = -1;
  for (let i = b.indexOf(text[0], 1); i >= 0 && i + ERR_STR_LENGTH <= b.length; i = b.indexOf(text[0], i + 1)) {
    if (b[i - 1] !== 0 || !text.every((c, k) => b[i + k] === c)) continue;
    let zeros = true; // the rest of the 200-byte array is zero; string-table copies are followed by more text
    for (let k = text.length; k < ERR_STR_LENGTH && zeros; k++) zeros = b[i + k] === 0;
    if (!zeros) continue;
    if (found >= 0) return -1; // ambiguous: better generic messages than wrong ones
    found = i;
  }
  return found;
}

function instantiate(module: WebAssembly.Module): Instance {
  let memory: WebAssembly.Memory | null = null;
  const view = () => new DataView(memory!.buffer);
  const imports = {
    env: {
      setjmp: () => 0,
      longjmp: () => {
        throw new LibjpegExit('libjpeg error');
      },
    },
    wasi_snapshot_preview1: {
      environ_sizes_get: (count: number, size: number) => {
        view().setUint32(count, 0, true);
        view().setUint32(size, 0, true);
        return 0;
      },
      environ_get: () => 0,
      proc_exit: (code: number) => {
        throw new LibjpegExit(`exit(${code})`);
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
  const instance = new WebAssembly.Instance(module, imports);
  const ex = instance.exports as unknown as TurboExports;
  for (const name of ['malloc', 'free', 'tjInitDecompress', 'tjDecompressHeader3', 'tjDecompress2', 'tjDestroy'] as const) {
    if (typeof ex[name] !== 'function') throw new Error(`the JPEG decoder module does not export ${name} (is @cwasm/jpeg-turbo a different version?)`);
  }
  memory = ex.memory;
  let errStr = errStrAddress.get(module);
  if (errStr === undefined) {
    errStr = findErrStr(memory);
    errStrAddress.set(module, errStr);
  }
  return { ex, errStr };
}

function readErrStr(inst: Instance): string {
  if (inst.errStr < 0) return '';
  const b = new Uint8Array(inst.ex.memory.buffer, inst.errStr, ERR_STR_LENGTH);
  const end = b.indexOf(0);
  let s = '';
  for (let i = 0; i < (end < 0 ? ERR_STR_LENGTH : end); i++) s += String.fromCharCode(b[i]);
  return s;
}

function clearErrStr(inst: Instance): void {
  if (inst.errStr >= 0) new Uint8Array(inst.ex.memory.buffer)[inst.errStr] = 0;
}

export interface TurboDecodeRequest {
  /** Size in the file (from the header). */
  width: number;
  height: number;
  /** DCT scaling: the output is ceil(width / scale) x ceil(height / scale). */
  scale: 1 | 2 | 4 | 8;
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

export class TurboJpegCodec {
  #instance: Instance | null = null;
  /** Size of the decoder's wasm memory at the end of the last decode (tests and benchmarks read it). */
  lastMemoryBytes = 0;

  constructor(private readonly module: WebAssembly.Module) {}

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
  decode<T>(bytes: Uint8Array, req: TurboDecodeRequest, use: (image: RawImage, warning: string | null) => T): T {
    let inst: Instance;
    try {
      inst = this.#instance ??= instantiate(this.module);
    } catch (e) {
      throw new DecoderSetupError(`could not instantiate the JPEG decoder: ${String(e)}`, { cause: e });
    }
    const ex = inst.ex;
    const width = Math.ceil(req.width / req.scale);
    const height = Math.ceil(req.height / req.scale);
    const size = width * height * 4;
    let dst = 0;
    let warning: string | null = null;
    try {
      clearErrStr(inst);
      const src = ex.malloc(bytes.length);
      dst = ex.malloc(size);
      if (!src || !dst) throw new CodecFailure('Insufficient memory (out of memory in malloc)', []);
      new Uint8Array(ex.memory.buffer, src, bytes.length).set(bytes);
      const handle = ex.tjInitDecompress();
      if (!handle) throw new CodecFailure('Insufficient memory (tjInitDecompress)', []);
      // libjpeg must see the frame our header parser saw (the memory budget and the output buffer
      // were sized from it). Only the size is used: the call also reports -1 for subsamplings
      // TurboJPEG has no name for (4:1:0), after filling in width and height.
      const info = ex.malloc(16);
      if (!info) throw new CodecFailure('Insufficient memory (out of memory in malloc)', []);
      new Uint8Array(ex.memory.buffer, info, 16).fill(0);
      ex.tjDecompressHeader3(handle, src, bytes.length, info, info + 4, info + 8, info + 12);
      const dv = new DataView(ex.memory.buffer, info, 8);
      const [fw, fh] = [dv.getInt32(0, true), dv.getInt32(4, true)];
      ex.free(info);
      if (fw !== req.width || fh !== req.height) {
        ex.tjDestroy(handle);
        throw new CodecFailure(`the frame header reads as ${fw}x${fh} to libjpeg but ${req.width}x${req.height} to the header parser`, []);
      }
      clearErrStr(inst);
      // Asking for ceil(w/k) x ceil(h/k) makes TurboJPEG pick exactly the 1/k IDCT scaling (the
      // largest factor whose output fits; the next larger one is W/8 pixels wider).
      const status = ex.tjDecompress2(handle, src, bytes.length, dst, width, width * 4, height, req.cmyk ? TJPF_CMYK : TJPF_RGBA, 0);
      ex.tjDestroy(handle);
      ex.free(src);
      if (status !== 0) {
        // -1 without a longjmp: a libjpeg warning (the image is complete), or one of TurboJPEG's
        // own checks, whose messages start with the function name.
        const text = readErrStr(inst);
        if (/^tj\w+\(\):/.test(text) || !text) throw new CodecFailure(text.replace(/^tj\w+\(\):\s*/, '') || 'the decoder rejected the data', [text]);
        warning = text;
      }
    } catch (e) {
      this.#instance = null;
      const text = readErrStr(inst);
      if (e instanceof CodecFailure) throw e;
      // LibjpegExit carries libjpeg's own words in errStr ("Bogus Huffman table definition");
      // a RangeError/RuntimeError is the wasm memory refusing to grow or a trap.
      throw new CodecFailure(text || (e instanceof Error ? e.message : String(e)), text ? [text] : [], { cause: e });
    }

    try {
      const data = new Uint8ClampedArray(ex.memory.buffer, dst, size);
      if (req.cmyk) cmykToRgbaInPlace(data);
      return use({ width, height, data }, warning);
    } finally {
      this.lastMemoryBytes = ex.memory.buffer.byteLength;
      if (this.#instance === inst) {
        ex.free(dst);
        if (this.lastMemoryBytes > RECYCLE_BYTES) this.#instance = null; // wasm memory never shrinks
      }
    }
  }
}
