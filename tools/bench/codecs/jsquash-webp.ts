/**
 * Bench only (tools/bench/codecs.ts): the WebP decoder the Worker used until issue #10 —
 * @jsquash/webp 1.5.0's `webp_dec.wasm` (libwebp, Emscripten) — with the host glue it had
 * (worker/image/codec-emscripten.ts at 694b323, plus the ImageData stand-in decoders.ts installed),
 * as the "before" of the WebP comparison. @jsquash/webp is a dependency of tools/bench/package.json only.
 *
 * Owner of one Emscripten-built @jsquash decoder.
 *
 * Why not just call @jsquash's `decode()`? Its module-level singleton can never
 * be replaced, and a C decoder that fails via longjmp/exit() (libjpeg's
 * error_exit) unwinds straight through the wasm stack: the buffers it malloc'd
 * are never freed and the shadow stack pointer is never restored. Each corrupt
 * upload would leak a little wasm memory, forever. So this class instantiates
 * the module itself and throws the instance away after any failure (and after
 * a decode that grew its memory past RECYCLE_BYTES, since wasm memory never
 * shrinks); the next request gets a fresh instance from the already-compiled
 * WebAssembly.Module, which costs about a millisecond.
 *
 * It also captures the decoder's stderr instead of letting it reach the
 * console; the last line becomes the message of the 400.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CodecFailure, DecoderSetupError, RECYCLE_BYTES, type RawImage } from '../../../worker/image/codec-common.ts';

/** The old WebP decoder: the Emscripten factory and the compiled module from tools/bench/node_modules. */
export async function loadJsquashWebp(): Promise<EmscriptenCodec> {
  ensureImageData();
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('@jsquash/webp/package.json')), 'codec', 'dec');
  const factory = (await import(pathToFileURL(join(dir, 'webp_dec.js')).href)).default as EmscriptenFactory;
  return new EmscriptenCodec(factory, new WebAssembly.Module(readFileSync(join(dir, 'webp_dec.wasm'))));
}

// The Emscripten glue creates `new ImageData(...)` for its result. Browsers have
// ImageData; Node and workerd do not, and the glue only polyfills it in some
// environments, so make sure a minimal one exists before any decode.
function ensureImageData(): void {
  const g = globalThis as { ImageData?: unknown };
  if (typeof g.ImageData === 'function') return;
  g.ImageData = class ImageData {
    constructor(
      readonly data: Uint8ClampedArray,
      readonly width: number,
      readonly height: number,
    ) {}
  };
}

interface EmscriptenDecoder {
  decode(data: Uint8Array, ...args: unknown[]): RawImage | null;
  HEAP8?: Int8Array;
}

/** The default export of `@jsquash/{jpeg,webp}/codec/dec/*_dec.js`. */
export type EmscriptenFactory = (moduleArg: Record<string, unknown>) => Promise<unknown>;

interface Instance {
  decoder: EmscriptenDecoder;
  messages: string[];
}

export class EmscriptenCodec {
  #instance: Promise<Instance> | null = null;
  /** Size of the decoder's wasm memory at the end of the last decode. */
  lastMemoryBytes = 0;

  /** Drops the instance: the next decode starts from a fresh memory (decode.ts does this before a large decode of another format). */
  reset(): void {
    this.#instance = null;
  }

  constructor(
    private readonly factory: EmscriptenFactory,
    private readonly module: WebAssembly.Module,
  ) {}

  #instantiate(): Promise<Instance> {
    const messages: string[] = [];
    const capture = (text: unknown) => {
      if (messages.length < 16) messages.push(String(text));
    };
    const ready = this.factory({
      noInitialRun: true,
      // workerd forbids compiling wasm from bytes at run time; instantiating a
      // pre-compiled Module synchronously is allowed everywhere.
      instantiateWasm: (imports: WebAssembly.Imports, done: (i: WebAssembly.Instance) => void) => {
        const instance = new WebAssembly.Instance(this.module, imports);
        done(instance);
        return instance.exports;
      },
      print: () => {},
      printErr: capture,
    });
    return ready.then((decoder) => ({ decoder: decoder as EmscriptenDecoder, messages }));
  }

  /** Decodes `bytes`; on failure throws CodecFailure carrying the decoder's own messages. */
  async decode(bytes: Uint8Array, ...args: unknown[]): Promise<{ image: RawImage; messages: string[] }> {
    let instance: Instance;
    try {
      instance = await (this.#instance ??= this.#instantiate());
    } catch (e) {
      this.#instance = null;
      throw new DecoderSetupError(`could not instantiate the image decoder: ${String(e)}`, { cause: e });
    }
    const { decoder, messages } = instance;
    messages.length = 0;
    let image: RawImage | null;
    try {
      image = decoder.decode(bytes, ...args);
    } catch (e) {
      this.#instance = null;
      // The decoder may print warnings before the fatal error: the last line is the reason.
      throw new CodecFailure(messages.at(-1) ?? (e instanceof Error ? e.message : String(e)), [...messages], { cause: e });
    }
    if (!image) {
      this.#instance = null;
      throw new CodecFailure(messages.at(-1) ?? 'the decoder rejected the data', [...messages]);
    }
    this.lastMemoryBytes = decoder.HEAP8?.length ?? 0;
    if (this.lastMemoryBytes > RECYCLE_BYTES) this.#instance = null;
    return { image, messages: [...messages] };
  }
}
