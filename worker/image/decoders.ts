/**
 * The decoder registry: which compiled WebAssembly.Module serves which format.
 *
 * Compiling wasm is environment-specific — workerd refuses to compile from
 * bytes at run time, so the Worker imports the .wasm files as modules
 * (decoders-workerd.ts); Node compiles them from node_modules
 * (decoders-node.ts). Both end in `initDecoders()`, and everything
 * downstream only ever sees Modules.
 */

import webpFactory from '@jsquash/webp/codec/dec/webp_dec.js';
import { EmscriptenCodec, type EmscriptenFactory } from './codec-emscripten.ts';
import { PngCodec } from './codec-png.ts';
import { JpegCodec } from './codec-jpeg.ts';

export interface DecoderModules {
  /** native/jpeg/jpeg-turbo.wasm (our libjpeg-turbo 2.1.5 build, native/jpeg/README.md) */
  jpeg: WebAssembly.Module;
  /** native/png/png.wasm (our PNG decoder + libdeflate 1.14, native/png/README.md) */
  png: WebAssembly.Module;
  /** @jsquash/webp/codec/dec/webp_dec.wasm */
  webp: WebAssembly.Module;
}

export interface Decoders {
  jpeg: JpegCodec;
  png: PngCodec;
  webp: EmscriptenCodec;
}

let decoders: Decoders | null = null;

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

/** Installs the decoders. Idempotent per set of modules; a later call replaces earlier instances. */
export function initDecoders(modules: DecoderModules): void {
  for (const k of ['jpeg', 'png', 'webp'] as const) {
    if (!(modules[k] instanceof WebAssembly.Module)) throw new TypeError(`initDecoders: "${k}" must be a compiled WebAssembly.Module`);
  }
  ensureImageData();
  decoders = {
    jpeg: new JpegCodec(modules.jpeg),
    png: new PngCodec(modules.png),
    webp: new EmscriptenCodec(webpFactory as unknown as EmscriptenFactory, modules.webp),
  };
}

export function decodersReady(): boolean {
  return decoders !== null;
}

/** Throws a plain Error (a server bug -> 500, never a client 4xx) when nobody called initDecoders(). */
export function getDecoders(): Decoders {
  if (!decoders) throw new Error('image decoders are not initialised: call initDecoders() (see decoders-node.ts / decoders-workerd.ts) first');
  return decoders;
}
