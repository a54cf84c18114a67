/**
 * The decoder registry: which compiled WebAssembly.Module serves which format.
 *
 * Compiling wasm is environment-specific — workerd refuses to compile from
 * bytes at run time, so the Worker imports the .wasm files as modules
 * (decoders-workerd.ts); Node compiles them from node_modules
 * (decoders-node.ts). Both end in `initDecoders()`, and everything
 * downstream only ever sees Modules.
 */

import { JpegCodec } from './codec-jpeg.ts';
import { NativeCodec, PNG_DECODER, WEBP_DECODER } from './codec-native.ts';

export interface DecoderModules {
  /** native/jpeg/jpeg-turbo.wasm (our libjpeg-turbo 2.1.5 build, native/jpeg/README.md) */
  jpeg: WebAssembly.Module;
  /** native/png/png.wasm (our PNG decoder + libdeflate 1.14, native/png/README.md) */
  png: WebAssembly.Module;
  /** native/webp/webp.wasm (Debian's libwebp 1.2.4, our build, native/webp/README.md) */
  webp: WebAssembly.Module;
}

export interface Decoders {
  jpeg: JpegCodec;
  png: NativeCodec;
  webp: NativeCodec;
}

let decoders: Decoders | null = null;

/** Installs the decoders. Idempotent per set of modules; a later call replaces earlier instances. */
export function initDecoders(modules: DecoderModules): void {
  for (const k of ['jpeg', 'png', 'webp'] as const) {
    if (!(modules[k] instanceof WebAssembly.Module)) throw new TypeError(`initDecoders: "${k}" must be a compiled WebAssembly.Module`);
  }
  decoders = {
    jpeg: new JpegCodec(modules.jpeg),
    png: new NativeCodec(modules.png, PNG_DECODER),
    webp: new NativeCodec(modules.webp, WEBP_DECODER),
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
