/**
 * The Workers entry. Bundles the model files (wrangler Data modules, see the rules in
 * wrangler.toml) and the engine builds (CompiledWasm modules: workerd cannot compile WASM from
 * bytes), sets up the image decoders, and exports the app.
 *
 * To bundle another model, import its .gnv2 file and add it to MODELS; its `name` is what the
 * `model` parameter and the MODEL var take. Models load lazily, so an unused one costs only
 * script size.
 */
import simd128 from '../build/engine.simd128.wasm';
import relaxed from '../build/engine.relaxed.wasm';
import fashionMnist from '../models/fashion-mnist/ghostnetv2_fmnist.int8.gnv2';
import tinySynthetic from '../test/fixtures/models/tiny_w015_c10_s64.int8.gnv2';
import { createApp } from './app.ts';
import { initWorkerdDecoders } from './image/decoders-workerd.ts';
import { ModelRegistry, type BundledModel } from './model/registry.ts';

const MODELS: BundledModel[] = [
  // GhostNetV2-1.0 trained on Fashion-MNIST, int8 (models/README.md): the default.
  { name: 'fashion-mnist', data: fashionMnist },
  // GhostNetV2 width 0.15, 10 random classes, 64x64: a smoke-test model (test/fixtures/models/README.md).
  { name: 'tiny-synthetic', data: tinySynthetic },
];

initWorkerdDecoders();

/** One registry per isolate; tests import it to read engine memory (same module instance as SELF). */
export const registry = new ModelRegistry(MODELS, { simd128, relaxed });

export default createApp(registry);
