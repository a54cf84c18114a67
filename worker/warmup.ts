/**
 * What an isolate does at start-up (module scope, where Workers allow ~1 s of CPU) so that its
 * first request costs about what the ones after it do: prepare the default model, run it a few
 * times, and decode and resize a small JPEG twice through the request's own code. V8 compiles a
 * WebAssembly function on its first call (baseline code, several times slower) and optimises it
 * only once it has run enough, in the background; without this, the first request pays for all of
 * that for the engine's kernels, the JPEG decoder and the resampler.
 *
 * Measured (npm run bench:request, cold start, 640x427 JPEG to the default model, workerd CPU):
 * first request 89 ms → 40 ms with the model prepared here → 32 ms adding one run and a 32x24
 * JPEG → ~20 ms with 5 runs and two decodes of a 256x171 JPEG, against ~9 ms warm. What remains is
 * JS compiled on first use by the route (router, validation, body reading), which cannot run at
 * module scope (workerd refuses to create a Response there).
 */
import type { Env } from './env.ts';
import { withDecodedImage } from './image/decode.ts';
import { resizeAndCrop, resizeShortSide } from './image/preprocess.ts';
import type { ModelRegistry } from './model/registry.ts';
import { WARM_UP_JPEG_BASE64 } from './warmup-jpeg.ts';

/** Runs of the default model at start-up: enough for V8 to optimise the kernels of a small model. */
const MODEL_RUNS = 5;
/** Decodes + resizes of the warm-up JPEG. */
const JPEG_RUNS = 2;

function bytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Prepares the default model and runs the request path. Failures are logged, never thrown. */
export function warmUp(registry: ModelRegistry, env: Env): void {
  const classifier = registry.preloadDefault(env.MODEL, env.ENGINE);
  if (!classifier) return;
  const p = classifier.header.preprocessing;
  try {
    const pixels = new Uint8Array(3 * p.input_size * p.input_size);
    for (let i = 0; i < MODEL_RUNS; i++) classifier.runPixels(pixels);
  } catch (e) {
    console.error(`start-up: the default model's first run failed: ${(e as Error).message}`);
  }
  // A JPEG decodes synchronously inside this call (only WebP's decoder awaits), so this work is
  // done before module evaluation ends (warmup.test.ts checks it).
  const jpeg = bytes(WARM_UP_JPEG_BASE64);
  for (let i = 0; i < JPEG_RUNS; i++) {
    withDecodedImage(jpeg, { resizeShortSide: resizeShortSide(p) }, (img) => resizeAndCrop(img, p)).catch((e) =>
      console.error(`start-up: the warm-up decode failed: ${(e as Error).message}`),
    );
  }
}
