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
import { endWarmUp, warmUp } from './warmup.ts';

initWorkerdDecoders();

/** One registry per isolate; tests import it to read engine memory (same module instance as SELF). */
export const registry = new ModelRegistry(MODELS, { simd128, relaxed });
/** The Hono app (tests read its router); the Worker below is what workerd calls. */
export const app = createApp(registry);

/** The Worker: every request first makes sure the start-up warm-up's stand-ins are gone. */
const worker = {
  fetch(request: Request, workerEnv: Env, ctx: ExecutionContext): Response | Promise<Response> {
    endWarmUp();
    return app.fetch(request, workerEnv, ctx);
  },
} satisfies ExportedHandler<Env>;
// The warm-up's requests go through `worker.fetch` itself (warmup.ts), so V8 compiles it now.
warmUp(registry, env as Env, worker);
export default worker;
