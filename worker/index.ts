/**
 * The Workers entry. Bundles the models (models.ts, from models/manifest.json) and the engine
 * builds (CompiledWasm modules: workerd cannot compile WASM from bytes), sets up the image
 * decoders, and exports the app. Models load lazily, so an unused one costs only script size.
 * To bundle another model: `npx ghostnet-edge add-model <file.gnv2> [--name N] [--default]`.
 */
import simd128 from '../build/engine.simd128.wasm';
import relaxed from '../build/engine.relaxed.wasm';
import { createApp } from './app.ts';
import { initWorkerdDecoders } from './image/decoders-workerd.ts';
import { ModelRegistry } from './model/registry.ts';
import { MODELS } from './models.ts';

initWorkerdDecoders();

/** One registry per isolate; tests import it to read engine memory (same module instance as SELF). */
export const registry = new ModelRegistry(MODELS, { simd128, relaxed });

export default createApp(registry);
