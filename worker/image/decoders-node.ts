/**
 * Node entry (CLI, tests, tools): compile the decoders' .wasm files (native/{jpeg,png,webp}/,
 * committed) and the resampler (build/resample.simd128.wasm, from `npm run build`) from the
 * repository. Workers must use decoders-workerd.ts instead.
 */

import { readFile } from 'node:fs/promises';
import { decodersReady, initDecoders } from './decoders.ts';
import { initResampler, wasmResampler } from './resample-wasm.ts';

let pending: Promise<void> | null = null;

const RESAMPLER = new URL('../../build/resample.simd128.wasm', import.meta.url);
/** Our libjpeg-turbo build (native/jpeg/build.sh). */
export const JPEG_DECODER_WASM = new URL('../../native/jpeg/jpeg-turbo.wasm', import.meta.url);
/** Our PNG decoder (native/png/build.sh: our C + libdeflate). */
export const PNG_DECODER_WASM = new URL('../../native/png/png.wasm', import.meta.url);
/** Our libwebp build (native/webp/build.sh). */
export const WEBP_DECODER_WASM = new URL('../../native/webp/webp.wasm', import.meta.url);

async function compileResampler(): Promise<WebAssembly.Module> {
  const bytes = await readFile(RESAMPLER).catch(() => {
    throw new Error('build/resample.simd128.wasm is missing: run `npm run build` first');
  });
  return WebAssembly.compile(bytes);
}

/** Resolves once the decoders and the wasm resampler are usable; safe to call many times. */
export function initNodeDecoders(): Promise<void> {
  if (decodersReady() && wasmResampler()) return Promise.resolve();
  return (pending ??= (async () => {
    const compile = async (file: URL) => WebAssembly.compile(await readFile(file));
    const [jpeg, png, webp, resampler] = await Promise.all([compile(JPEG_DECODER_WASM), compile(PNG_DECODER_WASM), compile(WEBP_DECODER_WASM), compileResampler()]);
    if (!decodersReady()) initDecoders({ jpeg, png, webp });
    initResampler(resampler);
  })().catch((e) => {
    pending = null;
    throw e;
  }));
}
