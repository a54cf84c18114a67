/**
 * The models bundled with the Worker (wrangler Data modules, see the rules in wrangler.toml).
 * Their `name` is what the `model` parameter and the MODEL var take. To bundle another model,
 * import its .gnv2 file and add it here.
 *
 * This list is its own module so that a build can substitute it: `npm run bench:request` bundles
 * the real Worker with one more model by `wrangler deploy --alias ./models.ts:<its own list>`.
 */
import fashionMnist from '../models/fashion-mnist/ghostnetv2_fmnist.int8.gnv2';
import tinySynthetic from '../test/fixtures/models/tiny_w015_c10_s64.int8.gnv2';
import type { BundledModel } from './model/registry.ts';

export const MODELS: BundledModel[] = [
  // GhostNetV2-1.0 trained on Fashion-MNIST, int8 (models/README.md): the default.
  { name: 'fashion-mnist', data: fashionMnist },
  // GhostNetV2 width 0.15, 10 random classes, 64x64: a smoke-test model (test/fixtures/models/README.md).
  { name: 'tiny-synthetic', data: tinySynthetic },
];
