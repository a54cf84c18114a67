/**
 * Bench only (tools/bench/codecs.ts): the PNG decoder the Worker used until issue #10 —
 * @jsquash/png 3.1.1's `squoosh_png_bg.wasm` (Rust `png` crate, wasm-bindgen) — with the host
 * glue it had (worker/image/codec-png.ts at 694b323), as the "before" of the PNG comparison.
 * @jsquash/png is a dependency of tools/bench/package.json only.
 *
 * Minimal host glue, written so that an instance can be thrown
 * away and recreated — the generated glue keeps a module-level singleton
 * (`initSync` returns the first instance forever).
 *
 * Why recreate: the Rust side reports errors with `unwrap_throw`, i.e. a JS
 * exception thrown through the wasm stack. Rust destructors never run, so the
 * input copy and decoder buffers leak and the shadow stack pointer is left
 * lowered. A few thousand corrupt uploads would corrupt or exhaust the
 * instance. After any failure (or a decode that grew memory past
 * RECYCLE_BYTES) we start over from the pre-compiled WebAssembly.Module.
 *
 * The RGBA result is not copied out: the glue hands us ownership of the Rust buffer, `decode()`
 * passes a view of it to a synchronous callback and frees it afterwards (the instance's memory
 * cannot grow in between), which saves 4 bytes a pixel at the peak.
 *
 * The imports are matched by name prefix (wasm-bindgen appends a hash); an
 * import we do not know means a different @jsquash/png build and fails loudly
 * at instantiation, not per request.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CodecFailure, DecoderSetupError, RECYCLE_BYTES, type RawImage } from '../../../worker/image/codec-common.ts';

/** The compiled @jsquash/png decoder from tools/bench/node_modules (tools/lib/install-local.mjs tools/bench installs it). */
export function loadJsquashPng(): WebAssembly.Module {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@jsquash/png/package.json'));
  return new WebAssembly.Module(readFileSync(join(dir, 'codec/pkg/squoosh_png_bg.wasm')));
}

interface PngExports {
  memory: WebAssembly.Memory;
  decode(ptr: number, len: number): number;
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(ptr: number, size: number, align: number): void;
}

interface PngInstance {
  exports: PngExports;
  takeObject(idx: number): unknown;
  /** The RGBA buffer the last decode handed over (ours to free), or null. */
  owned: { ptr: number; len: number } | null;
}

function instantiate(module: WebAssembly.Module): PngInstance {
  // wasm-bindgen's object table: indices < 132 are reserved/constants.
  const heap: unknown[] = new Array(128).fill(undefined);
  heap.push(undefined, null, true, false);
  let heapNext = heap.length;
  const addObject = (o: unknown): number => {
    if (heapNext === heap.length) heap.push(heap.length + 1);
    const idx = heapNext;
    heapNext = heap[idx] as number;
    heap[idx] = o;
    return idx;
  };
  const getObject = (idx: number): unknown => heap[idx];
  const takeObject = (idx: number): unknown => {
    const o = heap[idx];
    if (idx >= 132) {
      heap[idx] = heapNext;
      heapNext = idx;
    }
    return o;
  };

  let ex!: PngExports;
  const self = { owned: null as PngInstance['owned'] };
  const utf8 = new TextDecoder('utf-8');
  const impls: Array<[string, (...a: number[]) => unknown]> = [
    ['__wbindgen_memory', () => addObject(ex.memory)],
    ['__wbg_buffer_', (a) => addObject((getObject(a) as WebAssembly.Memory).buffer)],
    ['__wbg_newwithbyteoffsetandlength_', (a, off, len) => addObject(new Uint16Array(getObject(a) as ArrayBuffer, off >>> 0, len >>> 0))],
    ['__wbindgen_object_drop_ref', (a) => void takeObject(a)],
    [
      '__wbg_newwithownedu8clampedarrayandsh_',
      (ptr, len, w, h) => {
        self.owned = { ptr: ptr >>> 0, len: len >>> 0 };
        const data = new Uint8ClampedArray(ex.memory.buffer, ptr >>> 0, len >>> 0);
        return addObject({ data, width: w >>> 0, height: h >>> 0 } satisfies RawImage);
      },
    ],
    [
      '__wbindgen_throw',
      (ptr, len) => {
        throw new Error(utf8.decode(new Uint8Array(ex.memory.buffer, ptr >>> 0, len >>> 0)));
      },
    ],
  ];

  const imports: Record<string, Record<string, (...a: number[]) => unknown>> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    const impl = impls.find(([prefix]) => imp.name.startsWith(prefix));
    if (!impl) throw new Error(`unexpected import ${imp.module}.${imp.name} in the PNG decoder (is @jsquash/png a different version?)`);
    (imports[imp.module] ??= {})[imp.name] = impl[1];
  }
  const instance = new WebAssembly.Instance(module, imports as WebAssembly.Imports);
  ex = instance.exports as unknown as PngExports;
  return Object.assign(self, { exports: ex, takeObject });
}

export class JsquashPngCodec {
  #instance: PngInstance | null = null;

  constructor(private readonly module: WebAssembly.Module) {}

  /** Size of the decoder's wasm memory at the end of the last decode. */
  lastMemoryBytes = 0;

  /** Drops the instance: the next decode starts from a fresh memory (decode.ts does this before a large decode of another format). */
  reset(): void {
    this.#instance = null;
  }

  /**
   * Decodes to 8-bit RGBA (16-bit samples keep their high byte, palettes and gray are expanded)
   * and calls `use` with it: a view of the decoder's memory, valid until `use` returns. Returns
   * what `use` returns; its exceptions pass through. A decoder failure throws CodecFailure.
   */
  decode<T>(bytes: Uint8Array, use: (image: RawImage) => T): T {
    let inst: PngInstance;
    try {
      inst = this.#instance ??= instantiate(this.module);
    } catch (e) {
      throw new DecoderSetupError(`could not instantiate the PNG decoder: ${String(e)}`, { cause: e });
    }
    const ex = inst.exports;
    let image: RawImage;
    try {
      inst.owned = null;
      const ptr = ex.__wbindgen_malloc(bytes.length, 1) >>> 0;
      new Uint8Array(ex.memory.buffer, ptr, bytes.length).set(bytes);
      image = inst.takeObject(ex.decode(ptr, bytes.length)) as RawImage; // decode() takes ownership of the input
    } catch (e) {
      this.#instance = null;
      throw new CodecFailure(e instanceof Error ? e.message : String(e), [], { cause: e });
    }
    try {
      return use(image);
    } finally {
      this.lastMemoryBytes = ex.memory.buffer.byteLength;
      const owned = inst.owned as PngInstance['owned']; // set by the glue during decode()
      if (owned) ex.__wbindgen_free(owned.ptr, owned.len, 1);
      inst.owned = null;
      if (this.lastMemoryBytes > RECYCLE_BYTES) this.#instance = null;
    }
  }
}
