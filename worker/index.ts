/**
 * The Workers entry. Bundles the models (models.ts, from models/manifest.json) and the engine
 * builds (CompiledWasm modules: workerd cannot compile WASM from bytes), sets up the image
 * decoders, warms up (warmup.ts: the default model prepared and run, a JPEG decoded, at isolate
 * start-up), and exports the app. The other models load on first use, so an unused one costs only
 * script size. To bundle another model: `npx ghostnet-edge add-model <file.gnv2> [--name N] [--default]`.
 */
import { env } from 'cloudflare:workers';
import simd128 from '../build/engine.simd128.wasm';
import relaxed from '../build/engine.relaxed.wasm';
import { createApp } from './app.ts';
import type { Env } from './env.ts';
import { initWorkerdDecoders } from './image/decoders-workerd.ts';
import { ModelRegistry } from './model/registry.ts';
import { MODELS } from './models.ts';
import { warmUp } from './warmup.ts';

initWorkerdDecoders();

/** One registry per isolate; tests import it to read engine memory (same module instance as SELF). */
export const registry = new ModelRegistry(MODELS, { simd128, relaxed });
const app = createApp(registry);
warmUp(registry, env as Env, app);

export default app;
