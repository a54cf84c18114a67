/**
 * Worker entry: workerd cannot compile WebAssembly from bytes at run time, so
 * the decoders' .wasm files are imported as modules (Wrangler's default rule
 * for `*.wasm` yields a compiled WebAssembly.Module) and handed to
 * initDecoders(), and the resampler's to initResampler(). Call
 * `initWorkerdDecoders()` once at module scope of the Worker entry, before the
 * first decodeImage().
 */

// Our libjpeg-turbo build (native/jpeg/, committed; rebuilt only by native/jpeg/build.sh).
import jpeg from '../../native/jpeg/jpeg-turbo.wasm';
// Our PNG decoder (native/png/: our C + libdeflate, committed; rebuilt only by native/png/build.sh).
import png from '../../native/png/png.wasm';
// Our libwebp build (native/webp/, committed; rebuilt only by native/webp/build.sh).
import webp from '../../native/webp/webp.wasm';
// The Pillow resampler's kernels (assembly/kernels/resample, built by `npm run build`).
import resampler from '../../build/resample.simd128.wasm';
import { decodersReady, initDecoders } from './decoders.ts';
import { initResampler, wasmResampler } from './resample-wasm.ts';

export function initWorkerdDecoders(): void {
  if (!decodersReady()) initDecoders({ jpeg, png, webp });
  if (!wasmResampler()) initResampler(resampler);
}
